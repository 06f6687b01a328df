"""JSON bytes to events and back: values no filter reads are never decoded nor re-encoded."""

import msgspec
import orjson
import pytest

from porttrack_logs import Event, Pipeline
from porttrack_logs.codec import JsonError, decode_event, encode_event

FILEBEAT = orjson.dumps(
    {
        "@timestamp": "2026-11-27T06:00:00.000Z",
        "message": "2026-11-27T06:00:01.250Z ERROR crane QC-7 down",
        "kubernetes": {"namespace": "porttrack", "pod": {"name": "gate-api-1"}, "labels": {"app": "gate-api"}},
        "agent": {"type": "filebeat", "version": "8.15.0"},
        "log": {"offset": 160, "file": {"path": "/var/log/containers/gate.log"}},
    }
)


def test_untouched_values_are_written_back_byte_for_byte():
    """A nested value nobody read is copied through as the bytes that came in."""
    raw = b'{"message":"m","weird":{"b" : [1,  2.50, "\\u00e9"]}}'
    out = encode_event(decode_event(raw))
    assert b'"weird":{"b" : [1,  2.50, "\\u00e9"]}' in out
    assert orjson.loads(out)["weird"] == {"b": [1, 2.5, "\u00e9"]}


def test_reading_a_nested_field_decodes_it():
    """Field references see decoded values, at any depth and through every accessor."""
    event = decode_event(FILEBEAT)
    assert event.get("[kubernetes][pod][name]") == "gate-api-1"
    assert event.includes("[agent][type]") and not event.includes("[agent][nope]")
    event.set("[kubernetes][labels][tier]", "edge")
    assert event.get("[kubernetes][labels]") == {"app": "gate-api", "tier": "edge"}


def test_to_dict_hands_out_only_decoded_values():
    """to_dict() is the decoded event: no undecoded value reaches a library user."""
    data = decode_event(FILEBEAT).to_dict()
    assert not any(isinstance(v, msgspec.Raw) for v in data.values())
    assert data["agent"] == {"type": "filebeat", "version": "8.15.0"}


def test_removed_or_renamed_value_arrives_decoded():
    """Moving an undecoded top-level value (mutate rename) moves its decoded form."""
    pipeline = Pipeline.from_config('filter { mutate { rename => { "agent" => "[shipper][agent]" } } }')
    [event] = pipeline.process([decode_event(FILEBEAT)])
    assert event.get("[shipper][agent][type]") == "filebeat"
    assert orjson.loads(encode_event(event))["shipper"] == {"agent": {"type": "filebeat", "version": "8.15.0"}}


def test_pipeline_on_lazy_event_equals_pipeline_on_decoded_dict():
    """The PortTrack pipeline gives the same document whether the input was decoded lazily or not."""
    pipeline = Pipeline.from_config("pipelines/porttrack.conf")
    [lazy] = pipeline.process([decode_event(FILEBEAT)])
    [eager] = pipeline.process([orjson.loads(FILEBEAT)])
    assert orjson.loads(encode_event(lazy)) == orjson.loads(encode_event(eager))
    assert "alert" in lazy.tags


def test_timestamp_is_decoded_at_once_and_encoded_with_z():
    """@timestamp is a datetime from the start and leaves as RFC 3339 UTC."""
    event = decode_event(FILEBEAT)
    assert event.get("@timestamp").isoformat() == "2026-11-27T06:00:00+00:00"
    assert b'"@timestamp":"2026-11-27T06:00:00Z"' in encode_event(event)


@pytest.mark.parametrize(
    "raw, where",
    [(b'{"a": {"b": tru}}', "byte 13"), (b'{"a": 1} trailing', "byte 10"), (b"[1, 2]", "object")],
)
def test_malformed_input_names_the_byte_offset(raw, where):
    """Broken JSON, even deep inside a value kept undecoded, is an error naming where."""
    with pytest.raises(JsonError, match=where):
        decode_event(raw)


def test_event_from_lazy_is_an_event():
    """decode_event returns the library's Event."""
    assert isinstance(decode_event(FILEBEAT), Event)


@pytest.mark.parametrize(
    "doc",
    [
        {"@timestamp": "2026-11-27T06:00:00Z", "message": "m"},
        {"@timestamp": "2026-11-27T06:00:00Z", "@version": "7", "message": "m"},
        {"@timestamp": "2026-11-27T08:00:00+02:00", "@metadata": {"beat": "filebeat"}, "message": "m"},
        {"@timestamp": "27/Nov/2026", "message": "m"},
        {"message": "m", "log": {"level": "INFO"}},
    ],
)
def test_decoded_events_equal_events_built_from_the_whole_dict(doc):
    """The decoder's shortcut for the common case (an RFC 3339 @timestamp, no @metadata) builds
    the same event as the constructor, and the other cases still go through the constructor."""
    raw = orjson.dumps(doc)
    decoded, built = decode_event(raw), Event(orjson.loads(raw))
    decoded.to_dict()
    if "@timestamp" not in doc or built.includes("_@timestamp"):  # both stamp "now": compare the rest
        assert decoded.get("@timestamp").tzinfo is not None
        decoded.remove("@timestamp"), built.remove("@timestamp")
    assert decoded == built
    assert decoded.metadata == doc.get("@metadata", {})
    assert decoded.get("@version") == doc.get("@version", "1")
    assert not decoded.cancelled and not decoded.halted


def test_grok_capture_into_an_undecoded_string_field_makes_an_array():
    """A capture into a field still undecoded follows Logstash's rule for its real value."""
    raw = orjson.dumps({"message": "berth B07", "berth": "B01"})
    pipeline = Pipeline.from_config('filter { grok { match => { "message" => "berth %{WORD:berth}" } } }')
    [event] = pipeline.process([decode_event(raw)])
    assert event.get("berth") == ["B01", "B07"]


def test_tags_shipped_by_filebeat_are_extended_not_nested():
    """Tags that arrived undecoded are decoded before a tag is added or removed."""
    event = decode_event(orjson.dumps({"message": "x", "tags": ["beats_input", "k8s"]}))
    assert event.tags == ["beats_input", "k8s"]
    event.tag("alert")
    event.untag("k8s")
    assert orjson.loads(encode_event(event))["tags"] == ["beats_input", "alert"]
    fresh = decode_event(orjson.dumps({"message": "x", "tags": ["beats_input"]}))
    fresh.tag("alert")
    assert fresh.get("tags") == ["beats_input", "alert"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-27T06:00:00.123Z", "2026-11-27T06:00:00.123000+00:00"),
        ("2026-11-27T08:00:00+02:00", "2026-11-27T06:00:00+00:00"),
        ("2026-11-27T06:00:00", "2026-11-27T06:00:00+00:00"),
        ("2026-11-27 06:00:00.5", "2026-11-27T06:00:00.500000+00:00"),
    ],
)
def test_shipped_timestamp_becomes_a_utc_instant(text, expected):
    """@timestamp in any ISO form is the same instant in UTC (no offset means UTC, as in Logstash)."""
    event = decode_event(orjson.dumps({"@timestamp": text, "message": "x"}))
    assert event.get("@timestamp").isoformat() == expected
    assert Event({"@timestamp": text}).get("@timestamp").isoformat() == expected


def test_unreadable_shipped_timestamp_is_kept_and_tagged():
    """A @timestamp no reader understands moves to _@timestamp with _timestampparsefailure."""
    event = decode_event(b'{"@timestamp": "27/Nov/2026", "message": "x"}')
    assert event.get("_@timestamp") == "27/Nov/2026" and "_timestampparsefailure" in event.tags


def test_a_pretty_printed_event_is_written_back_on_one_line():
    """Newlines between the tokens of a pretty-printed input (a Kafka producer may send one) never
    reach the output: an undecoded value is written back as it came, and a raw newline in it would
    split a `_bulk` line. Values, escaped newlines in strings and key order stay as they were."""
    from porttrack_logs.codec import decode_event, encode_event

    pretty = b'{\n  "message": "two\\nlines",\n  "kubernetes": {\n    "pod": {"name": "crane-7"},\n    "ids": [1,\n 2]\n  }\n}'
    event = decode_event(pretty)
    out = encode_event(event)
    assert b"\n" not in out
    written = orjson.loads(out)
    assert {k: written[k] for k in ("message", "kubernetes")} == orjson.loads(pretty)
    assert event.get("[kubernetes][pod][name]") == "crane-7" and event.get("message") == "two\nlines"
    text_event = decode_event(pretty.decode())
    assert b"\n" not in encode_event(text_event)


def test_decode_events_gives_what_decode_event_gives_and_none_where_it_raises():
    """A read of mixed values: each event equal to decode_event's (pretty-printed JSON made one line,
    undecoded values kept), None exactly where decode_event raises (not JSON, not an object, empty, None)."""
    from porttrack_logs.codec import decode_event, decode_events

    values = [
        b'{"@timestamp":"2026-11-27T06:00:00.123456789Z","message":"a","log":{"level":"INFO"}}',
        b'{\n  "message": "pretty",\n  "n": [1,\n 2]\n}',
        b"plain text", b"[1, 2]", b"", None, '{"message": "text, not bytes"}', b'{"message": "x"} trailing',
    ]
    decoded = decode_events(values)
    assert len(decoded) == len(values)
    for value, event in zip(values, decoded):
        try:
            expected = decode_event(value)
        except (JsonError, TypeError):
            assert event is None, value
            continue
        assert event is not None, value
        assert event.to_dict().keys() == expected.to_dict().keys()
        assert {k: v for k, v in event.to_dict().items() if k != "@timestamp"} == {k: v for k, v in expected.to_dict().items() if k != "@timestamp"}
    assert decoded[0].get("@timestamp").nanos == 789 and decoded[1].get("[n]") == [1, 2]
    assert [e is None for e in decoded] == [False, False, True, True, True, True, False, True]
