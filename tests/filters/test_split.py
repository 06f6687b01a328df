"""split: one event per line or array element, in place of the original; and uuid."""

from __future__ import annotations

import json
import uuid

import pytest

from porttrack_logs.codec import decode_event
from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.split import SplitFilter
from porttrack_logs.filters.uuid import UuidFilter

CASES = [
    ("lines", {}, {"message": "a\nb\nc"}, [{"message": "a"}, {"message": "b"}, {"message": "c"}]),
    ("empty-pieces-skipped", {}, {"message": "a\n\nb\n"}, [{"message": "a"}, {"message": "b"}]),
    ("terminator", {"terminator": ","}, {"message": "x,y"}, [{"message": "x"}, {"message": "y"}]),
    ("no-terminator-unchanged", {}, {"message": "one line"}, [{"message": "one line"}]),
    ("array-field", {"field": "items"}, {"items": [1, {"k": "v"}], "n": 1},
     [{"items": 1, "n": 1}, {"items": {"k": "v"}, "n": 1}]),
    ("array-target", {"field": "items", "target": "item"}, {"items": ["p", "q"]},
     [{"items": ["p", "q"], "item": "p"}, {"items": ["p", "q"], "item": "q"}]),
    ("text-target", {"target": "line"}, {"message": "a\nb"},
     [{"message": "a\nb", "line": "a"}, {"message": "a\nb", "line": "b"}]),
    ("type-failure", {}, {"message": 42}, [{"message": 42, "tags": ["_split_type_failure"]}]),
    ("missing-field", {"field": "nope"}, {"message": "a"}, [{"message": "a", "tags": ["_split_type_failure"]}]),
    ("add-tag-on-pieces", {"add_tag": ["piece"]}, {"message": "a\nb"},
     [{"message": "a", "tags": ["piece"]}, {"message": "b", "tags": ["piece"]}]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_split_case(case):
    """Each case, on Event(dict) and a lazily decoded event: the events that come out, in order."""
    _, options, given_, expected = case
    flt = SplitFilter(**options)
    raw = json.dumps(given_).encode()
    for how, event in (("dict", Event(json.loads(raw))), ("decode_event", decode_event(raw))):
        out = flt.process([event])
        got = [{k: v for k, v in e.to_dict().items() if not k.startswith("@")} for e in out]
        assert got == expected, how


def test_pieces_do_not_share_nested_values():
    """Each piece is a deep copy: changing one's hash leaves the others alone."""
    out = SplitFilter(field="items").process([Event({"items": ["a", "b"], "meta": {"x": 1}})])
    out[0].get("meta")["x"] = 2
    assert out[1].get("[meta][x]") == 1


def test_empty_terminator_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        SplitFilter(terminator="")
    assert info.value.option == "terminator"


def test_uuid_sets_a_version_4_uuid_and_keeps_an_existing_one():
    """A random UUID at target; an existing value stays unless overwrite."""
    event = Event({})
    UuidFilter(target="[event][id]").filter(event)
    value = event.get("[event][id]")
    assert uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value
    kept = Event({"id": "mine"})
    UuidFilter(target="id").filter(kept)
    assert kept.get("id") == "mine"
    replaced = Event({"id": "mine"})
    UuidFilter(target="id", overwrite=True, add_tag=["u"]).filter(replaced)
    assert replaced.get("id") != "mine" and uuid.UUID(replaced.get("id")).version == 4 and replaced.tags == ["u"]


def test_uuid_needs_a_target():
    with pytest.raises(ConfigError):
        UuidFilter()
