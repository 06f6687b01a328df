"""`@timestamp` keeps the nanoseconds of its input (Logstash 8's Timestamp does) through `to_s`,
sprintf and the JSON written out; a timestamp of six or fewer fraction digits stays a plain datetime."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from porttrack_logs.codec import decode_event, encode_event
from porttrack_logs.event import Event, NanoTimestamp, Template, parse_timestamp, ruby_text, timestamp_text
from porttrack_logs.event._timestamp import fraction_nanos


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("2000-01-01T05:00:00.123456789Z", "2000-01-01T05:00:00.123456789Z"),
        ("2000-01-01T05:00:00.000000001Z", "2000-01-01T05:00:00.000000001Z"),
        ("2000-01-01T05:00:00.1234567Z", "2000-01-01T05:00:00.123456700Z"),  # groups of three digits
        ("2000-01-01T06:00:00.123456789+01:00", "2000-01-01T05:00:00.123456789Z"),
        ("2000-01-01T05:00:00.999999999Z", "2000-01-01T05:00:00.999999999Z"),  # not rounded into the next second
        ("2000-01-01T05:00:00.123456789123Z", "2000-01-01T05:00:00.123456789Z"),  # past the ninth digit: dropped
        ("2000-01-01T05:00:00.123456000Z", "2000-01-01T05:00:00.123456Z"),
        ("2000-01-01T05:00:00.120Z", "2000-01-01T05:00:00.120Z"),
        ("2000-01-01T05:00:00Z", "2000-01-01T05:00:00.000Z"),
    ],
)
def test_text_keeps_the_input_fraction_digits(text, printed):
    """Read as text, as undecoded JSON (the codec's path) and as Event builds it: one same text out."""
    for moment in (
        parse_timestamp(text),
        decode_event(f'{{"@timestamp":"{text}"}}'.encode()).get("@timestamp"),
        Event({"@timestamp": text}).get("@timestamp"),
    ):
        assert timestamp_text(moment) == printed
        assert ruby_text(moment) == printed
        if moment.__class__ is NanoTimestamp:  # what the codec's fallback writes into JSON
            assert str(moment) == printed


def test_only_sub_microsecond_input_makes_a_nano_timestamp():
    """Six digits or fewer is a plain datetime, so the fast paths that check `__class__` stay fast."""
    assert parse_timestamp("2000-01-01T05:00:00.123456Z").__class__ is datetime
    assert decode_event(b'{"@timestamp":"2000-01-01T05:00:00.123Z"}').get("@timestamp").__class__ is datetime
    assert parse_timestamp("2000-01-01T05:00:00.123456000Z").__class__ is datetime  # zero nanoseconds
    fine = parse_timestamp("2000-01-01T05:00:00.123456789Z")
    assert fine.__class__ is NanoTimestamp and fine.nanos == 789 and fine.microsecond == 123456


def test_json_output_and_sprintf_carry_the_nanoseconds():
    event = decode_event(b'{"@timestamp":"2000-01-01T05:00:00.123456789Z","message":"m"}')
    assert b'"@timestamp":"2000-01-01T05:00:00.123456789Z"' in encode_event(event)
    assert Template("%{@timestamp}|%{+yyyy.MM.dd}").render(event) == "2000-01-01T05:00:00.123456789Z|2000.01.01"
    nested = Event({"when": {"at": parse_timestamp("2000-01-01T05:00:00.000000005Z")}})
    assert b'"at":"2000-01-01T05:00:00.000000005Z"' in encode_event(nested)


def test_copies_and_pickles_keep_the_nanoseconds():
    """clone and the dead letter queue copy events: the nanoseconds go with them."""
    moment = parse_timestamp("2000-01-01T05:00:00.123456789Z")
    assert copy.deepcopy({"t": moment})["t"].nanos == 789
    restored = pickle.loads(pickle.dumps(moment))
    assert restored.__class__ is NanoTimestamp and restored.nanos == 789 and restored == moment


def test_a_nano_timestamp_in_another_zone_reads_back_in_utc_with_its_nanoseconds():
    moment = NanoTimestamp(2000, 1, 1, 6, 0, 0, 5, tzinfo=timezone(timedelta(hours=1)), nanos=7)
    utc = parse_timestamp(moment)
    assert utc.tzinfo is timezone.utc and utc.hour == 5 and utc.nanos == 7
    assert timestamp_text(moment) == "2000-01-01T05:00:00.000005007Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2000-01-01T05:00:00.1234567Z", (123456, 700)),
        ("2000-01-01T05:00:00,123456789+02:00", (123456, 789)),
        ("2000-01-01T05:00:00.123456Z", None),
        ("2000-01-01T05:00:00Z", None),
        ("2000-01-01T05:00:00.123456789", (123456, 789)),
    ],
)
def test_fraction_nanos(text, expected):
    assert fraction_nanos(text) == expected
