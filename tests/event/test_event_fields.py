"""Event: field references, tags, @metadata and @timestamp handling."""

from datetime import datetime, timezone

import pytest

from porttrack_logs import Event, EventError
from porttrack_logs.event import parse_field_ref


@pytest.mark.parametrize(
    "text, path",
    [
        ("message", ("message",)),
        ("[message]", ("message",)),
        ("[log][level]", ("log", "level")),
        ("[@metadata][x]", ("@metadata", "x")),
        ("a.b", ("a.b",)),
        ("[tags][0]", ("tags", "0")),
    ],
)
def test_field_reference_parses_to_its_path(text, path):
    """Bracketed segments become path parts; a dotted bare name stays one key, as in Logstash."""
    assert parse_field_ref(text) == path


@pytest.mark.parametrize("text", ["", "[a", "[a]b", "a[b]", "[]", "[a]]"])
def test_malformed_field_reference_is_rejected_naming_it(text):
    """A malformed reference raises EventError that quotes the reference."""
    with pytest.raises(EventError):
        parse_field_ref(text)


def test_set_creates_intermediate_hashes_and_get_reads_them():
    """Setting a nested field builds the hashes on the way."""
    event = Event({"message": "x"})
    event.set("[log][level]", "ERROR")
    assert event.to_dict()["log"] == {"level": "ERROR"}
    assert event.get("[log][level]") == "ERROR"
    assert event.get("[log][missing]", "dflt") == "dflt"


def test_list_elements_are_addressed_by_index_including_negative():
    """`[field][N]` indexes a list; negative indexes count from the end."""
    event = Event({"message": ["first", "second"]})
    assert event.get("[message][0]") == "first"
    assert event.get("[message][-1]") == "second"
    assert event.get("[message][5]") is None


def test_metadata_is_reachable_but_not_in_to_dict():
    """`[@metadata]` fields travel with the event and are never part of its fields."""
    event = Event({"message": "x", "@metadata": {"route": "a"}})
    event.set("[@metadata][index]", "logs")
    assert event.get("[@metadata][route]") == "a"
    assert event.metadata == {"route": "a", "index": "logs"}
    assert "@metadata" not in event.to_dict()


def test_remove_returns_old_value_and_missing_is_none():
    """remove() takes the field out and hands back its value."""
    event = Event({"a": {"b": 1}})
    assert event.remove("[a][b]") == 1
    assert event.to_dict()["a"] == {}
    assert event.remove("[nope][x]") is None


def test_includes_distinguishes_absent_from_null():
    """A field holding None exists; an absent one does not."""
    event = Event({"a": None})
    assert event.includes("a")
    assert not event.includes("b")


def test_setting_under_a_scalar_is_an_error_naming_the_field():
    """Writing [a][b] when [a] is a string cannot succeed and says which field."""
    event = Event({"a": "text"})
    with pytest.raises(EventError, match=r"\[a\]\[b\]"):
        event.set("[a][b]", 1)


def test_new_event_gets_timestamp_and_version_like_logstash():
    """Absent @timestamp becomes now (UTC) and @version becomes "1"."""
    before = datetime.now(timezone.utc)
    event = Event({"message": "x"})
    ts = event.get("@timestamp")
    assert isinstance(ts, datetime) and ts.tzinfo is not None and ts >= before
    assert event.get("@version") == "1"


def test_string_timestamp_is_parsed_and_bad_one_is_kept_and_tagged():
    """An ISO8601 @timestamp is parsed; an unparseable one moves to _@timestamp with a tag."""
    good = Event({"@timestamp": "2026-11-27T06:00:00.332Z"})
    assert good.get("@timestamp") == datetime(2026, 11, 27, 6, 0, 0, 332000, tzinfo=timezone.utc)
    bad = Event({"@timestamp": "yesterday"})
    assert bad.get("_@timestamp") == "yesterday"
    assert "_timestampparsefailure" in bad.tags


def test_tag_adds_once_and_untag_removes():
    """Tags are a set in list form: adding twice keeps one, untag removes."""
    event = Event({"tags": "beats"})
    event.tag("alert", "alert")
    assert event.tags == ["beats", "alert"]
    event.untag("beats")
    assert event.tags == ["alert"]


def test_event_from_non_dict_is_rejected():
    """Only a dict can become an event."""
    with pytest.raises(EventError):
        Event(["not", "a", "dict"])  # type: ignore[arg-type]
