"""clone, and the pipeline's handling of filters that make events: the copies follow the
original, run the rest of the section, and the generated code agrees with the steps."""

from __future__ import annotations

import copy

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.codec import decode_event
from porttrack_logs.event import Event
from porttrack_logs.filters.base import Filter
from porttrack_logs.filters.clone import CloneFilter, copy_event
from porttrack_logs.pipeline import Pipeline, compiler
from porttrack_logs.pipeline.steps import FAILURE_TAG, failure_of


def test_clones_follow_the_original_with_type_when_ecs_is_disabled():
    """ECS disabled: each clone's `type` is its name; the original is unchanged and comes first."""
    flt = CloneFilter(clones=["a", "b"], ecs_compatibility="disabled", add_tag=["cloned"])
    out = flt.process([Event({"message": "m", "type": "orig"})])
    assert [(e.get("type"), e.tags) for e in out] == [("orig", []), ("a", ["cloned"]), ("b", ["cloned"])]


def test_clones_are_tagged_with_their_name_in_ecs_mode():
    """ECS v1/v8: the clone's name is added to its tags, `type` is left alone."""
    out = CloneFilter(clones=["sec"], ecs_compatibility="v1").process([Event({"message": "m", "tags": ["t"]})])
    assert [(e.get("type"), e.tags) for e in out] == [(None, ["t"]), (None, ["t", "sec"])]


def test_no_clones_makes_nothing():
    """An empty `clones` makes no events."""
    assert len(CloneFilter().process([Event({"m": 1})])) == 1


def test_a_clone_is_deep():
    """Changing a clone's nested hash or array leaves the original (and its metadata) as it was."""
    event = Event({"a": {"b": [1, {"c": 2}]}}, metadata={"k": {"v": 1}})
    clone = copy_event(event)
    clone.get("[a][b]")[1]["c"] = 9
    clone.metadata["k"]["v"] = 9
    assert event.get("[a][b][1][c]") == 2 and event.metadata == {"k": {"v": 1}}
    assert clone.to_dict()["@timestamp"] == event.to_dict()["@timestamp"]


def test_a_clone_of_a_lazily_decoded_event_decodes_its_own_values():
    """A copy made before a value was read decodes it on its own."""
    event = decode_event(b'{"@timestamp":"2026-11-27T00:00:00Z","n":{"x":1}}')
    clone = copy_event(event)
    clone.get("[n]")["x"] = 2
    assert event.get("[n][x]") == 1 and clone.to_dict()["n"] == {"x": 2}


SPAWNING = """
filter {
  mutate { add_field => { "stage" => "start" } }
  if [kind] == "dup" {
    clone { clones => ["copy1", "copy2"] ecs_compatibility => disabled add_field => { "copied" => "yes" } }
    if [type] == "copy2" { mutate { add_tag => ["second"] } }
  } else if [kind] == "lines" {
    split { field => "message" }
  }
  if [boom] == "2" and [type] == "copy1" { ruby_stand_in {} }
  clone { clones => ["late"] }
  mutate { add_tag => ["end"] }
}
"""


class Exploder(Filter):
    """A filter that raises on events with `tz` set (a test stand-in for a filter that fails)."""

    name = "explode"

    def _writes(self):
        return set()

    def apply(self, event):
        if event.get("tz") is not None:
            raise ValueError("exploded on purpose")
        return True


@pytest.fixture(autouse=True)
def exploder(monkeypatch):
    """`explode {}` in a configuration is the Exploder (our own registry seam, faked)."""
    real = compiler.filter_class
    monkeypatch.setattr(compiler, "filter_class", lambda name: Exploder if name == "explode" else real(name))


def _config(text: str) -> str:
    return text.replace("ruby_stand_in {}", "explode {}")


CASES = [
    {"kind": "dup", "message": "one"},
    {"kind": "lines", "message": "a\nb\n\nc"},
    {"kind": "lines", "message": "single"},
    {"kind": "lines", "message": 7},
    {"kind": "other", "message": "x"},
    {"kind": "dup", "boom": "2", "tz": "set", "message": "y"},
]


def _out(pipeline: Pipeline, events: list[Event]) -> list:
    return [(e.to_dict(), e.metadata, e.cancelled) for e in pipeline.process(events)]


def test_generated_and_steps_agree_on_events_made_in_branches():
    """Clones and split pieces made inside nested conditionals run the rest of the section; the
    generated code and the steps give the same events in the same order, failed ones included."""
    text = _config(SPAWNING)
    generated, steps = Pipeline.from_config(text), Pipeline.from_config(text, generate_code=False)
    events = [dict(e, **{"@timestamp": "2026-11-27T00:00:00Z"}) for e in CASES]
    a = _out(generated, [Event(copy.deepcopy(e)) for e in events])
    b = _out(steps, [Event(copy.deepcopy(e)) for e in events])
    assert a == b
    assert sum(FAILURE_TAG in d.get("tags", []) for d, _, _ in a) == 1  # the copy1 clone of the last case
    assert len(a) > len(events)
    raw = [orjson.dumps(e) for e in events]
    assert _out(generated, [decode_event(r) for r in raw]) == _out(steps, [decode_event(r) for r in raw]) == a


def test_order_and_content_of_grown_batch():
    """Each event is followed by what was made from it, the newest filter's first, as the steps run:
    the late clone of the original before the early clones and their own late clones."""
    out = Pipeline.from_config(_config(SPAWNING)).process([{"kind": "dup", "message": "one"}])
    shape = [(e.get("type"), e.tags) for e in out]
    assert shape == [
        (None, ["end"]), (None, ["late", "end"]),
        ("copy1", ["end"]), ("copy1", ["late", "end"]),
        ("copy2", ["second", "end"]), ("copy2", ["second", "late", "end"]),
    ]
    assert all(e.get("stage") == "start" for e in out)
    assert [e.get("copied") for e in out] == [None, None, "yes", "yes", "yes", "yes"]


def test_a_made_event_that_fails_later_is_kept_failed():
    """A clone on which a later filter raises comes out tagged _filter_error with its reason,
    in its place, on both paths; the other events go on."""
    text = 'filter { clone { clones => ["c"] ecs_compatibility => disabled } if [type] == "c" { explode {} } mutate { add_tag => ["end"] } }'
    for generate in (True, False):
        out = Pipeline.from_config(text, generate_code=generate).process([{"tz": "set"}])
        assert [e.get("type") for e in out] == [None, "c"], generate
        assert out[0].tags == ["end"]
        assert FAILURE_TAG in out[1].tags and "end" not in out[1].tags and "exploded on purpose" in failure_of(out[1])


def test_pipeline_without_spawning_filters_returns_in_place():
    """With no clone or split the generated code is the plain loop (run returns None)."""
    pipeline = Pipeline.from_config('filter { mutate { add_tag => ["x"] } }')
    assert "_out" not in pipeline.source and "_cont" not in pipeline.source


@settings(max_examples=100, deadline=None)
@given(events=st.lists(st.fixed_dictionaries({
    "kind": st.sampled_from(["dup", "lines", "other"]),
    "message": st.one_of(st.text(alphabet="ab\n", max_size=6), st.integers(), st.lists(st.sampled_from(["p", "q", ""]), max_size=3)),
}), max_size=5))
def test_random_batches_agree(events):
    """Any batch of dup/lines/other events: generated and steps give the same events in order."""
    text = _config(SPAWNING)
    events = [dict(e, **{"@timestamp": "2026-11-27T00:00:00Z"}) for e in events]
    a = _out(Pipeline.from_config(text), [Event(copy.deepcopy(e)) for e in events])
    b = _out(Pipeline.from_config(text, generate_code=False), [Event(copy.deepcopy(e)) for e in events])
    assert a == b
