"""Joda-Time patterns: printing (sprintf, UTC), parsing (date filter), named formats, round trips."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.errors import ConfigError
from porttrack_logs.event._joda import compile_formatter, compile_parser

UTC = timezone.utc
MOMENT = datetime(2026, 3, 5, 7, 8, 9, 123456, tzinfo=UTC)

FORMATS = [
    ("yyyy.MM.dd", "2026.03.05"),
    ("YYYY.MM.dd", "2026.03.05"),
    ("yy-M-d", "26-3-5"),
    ("MMM", "Mar"),
    ("MMMM", "March"),
    ("HH:mm:ss.SSS", "07:08:09.123"),
    ("H", "7"),
    ("hh a", "07 AM"),
    ("EEE", "Thu"),
    ("EEEE", "Thursday"),
    ("Z", "+0000"),
    ("ZZ", "+00:00"),
    ("ZZZ", "UTC"),
    ("'week' xxxx.ww", "week 2026.10"),
    ("yyyy''MM", "2026'03"),
    ("SSSSSS", "123000"),
]


@pytest.mark.parametrize(("pattern", "text"), FORMATS, ids=[p for p, _ in FORMATS])
def test_format_letter(pattern, text):
    """Each pattern prints the fixed moment as Joda would (milliseconds, English names)."""
    assert compile_formatter(pattern)(MOMENT) == text


def test_format_converts_to_utc():
    """An aware datetime in another zone is printed in UTC, as Logstash's %{+...} does."""
    late = datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=3)))
    assert compile_formatter("yyyy.MM.dd HH:mm")(late) == "2025.12.31 22:30"


def test_format_unknown_letter_fails():
    """An unknown pattern letter is a ConfigError at compile time."""
    with pytest.raises(ConfigError):
        compile_formatter("yyyy qq")


def test_unterminated_quote_fails():
    """An unterminated quoted literal is a ConfigError."""
    with pytest.raises(ConfigError, match="quote"):
        compile_formatter("yyyy 'oops")


PARSES = [
    ("dd/MMM/yyyy:HH:mm:ss Z", "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36+00:00"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "2024-02-29T23:59:59.5+01:00", "2024-02-29T22:59:59.500000+00:00"),
    ("yyyyMMddHHmmss", "20240229235959", "2024-02-29T23:59:59+00:00"),
    ("yyyy-MM-dd HH:mm:ss ZZZ", "2024-01-01 10:00:00 Europe/Madrid", "2024-01-01T09:00:00+00:00"),
    ("EEE MMM dd HH:mm:ss yyyy", "thu MAR 05 07:08:09 2026", "2026-03-05T07:08:09+00:00"),
    ("yyyy-MM-dd HH:mm:ss.SSSSSS", "2024-01-01 00:00:00.001999", "2024-01-01T00:00:00.001000+00:00"),
    ("yy-MM-dd", "99-12-31", "1999-12-31T00:00:00+00:00"),
    ("yy-MM-dd", "24-12-31", "2024-12-31T00:00:00+00:00"),
    ("ISO8601", "2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00.123000+00:00"),
    ("ISO8601", "2024-01-01T10:10Z", "2024-01-01T10:10:00+00:00"),
    ("UNIX", "-1.5", "1969-12-31T23:59:59.500000+00:00"),  # Logstash adds the fraction to -1 s
]


@pytest.mark.parametrize(("pattern", "text", "iso"), PARSES, ids=[f"{p}|{t}" for p, t, _ in PARSES])
def test_parse(pattern, text, iso):
    """Each text parses to the stated UTC instant (names case-insensitive, fractions cut to millis as Joda)."""
    assert compile_parser(pattern)(text).isoformat() == iso


@pytest.mark.parametrize("text", ["20240101T101010Z", "2024-01-01 10:10:10", " 2024-01-01T10:10:10Z"])
def test_iso8601_rejects_what_logstash_rejects(text):
    """Basic format, a space without a fraction, and blanks around the text are no ISO8601 to Logstash."""
    with pytest.raises(ValueError):
        compile_parser("ISO8601")(text)


def test_parse_rejects_trailing_text():
    """The whole text must fit the pattern: a trailing word is a failure."""
    with pytest.raises(ValueError):
        compile_parser("yyyy-MM-dd")("2024-01-01 tail")


def test_year_missing_uses_clock_year():
    """A pattern without a year takes the current year."""
    clock = lambda: datetime(2025, 6, 1, tzinfo=UTC)  # noqa: E731
    assert compile_parser("MMM dd HH:mm:ss", clock=clock)("Mar 05 07:08:09").year == 2025


def test_year_missing_december_in_january_is_last_year():
    """A December date read in January belongs to the previous year (syslog across new year)."""
    clock = lambda: datetime(2026, 1, 2, tzinfo=UTC)  # noqa: E731
    assert compile_parser("MMM dd HH:mm:ss", clock=clock)("Dec 31 23:59:59").year == 2025


def test_unknown_locale_fails():
    """A locale without known month names is a ConfigError naming `locale`."""
    with pytest.raises(ConfigError) as info:
        compile_parser("MMM", locale="xx")
    assert info.value.option == "locale"


def test_fixed_offset_timezone():
    """A timezone given as an offset applies to text without one."""
    parsed = compile_parser("yyyy-MM-dd HH:mm", timezone="-08:00")("2024-01-01 00:00")
    assert parsed.isoformat() == "2024-01-01T08:00:00+00:00"


ROUND_TRIP = [
    "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
    "dd/MMM/yyyy:HH:mm:ss.SSS ZZ",
    "EEEE, MMMM d yyyy hh:mm:ss.SSS a",
    "yyyyMMddHHmmssSSS",
]


@settings(max_examples=40, deadline=None)
@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)),
    st.sampled_from(ROUND_TRIP),
)
def test_format_then_parse_round_trips(moment, pattern):
    """Printing with a full pattern and parsing it back gives the instant to the millisecond."""
    expected = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    text = compile_formatter(pattern)(moment)
    assert compile_parser(pattern)(text) == expected


def test_week_letters_do_not_parse():
    """Week-based letters print but are refused for parsing rather than read wrongly."""
    with pytest.raises(ConfigError, match="'x'"):
        compile_parser("xxxx.ww")
