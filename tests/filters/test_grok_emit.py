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
]
tokens = st.sampled_from(["12", "-3", "+007", "1.5", ".5", "٣", "", "a", "x1", "Nov 27 06:10:11", "h", "sshd[42]:"])
messages = st.lists(tokens, max_size=7).map(" ".join)
existing = st.sampled_from([{}, {"n": "old"}, {"n": 5}, {"a": "flat"}, {"a": {"b": ["x"]}}, {"process": {"pid": 1}}])


def _pipelines(pattern: str) -> tuple[Pipeline, Pipeline]:
    config = "filter { grok { match => { \"message\" => '" + pattern + "' } } }"
    return Pipeline.from_config(config), Pipeline.from_config(config, generate_code=False)


PIPELINES = [_pipelines(p) for p in PATTERNS]


def test_typed_captures_are_coerced_inline_in_the_generated_code():
    """The pipeline's source coerces INT and NUMBER captures with the builtins, not a table call."""
    generated, _ = PIPELINES[0]
    assert re.search(r"= int\(_c\d+\)", generated.source)  # %{INT:n:int}
    assert re.search(r"= float\(_c\d+\)", generated.source)  # %{NUMBER:[a][f]:float}


@settings(max_examples=250, deadline=None)
@given(index=st.integers(0, len(PATTERNS) - 1), message=messages, fields=existing)
def test_generated_grok_equals_apply(index, message, fields):
    """Same fields, metadata and tags, whatever was already in the event."""
    generated, reference = PIPELINES[index]
    event = dict(copy.deepcopy(fields), message=message, **{"@timestamp": "2026-11-27T00:00:00Z"})
    a = generated.process([Event(copy.deepcopy(event))])
    b = reference.process([Event(copy.deepcopy(event))])
    assert [(e.to_dict(), e.metadata) for e in a] == [(e.to_dict(), e.metadata) for e in b]
