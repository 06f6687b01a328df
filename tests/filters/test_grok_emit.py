"""The grok filter's generated code (its `emit`) gives the events `apply` gives, typed and nested
captures written straight into the event included."""

import copy
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs import Event
from porttrack_logs.pipeline import Pipeline

PATTERNS = [
    r"%{INT:n:int} %{NOTSPACE:[a][b]} %{NUMBER:[a][f]:float}(?: %{WORD:w:int})? %{GREEDYDATA:rest}",
    r"%{SYSLOGLINE}",
    r"(?<X:v:int>\S*) (?<X:x:float>\S*) %{WORD:[@metadata][m]}",
    r"%{NOTSPACE:n} %{INT:n:int}",
    # one top-level field written as one display when all of its captures took part
    r"%{WORD:[p][q]} (?:%{INT:[p][r]:int} )?%{WORD:[@metadata][m][x]} %{WORD:[p][q]}(?: %{WORD:z})?",
    r"%{JAVASTACKTRACEPART}",
    # a field's first capture missing: the field comes after `b`, where the writes one by one put it
    r"(?:%{WORD:[a][x]} )?%{WORD:b} %{INT:[a][y][z]:int}(?: %{WORD:[a][x]})?",
    r"%{SYSLOG5424LINE}",
    # a write that fails between a field's captures ([log][level] under a text `log`): the later ones stay out
    r"^%{WORD:a} %{WORD:[log][level]} %{GREEDYDATA:a}",
    r"%{WORD:[a][x]} %{WORD:[log][level]} %{WORD:[a][y]}",
]
tokens = st.sampled_from(["ERROR", "12", "-3", "+007", "1.5", ".5", "٣", "", "a", "x1", "Nov 27 06:10:11", "h", "sshd[42]:",
                          "\tat a.B.c(B.java:12)", "at x.Y.z(Unknown Source)", "<13>1", "-", "2026-11-27T06:10:11Z"])
messages = st.lists(tokens, max_size=7).map(" ".join)
existing = st.sampled_from([
    {}, {"n": "old"}, {"n": 5}, {"a": "flat"}, {"a": {"b": ["x"]}}, {"process": {"pid": 1}}, {"p": {"q": "old"}},
    {"p": "s"}, {"p": None}, {"log": {"origin": {"file": {"line": "7"}}}}, {"b": "x"}, {"a": None}, {"host": {}},
    {"log": "x"},
])


def _pipelines(pattern: str) -> tuple[Pipeline, Pipeline]:
    config = "filter { grok { match => { \"message\" => '" + pattern + "' } } }"
    return Pipeline.from_config(config), Pipeline.from_config(config, generate_code=False)


PIPELINES = [_pipelines(p) for p in PATTERNS]


def test_typed_captures_are_coerced_inline_in_the_generated_code():
    """The pipeline's source coerces INT and NUMBER captures with the builtins, not a table call."""
    generated, _ = PIPELINES[0]
    assert re.search(r"\bint\(_[a-z]+\d+\)", generated.source)  # %{INT:n:int}
    assert re.search(r"\bfloat\(_[a-z]+\d+\)", generated.source)  # %{NUMBER:[a][f]:float}
    assert "to_i" not in generated.source and "to_f" not in generated.source


def test_nested_captures_are_one_display_per_top_level_field():
    """ECS-style captures under one field become one dict display, guarded by their presence."""
    generated, _ = _pipelines(r"%{JAVASTACKTRACEPART}")
    assert "d['log'] = {'origin': {" in generated.source
    [event] = generated.process([Event({"message": "\tat a.B.c(B.java:12)", "log": {"level": "x"}})])
    assert event.to_dict()["log"] == {"level": "x", "origin": {"function": "c", "file": {"name": "B.java", "line": 12}}}


@settings(max_examples=600, deadline=None)
@given(index=st.integers(0, len(PATTERNS) - 1), message=messages, fields=existing)
def test_generated_grok_equals_apply(index, message, fields):
    """Same fields, metadata and tags, whatever was already in the event."""
    generated, reference = PIPELINES[index]
    event = dict(copy.deepcopy(fields), message=message, **{"@timestamp": "2026-11-27T00:00:00Z"})
    a = generated.process([Event(copy.deepcopy(event))])
    b = reference.process([Event(copy.deepcopy(event))])
    assert [(e.to_dict(), e.metadata) for e in a] == [(e.to_dict(), e.metadata) for e in b]
    assert repr([(e.to_dict(), e.metadata) for e in a]) == repr([(e.to_dict(), e.metadata) for e in b])  # key order too


def test_a_failed_write_keeps_later_captures_of_a_field_out():
    """As `apply`: captures written before a failing nested write stay, later ones (of a field
    already written) do not, and the field counts as a miss."""
    for pattern, want in ((r"^%{WORD:a} %{WORD:[log][level]} %{GREEDYDATA:a}", "ERROR"),
                          (r"%{WORD:[a][x]} %{WORD:[log][level]} %{WORD:[a][y]}", {"x": "ERROR"})):
        generated, reference = _pipelines(pattern)
        event = {"message": "ERROR disk full", "log": "x", "@timestamp": "2026-11-27T00:00:00Z"}
        [a], [b] = generated.process([Event(dict(event))]), reference.process([Event(dict(event))])
        assert a.to_dict() == b.to_dict()
        assert a.to_dict()["a"] == want and a.to_dict()["tags"] == ["_grokparsefailure"]
