"""ISO8601 parsing (the date filter's named format) gives the instant the text names, in every spelling."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.event._joda import compile_parser

UTC = timezone.utc


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)),
    digits=st.integers(min_value=0, max_value=9),
    separator=st.sampled_from(["T", " "]),
    offset_minutes=st.one_of(st.none(), st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: m - m % 15)),
    zulu=st.booleans(),
    colon=st.booleans(),
)
def test_iso8601_reads_the_named_instant(moment, digits, separator, offset_minutes, zulu, colon):
    """Any fraction length (cut to milliseconds, as Joda), T or space, Z, ±hh:mm, ±hhmm or no offset.

    With a space instead of T Logstash needs a fraction; without one the text is refused.
    """
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}{'000'}"[:digits]
    if offset_minutes is None:
        suffix, offset = ("Z", 0) if zulu else ("", None)
    else:
        sign = "+" if offset_minutes >= 0 else "-"
        hh, mm = divmod(abs(offset_minutes), 60)
        suffix, offset = f"{sign}{hh:02d}{':' if colon else ''}{mm:02d}", offset_minutes
    text += suffix
    parse = compile_parser("ISO8601", timezone="Europe/Madrid")
    if separator == " " and not digits:
        with pytest.raises(ValueError):
            parse(text)
        return
    parsed = parse(text)
    fraction = int((f"{moment.microsecond:06d}000"[:digits] + "000")[:3]) * 1000 if digits else 0
    wall = moment.replace(microsecond=fraction)
    if offset is None:  # no offset in the text: the filter's timezone applies
        from zoneinfo import ZoneInfo

        expected = wall.replace(tzinfo=ZoneInfo("Europe/Madrid")).astimezone(UTC)
    else:
        expected = (wall - timedelta(minutes=offset)).replace(tzinfo=UTC)
    assert parsed == expected and parsed.tzinfo is not None
