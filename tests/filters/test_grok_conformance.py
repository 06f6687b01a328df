"""Conformance: every upstream grok case (Logstash's own specs, recorded) run through GrokFilter.

Each case builds the filter from its options, runs it on an Event and checks the event as
the corpus README defines: `expect` (Ruby ==), `expect_absent`, `expect_exact_keys`,
`expect_match` (match <=> no failure tag) and the rarer `assertions`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.grok._grok_upstream import SKIP_REASON, available, cases
from porttrack_logs.event import Event
from porttrack_logs.filters.grok import GrokFilter
from porttrack_logs.event import ruby_text as to_s
from porttrack_logs.event import to_i

CASES = cases()
pytestmark = pytest.mark.skipif(not available(), reason=SKIP_REASON)

_RUBY_CLASS = {str: "String", int: "Integer", float: "Float", list: "Array", dict: "Hash", bool: "Boolean"}


def ruby_eq(actual: Any, expected: Any) -> bool:
    """Ruby's == on JSON-like values: 200 == 200.0, but true is not 1."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        return actual == expected
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(ruby_eq(a, e) for a, e in zip(actual, expected))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(ruby_eq(actual[k], expected[k]) for k in actual)
    return type(actual) is type(expected) and actual == expected


def build_filter(case: dict, tmp_path) -> GrokFilter:
    options: dict[str, Any] = dict(case.get("grok_options") or {})
    if case.get("match"):
        options["match"] = case["match"]
    else:
        options["match"] = {"message": case["pattern"]}
    files = case.get("pattern_files") or {}
    dir_files = {k: v for k, v in files.items() if k.startswith("<patterns_dir>/")}
    if dir_files:
        for name, text in dir_files.items():
            (tmp_path / name.split("/", 1)[1]).write_text(text + "\n", encoding="utf-8")
        options["patterns_dir"] = [str(tmp_path) if d == "<patterns_dir>" else d for d in options["patterns_dir"]]
    elif case.get("custom_patterns"):
        options["pattern_definitions"] = case["custom_patterns"]
    options["ecs_compatibility"] = case["ecs"]
    return GrokFilter(**options)


def build_event(case: dict) -> Event:
    if case.get("event") is not None:
        return Event(dict(case["event"]))
    return Event({"message": case["input"]})


def check_assertion(event: Event, op: str, path: str, value: Any) -> None:
    actual = event.get(path) if path else None
    if op == "present":
        assert event.includes(path), f"{path} is absent"
    elif op == "includes":
        assert actual is not None and value in actual, f"{path}={actual!r} lacks {value!r}"
    elif op == "not_includes":
        assert actual is None or value not in actual, f"{path}={actual!r} has {value!r}"
    elif op == "not_eq":
        assert not ruby_eq(actual, value), f"{path} equals {value!r}"
    elif op == "str_eq":
        assert to_s(actual) == value, f"{path}.to_s is {to_s(actual)!r}, not {value!r}"
    elif op == "int_eq":
        got = actual if isinstance(actual, int) else to_i(to_s(actual))
        assert got == value, f"{path}.to_i is {got!r}, not {value!r}"
    elif op == "type":
        assert _RUBY_CLASS.get(type(actual), type(actual).__name__) == value, f"{path} is {type(actual).__name__}"
    elif op == "start_with":
        assert isinstance(actual, str) and actual.startswith(value), f"{path}={actual!r}"
    elif op == "not_end_with":
        assert isinstance(actual, str) and not actual.endswith(value), f"{path}={actual!r}"
    elif op == "top_level_keys_subset":
        extra = set(event.to_dict()) - set(value)
        assert not extra, f"unexpected top-level keys {sorted(extra)}"
    else:  # pragma: no cover - a new op in the corpus must be taught here
        pytest.fail(f"unknown assertion op {op!r}")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_gives_the_event_logstash_gives(case: dict, tmp_path) -> None:
    """The filtered event satisfies every expectation the upstream spec recorded for this input."""
    grok = build_filter(case, tmp_path)
    event = build_event(case)
    grok.filter(event)
    failure_tags = (case.get("grok_options") or {}).get("tag_on_failure", "_grokparsefailure")
    failure_tags = failure_tags if isinstance(failure_tags, list) else [failure_tags]
    problems = []
    for path, expected in case["expect"].items():
        actual = event.get(path)
        if not ruby_eq(actual, expected):
            problems.append(f"{path}: got {actual!r}, want {expected!r}")
    for path in case.get("expect_absent") or []:
        if event.get(path) is not None:
            problems.append(f"{path}: should be absent, is {event.get(path)!r}")
    for path, keys in (case.get("expect_exact_keys") or {}).items():
        actual = event.get(path)
        if not isinstance(actual, dict) or set(actual) != set(keys):
            problems.append(f"{path}: keys {sorted(actual) if isinstance(actual, dict) else actual!r}, want {sorted(keys)}")
    if case.get("expect_match") is not None:
        failed = any(t in event.tags for t in failure_tags)
        if failed == case["expect_match"]:
            problems.append(f"match expected {case['expect_match']}, tags {event.tags}")
    for assertion in case.get("assertions") or []:
        try:
            check_assertion(event, assertion["op"], assertion.get("path", ""), assertion.get("value"))
        except AssertionError as exc:
            problems.append(f"{assertion['op']}: {exc}")
    assert not problems, "\n".join(problems) + f"\nevent: {event.to_dict()!r}\nmeta: {event.metadata!r}"


def test_corpus_has_every_case() -> None:
    """The corpus holds the 430 cases this port is checked against (a short file would pass silently)."""
    assert len(CASES) == 430
