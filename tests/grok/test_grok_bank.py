"""The merged pattern bank against the upstream banks: same names per flavour, same behaviour."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest

from porttrack_logs.grok import Grok, MatchTimeout
from porttrack_logs.grok._bank import ECS_V1, LEGACY, bank, parse_pattern_lines

from ._grok_upstream import SKIP_REASON, UPSTREAM, available, cases, upstream_bank

needs_upstream = pytest.mark.skipif(not available(), reason=SKIP_REASON)
MODE = {LEGACY: "disabled", ECS_V1: "v1"}


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_every_upstream_pattern_name_is_in_the_bank(flavour: str) -> None:
    """Each name the upstream bank of a flavour defines is defined by ours for that flavour."""
    missing = set(upstream_bank(flavour)) - set(bank(flavour))
    assert not missing, sorted(missing)


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_bank_defines_nothing_upstream_lacks(flavour: str) -> None:
    """Our bank adds no names of its own to a flavour (a stray flavour suffix would show here)."""
    extra = set(bank(flavour)) - set(upstream_bank(flavour))
    assert not extra, sorted(extra)


@needs_upstream
def test_no_bank_file_is_a_copy_of_an_upstream_file() -> None:
    """No bank file is byte-identical to any upstream pattern file."""
    upstream = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("patterns_legacy", "patterns_ecs_v1")
        for p in (UPSTREAM / folder).iterdir()
    }
    ours = resources.files("porttrack_logs.grok") / "patterns"
    copies = [e.name for e in ours.iterdir() if hashlib.sha256(e.read_bytes()).hexdigest() in upstream]
    assert not copies


def _outcome(grok: Grok, text: str) -> object:
    try:
        return grok.match(text)
    except MatchTimeout:
        return "timeout"


def _inputs(flavour: str) -> list[str]:
    texts = []
    for case in cases():
        if MODE[flavour] != case["ecs"]:
            continue
        values = case["input"] if isinstance(case["input"], list) else [case["input"]]
        texts.extend(v for v in values if isinstance(v, str))
        texts.extend(v for v in (case.get("event") or {}).values() if isinstance(v, str))
    return sorted(set(texts))


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_each_pattern_matches_corpus_inputs_as_upstream_does(flavour: str) -> None:
    """For every pattern name, our bank and the upstream bank (same compiler) capture the same
    fields from every corpus input of that flavour, so the merge and the \\x20 rewrite lost nothing."""
    ours = dict(bank(flavour))
    theirs = upstream_bank(flavour)
    inputs = _inputs(flavour)
    differences = []
    for name in sorted(theirs):
        a = Grok(f"%{{{name}}}", MODE[flavour], patterns=ours, named_captures_only=False)
        b = Grok(f"%{{{name}}}", MODE[flavour], patterns=theirs, named_captures_only=False)
        for text in inputs:
            if _outcome(a, text) != _outcome(b, text):
                differences.append((name, text))
    assert not differences, differences[:5]


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_pcre_and_re_give_identical_captures_on_the_corpus(flavour: str) -> None:
    """Each corpus expression gives the same captures on PCRE2 and on stdlib re, so the engine
    choice is invisible (checked on every input of that flavour, matching or not)."""
    inputs = _inputs(flavour)
    expressions = set()
    for case in cases():
        if case["ecs"] == MODE[flavour] and not case.get("custom_patterns"):
            patterns = case["pattern"] if case.get("pattern") is not None else sum(case["match"].values(), [])
            expressions.update(patterns if isinstance(patterns, list) else [patterns])
    differences = []
    for expression in sorted(expressions):
        if "{20}" in expression or "{2" in expression and "(.*" in expression:
            continue  # the deliberately catastrophic timeout expressions
        p = Grok(expression, MODE[flavour], engine="pcre")
        r = Grok(expression, MODE[flavour], engine="re")
        for text in inputs:
            if _outcome(p, text) != _outcome(r, text):
                differences.append((expression, text))
    assert not differences, differences[:5]


def test_bank_lines_use_logstash_line_rules() -> None:
    """Pattern lines split at the first whitespace run and keep the rest as is (a bare name before
    its line break defines an empty pattern, as Ruby's split(/\\s+/, 2) does); # lines are skipped."""
    pairs = parse_pattern_lines(["# note\n", "  NAME  a b  \n", "\n", "ALONE\n", "X\t[ ]+\r\n", "LAST"])
    assert pairs == [("NAME", "a b  "), ("ALONE", ""), ("X", "[ ]+")]


def test_flavour_only_lines_stay_in_their_flavour() -> None:
    """A NAME/legacy line is seen only by the legacy bank, NAME/ecs-v1 only by the ECS bank."""
    assert bank(LEGACY)["SYSLOGPROG"] != bank(ECS_V1)["SYSLOGPROG"]
    assert "[process][name]" in bank(ECS_V1)["SYSLOGPROG"]
    assert "[process][name]" not in bank(LEGACY)["SYSLOGPROG"]
