"""Every pattern of both banks against the upstream banks on generated inputs, not only corpus lines.

Inputs are built from each pattern's own expanded regex (ours and upstream's) by a seeded random
walk, plus near misses of each, and a few hand-written lines per log family
(`tests/data/grok/sample_lines.txt`). Our expansion and upstream's must give the same outcome
(no match, or the same captures) on every one. The upstream banks are read, never copied.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

import pytest

from porttrack_logs.grok import Grok, MatchTimeout
from porttrack_logs.grok._bank import ECS_V1, LEGACY, bank

from ._grok_upstream import SKIP_REASON, available, upstream_bank
from ._regex_sampler import sample, variants

needs_upstream = pytest.mark.skipif(not available(), reason=SKIP_REASON)
MODE = {LEGACY: "disabled", ECS_V1: "v1"}
SAMPLES_PER_REGEX = 8
SAMPLE_LINES = Path(__file__).resolve().parents[1] / "data" / "grok" / "sample_lines.txt"


def _outcome(grok: Grok, text: str) -> object:
    try:
        return grok.match(text)
    except MatchTimeout:
        return "timeout"


def _generated_inputs(groks: list[Grok], seed: str) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for grok in groks:
        for _ in range(SAMPLES_PER_REGEX):
            texts.extend(variants(sample(grok.engine_regex, rng), rng))
    return texts


def _pair(name: str, flavour: str, ours: dict, theirs: dict, engine: str) -> tuple[Grok, Grok]:
    expression = f"%{{{name}}}"
    return (
        Grok(expression, MODE[flavour], patterns=ours, named_captures_only=False, engine=engine),
        Grok(expression, MODE[flavour], patterns=theirs, named_captures_only=False, engine=engine),
    )


def _samplers(name: str, flavour: str, ours: dict, theirs: dict) -> list[Grok]:
    """Both expansions compiled for `re` (the sampler reads re syntax); one that re cannot take is left out."""
    groks = []
    for table in (ours, theirs):
        try:
            groks.append(Grok(f"%{{{name}}}", MODE[flavour], patterns=table, named_captures_only=False, engine="re"))
        except Exception:  # noqa: BLE001 - e.g. a construct only PCRE2 takes; the other expansion still samples
            continue
    return groks


@lru_cache(maxsize=None)
def _bank_inputs(flavour: str, name: str) -> tuple[str, ...]:
    """Generated inputs for one pattern of the real banks (ours and upstream's), built once."""
    samplers = _samplers(name, flavour, dict(bank(flavour)), upstream_bank(flavour))
    return tuple(_generated_inputs(samplers, f"{flavour}:{name}"))


def differences_on_generated_inputs(flavour: str, ours: dict, theirs: dict, names) -> list[tuple[str, str]]:
    """(pattern, input) pairs where our expansion and upstream's disagree, over generated inputs."""
    found = []
    real = ours == dict(bank(flavour))
    for name in sorted(names):
        mine, upstream = _pair(name, flavour, ours, theirs, "pcre")
        texts = _bank_inputs(flavour, name) if real else _generated_inputs(_samplers(name, flavour, ours, theirs), name)
        for text in texts:
            if _outcome(mine, text) != _outcome(upstream, text):
                found.append((name, text))
                break
    return found


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_each_pattern_matches_generated_inputs_as_upstream_does(flavour: str) -> None:
    """For every upstream pattern name, our bank and upstream's capture the same fields (or both
    miss) on inputs generated from both expansions and on near misses of them."""
    theirs = upstream_bank(flavour)
    differences = differences_on_generated_inputs(flavour, dict(bank(flavour)), theirs, theirs)
    assert not differences, differences[:5]


@needs_upstream
def test_generated_inputs_tell_a_changed_pattern_apart() -> None:
    """The generated inputs are sharp enough to catch a small edit to a pattern: a bank whose
    INT lost its sign, whose MONTHNUM2 lost 10-12, or whose HTTPDUSER lost its e-mail form differs."""
    theirs = upstream_bank(ECS_V1)
    edits = {
        "INT": theirs["INT"].replace("[+-]?", ""),
        "MONTHNUM2": theirs["MONTHNUM2"].replace("|1[0-2]", ""),
        "HTTPDUSER": "%{USER}",
    }
    for name, regex in edits.items():
        changed = dict(theirs)
        changed[name] = regex
        assert changed[name] != theirs[name], name
        assert differences_on_generated_inputs(ECS_V1, changed, theirs, [name]), name


def _sample_lines() -> list[str]:
    lines = []
    for line in SAMPLE_LINES.read_text(encoding="utf-8").split("\n"):
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_each_pattern_matches_hand_written_lines_as_upstream_does(flavour: str) -> None:
    """Every upstream pattern name gives the same outcome with our bank and upstream's on
    hand-written lines of each log family (syslog, httpd, haproxy, java, firewalls, ...)."""
    theirs = upstream_bank(flavour)
    ours = dict(bank(flavour))
    lines = _sample_lines()
    differences = []
    for name in sorted(theirs):
        mine, upstream = _pair(name, flavour, ours, theirs, "pcre")
        for text in lines:
            if _outcome(mine, text) != _outcome(upstream, text):
                differences.append((name, text))
                break
    assert not differences, differences[:5]


def test_sample_lines_cover_every_family() -> None:
    """The hand-written lines file has a section for each pattern family of the banks."""
    lines = SAMPLE_LINES.read_text(encoding="utf-8").split("\n")
    sections = {line[2:].strip() for line in lines if line.startswith("# ")}
    families = {"syslog", "httpd", "haproxy", "java", "rails", "redis", "mongodb", "postgresql", "bacula", "bind",
                "bro", "zeek", "exim", "firewalls", "junos", "nagios", "squid", "aws", "maven", "mcollective", "ruby"}
    assert families <= sections, sorted(families - sections)


@needs_upstream
@pytest.mark.parametrize("flavour", [LEGACY, ECS_V1])
def test_every_pattern_is_matched_by_some_input(flavour: str) -> None:
    """The inputs exercise every pattern: each upstream pattern matches at least one generated
    or hand-written input (a pattern nothing matches would be compared on misses only)."""
    theirs = upstream_bank(flavour)
    lines = _sample_lines()
    never = []
    for name in sorted(theirs):
        upstream = Grok(f"%{{{name}}}", MODE[flavour], patterns=theirs, named_captures_only=False)
        if not any(isinstance(_outcome(upstream, text), dict) for text in (*_bank_inputs(flavour, name), *lines)):
            never.append(name)
    assert not never, never
