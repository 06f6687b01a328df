"""date: Joda patterns, named formats, zones, locales, failure tags."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.date import DateFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("date"))
def test_date_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/date.json)."""
    run_case(DateFilter, row)


def test_result_is_aware_utc_datetime():
    """The value written is a timezone-aware datetime in UTC, as Event keeps @timestamp."""
    event = Event({"ts": "2024-05-05T10:00:00+05:00"})
    DateFilter(match=["ts", "ISO8601"]).filter(event)
    stamp = event.get("@timestamp")
    assert stamp.utcoffset().total_seconds() == 0
    assert stamp.hour == 5


def test_match_needs_a_pattern():
    """match with only a field name is a configuration error naming `match`."""
    with pytest.raises(ConfigError) as info:
        DateFilter(match=["ts"])
    assert info.value.option == "match"


def test_unknown_timezone_is_a_config_error():
    """An unknown zone id fails at start-up with a hint."""
    with pytest.raises(ConfigError, match="Europe/Madrid"):
        DateFilter(match=["ts", "ISO8601"], timezone="Mars/Olympus")


def test_unparseable_pattern_letter_is_a_config_error():
    """A pattern letter that cannot be parsed fails at start-up, not per event."""
    with pytest.raises(ConfigError, match="'q'"):
        DateFilter(match=["ts", "yyyy qq"])


def test_fixed_clock_guesses_year_across_new_year():
    """Without a year in the pattern, a December date read in January belongs to last year."""
    from datetime import datetime, timezone

    from porttrack_logs.event._joda import compile_parser

    parse = compile_parser("MMM dd HH:mm:ss", clock=lambda: datetime(2014, 1, 1, 0, 30, tzinfo=timezone.utc))
    assert parse("Dec 31 23:59:00").year == 2013


def test_dynamic_zone_parsers_are_compiled_once_per_zone():
    """A %{field} timezone compiles its Joda parsers once per zone name, not per event."""
    flt = DateFilter(match=["ts", "yyyy-MM-dd HH:mm"], timezone="%{tz}")
    for _ in range(3):
        flt.filter(Event({"ts": "2026-01-01 00:00", "tz": "Asia/Tokyo"}))
    assert list(flt._zones) == ["Asia/Tokyo"]


from decimal import Decimal as _Decimal

from porttrack_logs.codec import decode_event as _decode_event
from porttrack_logs.event import Event as _Event
from porttrack_logs.filters.date import DateFilter as _DateFilter


@pytest.mark.parametrize("value,expected", [
    (_Decimal("1350414944.123456"), "2012-10-16T19:15:44.123000+00:00"),
    (_Decimal("0.1350414944123456e10"), "2012-10-16T19:15:44.123000+00:00"),
    (_Decimal("-1.5"), "1969-12-31T23:59:58.500000+00:00"),
])
def test_unix_reads_a_decimal(value, expected):
    """A BigDecimal (Decimal) under UNIX: seconds, milliseconds kept, as Logstash's."""
    flt = _DateFilter(match=["t", "UNIX"])
    for event in (_Event({"t": value}), _decode_event(b'{"x": 1}')):
        event.set("t", value)
        flt.filter(event)
        assert event.get("@timestamp").isoformat() == expected and not event.tags


def test_unix_refuses_a_decimal_that_is_no_epoch():
    """NaN or beyond 2**31-1 seconds: _dateparsefailure."""
    flt = _DateFilter(match=["t", "UNIX"])
    for value in (_Decimal("NaN"), _Decimal("2147483648")):
        event = _Event({"t": value})
        flt.filter(event)
        assert event.tags == ["_dateparsefailure"]
