"""`always_nonempty`: the groups the matcher reads without a run-time test must be filled in every match."""

from __future__ import annotations

import random

import pytest

from porttrack_logs.grok import Grok, MatchTimeout
from porttrack_logs.grok._bank import ECS_V1, LEGACY, bank
from porttrack_logs.grok._shape import always_nonempty

from ._regex_sampler import sample, variants

MODE = {LEGACY: "disabled", ECS_V1: "v1"}


@pytest.mark.parametrize(
    "regex, groups, expected",
    [
        ("(a)(b)?", 2, {1}),
        ("(a)(b)*(c)+", 3, {1, 3}),
        ("(a|b)(c)|d", 2, set()),  # an alternation at the top: no group is certain
        ("x(?:(a)|b)(c)", 2, {2}),
        ("(a*)(b+)", 2, {2}),  # a group that can match "" is tested
        ("(a+)(?=(b))(?<!(c))", 3, {1}),  # groups in look-arounds are never certain
        ("(a){0,3}(b){2}(c){,3}(d){1,}", 4, {2, 4}),
        ("(x)(?i:(y))(?i)(z)", 3, {1, 2, 3}),
        (r"\((a)\)[(](b)[)][]()](c)", 3, {1, 2, 3}),
        (r"(\b)(^)($)(\1)(\k<n>)", 5, set()),  # zero-width or possibly empty
        (r"(\x41?)(\x41)(\x{41}?)(\p{L})(\pL?)", 5, {2, 4}),
        ("(a)[[:alpha:]]](b)", 2, {1, 2}),
        ("((a)?)((b)c)", 4, {3, 4}),
        ("(?>(a)|b)(c)", 2, {2}),
        ("(?#not a group)(a)", 1, {1}),
        ("(a)x{1,2,3}(b)", 2, set()),  # a brace an engine might read either way: no answer
    ],
)
def test_known_shapes(regex, groups, expected):
    """Groups outside alternations, optional repeats and look-arounds, with a non-empty body."""
    assert always_nonempty(regex, groups) == frozenset(expected)


@pytest.mark.parametrize(
    "regex, groups",
    [
        ("(?|(a)|(b))", 1),  # branch reset
        ("(?(1)a|b)(c)", 1),  # conditional
        ("(a)(?1)", 1),  # recursion
        ("(?x)(a) # comment", 1),  # extended mode
        (r"\Q(a)\E(b)", 1),
        ("(*UTF)(a)", 1),
        ("(a)(b)", 3),  # a count other than the engine's
        ("(a))", 1),
    ],
)
def test_what_it_does_not_model_gives_no_group(regex, groups):
    """An unmodelled construct or a different group count: every group is tested at run time."""
    assert always_nonempty(regex, groups) == frozenset()


def _bank_groks(flavour: str) -> list[tuple[Grok, Grok]]:
    """(PCRE2 grok, `re` grok for the sampler) of every pattern of a bank that both engines take."""
    pairs = []
    for name in sorted(bank(flavour)):
        try:
            pcre = Grok(f"%{{{name}}}", MODE[flavour], named_captures_only=False)
            plain = Grok(f"%{{{name}}}", MODE[flavour], named_captures_only=False, engine="re")
        except Exception:  # noqa: BLE001 - a pattern only one engine takes is covered by the bank tests
            continue
        if pcre.engine == "pcre":
            pairs.append((pcre, plain))
    return pairs


@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_certain_groups_are_filled_on_generated_lines(flavour):
    """Every bank pattern, lines walked from its regex and near misses: a group the analysis calls
    certain is never None or "" in a match, and the written matcher equals the general loop."""
    rng = random.Random(f"shape-{flavour}")
    checked = 0
    for grok, plain in _bank_groks(flavour):
        sure = always_nonempty(grok.engine_regex, len(grok.captures))
        texts = []
        for _ in range(4):
            texts.extend(variants(sample(plain.engine_regex, rng), rng))
        for text in texts:
            try:
                groups = grok.search(text)
            except MatchTimeout:  # a pathological walk: the bank tests cover the outcome
                continue
            if groups is None:
                continue
            checked += 1
            assert all(groups[n - 1] for n in sure), (grok.expression, text, groups, sorted(sure))
            assert grok.match(text) == grok._general_match(text), (grok.expression, text)
    assert checked > 500  # the walk reaches matches, not only misses
