"""How one JSON value is read into one field type, as Elasticsearch 8.19 and 9.2 read it (the same
tables are sent to the real nodes in tests/integration/test_mapping_check_real.py)."""

from __future__ import annotations

import pytest

from porttrack_logs.templates._values import JsonFloat, check_scalar, parse_date


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27T06:00:00.332Z", "2026-11-27", "2026-11", "2026", "2026-11-27T", "2026-11-27T06", "2026-11-27T06Z",
        "2026-11-27T06:00", "2026-11-27T06:00:00+01:00", "2026-11-27T06:00:00+0100", "2026-11-27T06:00:00+01",
        "2026-11-27T06:00:00,5Z", "2026-11-27T06:00:00.123456789Z", "2024-02-29", "2026-11-27T06:00:00UTC",
        "2026-11-27T06:00:00Europe/Paris", "2026-11-27T06:00:00GMT+01:00", "2026-11-27T06:00:00UTC+1",
        "2026-11-27T06:00:00+18:00", "2026-11-27T06:00:00+010030", "-2026-11-27", "0000-01-01",
        "1700000000000", "-1700000000000", "1700000000000.5", "1700000000000.", "1700000000000.123456", "-0",
        "9223372036854775807",
    ],
)
def test_dates_the_default_format_takes(text):
    """strict_date_optional_time||epoch_millis takes these."""
    assert parse_date(text, None)


@pytest.mark.parametrize(
    "text",
    [
        "", "abc", "2026-11-27 06:00:00", "2026-11-27t06:00:00Z", "2026-11-27T06:00:00z", "2026-02-29", "2026-04-31",
        "2026-13-01", "2026-00-10", "2026-01-00", "2026-11-27T24:00:00Z", "2026-11-27T23:59:60Z", "2026-11-27TZ",
        "2026-11-27T06:00:00+1", "2026-11-27T06:00:00+19:00", "2026-11-27T06:00:00+01:0030", "2026-11-27T06:00:00Z+01:00",
        "2026-11-27T06:00:00.Z", "2026-11-27T06:00:00.1234567890Z", "2026-11-27T06:00:00europe/paris", "+2026-11-27",
        "20260-11-27", "1.7e12", "17000000000000000000", "1700000000000.1234567", " 2026-11-27", "2026-11-27 ",
        "27/11/2026", "2026-11-27T06:00:00Z[UTC]", "2026-W48-5", "2026-331", "２０２６-11-27", "2026-11-27T6:00:00Z",
        "2026-1-27", "2026-11-27T06:00:00.123,456Z",
    ],
)
def test_dates_the_default_format_refuses(text):
    """... and refuses these, on either major."""
    assert not parse_date(text, None, 9) and not parse_date(text, None, 8)


def test_a_fraction_given_twice_is_a_date_on_8_only():
    """java.time, which 8.x tries after its ISO parser, takes '.5,5' (the same value twice); 9.x does not."""
    assert parse_date("2026-11-27T06:00:00.5,5Z", None, 8)
    assert not parse_date("2026-11-27T06:00:00.5,5Z", None, 9)


def test_json_numbers_in_a_date_are_read_as_their_text():
    """A number in a date field is parsed from its JSON text: 1.7e12 is no epoch_millis, 1700000000000.5 is."""
    assert check_scalar("date", JsonFloat("1.7e12"), {})[0] is not None
    assert check_scalar("date", JsonFloat("1700000000000.5"), {})[0] is None
    assert check_scalar("date", True, {})[0] is not None
    assert check_scalar("date", "1700000000", {"format": "epoch_second"})[0] is None


@pytest.mark.parametrize(
    "kind,value,ok",
    [
        ("long", "12", True), ("long", "12.7", True), ("long", JsonFloat("12.7"), True), ("long", "1e3", True),
        ("long", "", True), ("long", "+5", True), ("long", ".5", True), ("long", "5.", True),
        ("long", " 12", False), ("long", "abc", False), ("long", True, False), ("long", "0x10", False),
        ("long", "NaN", False), ("long", 2**63, False), ("long", 2**63 - 1, True), ("long", str(2**63), False),
        ("long", JsonFloat("1e19"), False), ("integer", 2**31, False), ("integer", JsonFloat("2147483647.5"), False),
        ("integer", "2147483648", False), ("short", 32768, False), ("byte", JsonFloat("127.9"), True), ("byte", 128, False),
        ("float", " 1.5 ", True), ("float", "1.5f", True), ("float", "0x1p3", True), ("float", "NaN", False),
        ("float", JsonFloat("1e39"), False), ("float", True, False), ("double", "1e309", False),
        ("half_float", 65504, True), ("half_float", 70000, False),
    ],
)
def test_numbers_with_coerce(kind, value, ok):
    """Numeric fields coerce strings and fractions by default, within each type's range."""
    assert (check_scalar(kind, value, {})[0] is None) is ok


def test_coerce_false_refuses_strings_and_fractions():
    """With coerce false a numeric string, a fraction and even an empty string are rejected; 12.0 is whole."""
    assert check_scalar("long", "12", {"coerce": False})[0] is not None
    assert check_scalar("long", JsonFloat("12.5"), {"coerce": False})[0] is not None
    assert check_scalar("long", "", {"coerce": False})[0] is not None
    assert check_scalar("long", JsonFloat("12.0"), {"coerce": False})[0] is None
    assert check_scalar("long", "12", {}, coerce_default=False)[0] is not None  # index.mapping.coerce: false


@pytest.mark.parametrize("value,ok", [(True, True), ("true", True), ("false", True), ("", True), ("yes", False), (1, False), ("True", False), ("1", False)])
def test_booleans(value, ok):
    """Only true, false, "true", "false" and "" are booleans."""
    assert (check_scalar("boolean", value, {})[0] is None) is ok


def test_keyword_ignore_above_is_a_note_and_an_immense_term_a_rejection():
    """A keyword past ignore_above is indexed without the value (a note); without ignore_above a term over
    32766 bytes is rejected; a field neither indexed nor with doc values takes any length."""
    rejection, note = check_scalar("keyword", "x" * 2000, {"ignore_above": 1024})
    assert rejection is None and "ignore_above 1024" in note
    assert check_scalar("keyword", "x" * 40000, {})[0] is not None
    assert check_scalar("keyword", "x" * 40000, {"index": False, "doc_values": False}) == (None, None)


def test_ip_scope_differs_between_majors():
    """An IPv6 %scope is an ip on 8.x, rejected on 9.x; a number is never an ip."""
    assert check_scalar("ip", "fe80::1%eth0", {}, major=8)[0] is None
    assert check_scalar("ip", "fe80::1%eth0", {}, major=9)[0] is not None
    assert check_scalar("ip", 167772161, {})[0] is not None


def test_integer_short_byte_read_strings_as_java_doubles_but_long_does_not():
    """integer/short/byte take ' 503', '9.f' and even 'NaN' (read as 0); long refuses blanks and NaN but,
    as Java's Long.parseLong, takes any Unicode decimal digit."""
    for kind in ("integer", "short", "byte"):
        assert check_scalar(kind, " 50", {})[0] is None
        assert check_scalar(kind, "NaN", {})[0] is None
        assert check_scalar(kind, "9.f", {})[0] is None
        assert check_scalar(kind, "Infinity", {})[0] is not None
    assert check_scalar("long", " 50", {})[0] is not None
    assert check_scalar("long", "NaN", {})[0] is not None
    assert check_scalar("long", "\u0663", {})[0] is None  # ARABIC-INDIC DIGIT THREE
    assert check_scalar("integer", "\u0663", {})[0] is not None
