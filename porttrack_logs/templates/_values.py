"""How Elasticsearch reads one JSON value into one field type: what it accepts, what it rejects, and why.

Written from Elasticsearch's documented behaviour and checked against real 8.19 and 9.2 nodes
(`tests/integration/test_mapping_check_real.py` sends the same values). Each reader returns None
when the value is accepted, else the reason Elasticsearch would give in words.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

__all__ = ["JsonFloat", "value_text", "parse_date", "DATE_FORMATS", "check_scalar", "SCALAR_TYPES"]


class JsonFloat(float):
    """A JSON number with a fraction or exponent, with the text it was written as (a date field reads the text)."""

    __slots__ = ("text",)

    def __new__(cls, text: str) -> "JsonFloat":
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


def value_text(value: Any) -> str:
    """The text Elasticsearch reads from a scalar token (numbers as written, booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonFloat):
        return value.text
    return str(value)


# --- dates --------------------------------------------------------------------------------------
# strict_date_optional_time, as Elasticsearch 8.x/9.x parse it: a fixed-offset ISO 8601 parser
# (yyyy[-MM[-dd[THH[:mm[:ss[(.|,)fraction]]]]]] with a zone after the hour, the minute, the
# second or the fraction), then java.time's formatter, which accepts nothing more here except
# one corner (a fraction given twice with the same value, "00.5,5Z", accepted by 8.x only).
# Where 8.x and 9.x differ (that corner, an IPv6 %scope) the readers take the node's major.

def _int(text: str, start: int, end: int) -> int | None:
    chunk = text[start:end]
    if len(chunk) != end - start or not all("0" <= c <= "9" for c in chunk):
        return None
    return int(chunk)


#: tz database names the JDK leaves out of its own (three-letter ids kept only as SHORT_IDS aliases,
#: and names that are no zone); a node refuses them.
_NOT_IN_JDK = frozenset({"EST", "HST", "MST", "ROC", "Factory", "localtime"})
#: Zones newer than the JDK an 8.19 node bundles.
_NOT_IN_8 = frozenset({"America/Coyhaique"})


@lru_cache(maxsize=2)
def _zone_regions(major: int) -> frozenset[str]:
    try:
        import zoneinfo

        names = frozenset(zoneinfo.available_timezones()) - _NOT_IN_JDK
    except Exception:  # no tz database: only the fixed names are known
        return frozenset()
    return names - _NOT_IN_8 if major == 8 else names


_OFFSET_ID = re.compile(r"[+-](?:[0-9]|[0-9]{2}|[0-9]{2}:?[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}|[0-9]{6})")


def _java_offset_ok(text: str) -> bool:
    """java.time `ZoneOffset.of`: ±H, ±HH, ±HH:mm, ±HHmm, ±HH:mm:ss, ±HHmmss within ±18:00."""
    if not _OFFSET_ID.fullmatch(text):
        return False
    digits = text[1:].replace(":", "")
    hours = int(digits[:2]) if len(digits) >= 2 else int(digits)
    minutes = int(digits[2:4]) if len(digits) >= 4 else 0
    seconds = int(digits[4:6]) if len(digits) >= 6 else 0
    if hours > 18 or minutes > 59 or seconds > 59:
        return False
    return hours * 3600 + minutes * 60 + seconds <= 18 * 3600


def _zone_ok(text: str, major: int) -> bool:
    """A zone where the ISO parser reads one: Z, a numeric offset, or what `ZoneId.of` accepts."""
    if text == "Z":
        return True
    first = text[0]
    if first in "+-":
        positive_digits = text[1:]
        if len(positive_digits) < 2 or _int(positive_digits, 0, 2) is None:
            return False
        rest = positive_digits[2:]
        hours = int(positive_digits[:2])
        if not rest:
            return hours <= 18  # ±HH
        colon = rest[0] == ":"
        if colon:
            rest = rest[1:]
        minutes = _int(rest, 0, 2)
        if minutes is None:
            return False
        rest = rest[2:]
        seconds = 0
        if rest:
            if (rest[0] == ":") != colon:
                return False
            if colon:
                rest = rest[1:]
            seconds = _int(rest, 0, 2)
            if seconds is None or len(rest) != 2:
                return False
        return hours * 3600 + minutes * 60 + seconds <= 18 * 3600
    # ZoneId.of: UTC/GMT/UT alone or followed by an offset, else a region id of the tz database
    for fixed in ("UTC", "GMT", "UT"):
        if text == fixed:
            return True
        if text.startswith(fixed) and text[len(fixed)] in "+-":
            return _java_offset_ok(text[len(fixed) :])
    return text in _zone_regions(major)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _iso_date_optional_time(text: str, major: int = 9) -> bool:
    if text.startswith("-"):
        text = text[1:]  # a negative year
    n = len(text)
    if _int(text, 0, 4) is None:
        return False
    year = int(text[:4])
    if n == 4:
        return True
    if text[4] != "-":
        return False
    month = _int(text, 5, 7)
    if month is None or not 1 <= month <= 12:
        return False
    if n == 7:
        return True
    if text[7] != "-":
        return False
    day = _int(text, 8, 10)
    if day is None or not 1 <= day <= _days_in_month(year, month):
        return False
    if n == 10:
        return True
    if text[10] != "T":
        return False
    if n == 11:
        return True
    hours = _int(text, 11, 13)
    if hours is None or hours > 23:
        return False
    pos = 13
    for limit in (59, 59):  # minutes, then seconds
        if n == pos:
            return True
        if text[pos] != ":":
            return _zone_start(text[pos]) and _zone_ok(text[pos:], major)
        value = _int(text, pos + 1, pos + 3)
        if value is None or value > limit:
            return False
        pos += 3
    if n == pos:
        return True
    if text[pos] not in ".,":
        return _zone_start(text[pos]) and _zone_ok(text[pos:], major)
    end = pos + 1
    while end < n and end < pos + 10 and "0" <= text[end] <= "9":
        end += 1
    if end == pos + 1:
        return False  # a separator without digits
    if end == n:
        return True
    return _zone_start(text[end]) and _zone_ok(text[end:], major)


def _zone_start(c: str) -> bool:
    return c in "+-" or "A" <= c <= "Z" or "a" <= c <= "z"


_EPOCH_MILLIS = re.compile(r"-?[0-9]{1,19}(?:\.[0-9]{0,6})?")
_EPOCH_SECOND = re.compile(r"-?[0-9]{1,19}(?:\.[0-9]{0,9})?")
_LONG_MAX = 2**63 - 1


def _epoch(pattern: re.Pattern[str]) -> Callable[[str, int], bool]:
    def parse(text: str, major: int = 9) -> bool:
        if not pattern.fullmatch(text):
            return False
        whole = int(text.split(".", 1)[0])
        return -_LONG_MAX - 1 <= whole <= _LONG_MAX

    return parse


#: Named formats the check reads; a mapping with another format (date_optional_time is more lenient,
#: the _nanos variant wants seconds once a time is given, custom patterns) is reported as not checked.
DATE_FORMATS: dict[str, Callable[[str, int], bool]] = {
    "strict_date_optional_time": _iso_date_optional_time,
    "epoch_millis": _epoch(_EPOCH_MILLIS),
    "epoch_second": _epoch(_EPOCH_SECOND),
}
DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis"


class UnknownFormat(ValueError):
    """A date format the check does not implement."""


_TWO_FRACTIONS = re.compile(r"(.{19})\.([0-9]{1,9}),([0-9]{1,9})(.*)", re.S)


def _java_two_fractions(text: str) -> bool:
    """java.time's formatter, which 8.x tries after the ISO parser, also takes the fraction twice
    (".5,5") when both give the same value; 9.x refuses it."""
    m = _TWO_FRACTIONS.fullmatch(text)
    if not m or m.group(2).ljust(9, "0") != m.group(3).ljust(9, "0"):
        return False
    rest = m.group(4)
    return _iso_date_optional_time(m.group(1) + (rest if rest else ""), 8)


def parse_date(text: str, fmt: str | None, major: int = 9) -> bool:
    """Whether a date field with format `fmt` (default strict_date_optional_time||epoch_millis) takes `text`
    on a node of that major."""
    if text == "":
        return False  # "cannot parse empty datetime"
    for name in (fmt or DEFAULT_DATE_FORMAT).split("||"):
        name = name.strip()
        parser = DATE_FORMATS.get(name)
        if parser is None:
            raise UnknownFormat(name)
        if parser(text, major):
            return True
        if major == 8 and parser is _iso_date_optional_time and _java_two_fractions(text):
            return True
    return False


# --- numbers ------------------------------------------------------------------------------------
# Java's Long.parseLong and BigDecimal: any Unicode decimal digit (Python's \d on text), no blanks
_BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Java's Double.parseDouble: surrounding whitespace (chars <= ' '), NaN, Infinity, hex, a type suffix
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?)"
)
_INTEGER_RANGES = {
    "long": (-(2**63), 2**63 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
}
_FLOAT32_LIMIT = 3.4028235677973366e38  # above this a double rounds to float infinity
_HALF_LIMIT = 65520.0  # above this (in magnitude) half_float rounds to infinity


def _integer(kind: str, value: Any, coerce: bool) -> str | None:
    low, high = _INTEGER_RANGES[kind]
    if isinstance(value, str) and kind != "long":
        # integer, short and byte read a string as a Java double: blanks around it, a type suffix and
        # even NaN (read as 0) pass; then the int range, then the narrower one
        if not coerce:
            return f"a string where {kind} is mapped with coerce false"
        number = _java_double(value)
        if number is None:
            return f"'{value}' is not a number for {kind}"
        int_low, int_high = _INTEGER_RANGES["integer"]
        if number < int_low or number > int_high:
            return f"{value} is out of range for {kind}"
        whole = 0 if math.isnan(number) else int(number)
    elif isinstance(value, str):
        if not coerce:
            return f"a string where {kind} is mapped with coerce false"
        if not _BIG_DECIMAL.fullmatch(value):
            return f"'{value}' is not a number for {kind}"
        number = Decimal(value)
        if kind == "long" and (number >= 2**63 or number <= -(2**63) - 1):
            return f"{value} is out of range for a long"
        whole = int(number)  # truncates toward zero, as coerce does
    elif isinstance(value, float):
        if not coerce and not value.is_integer():
            return f"{value_text(value)} cannot be a {kind} without losing its fraction (coerce false)"
        if kind == "long":
            if value < -(2.0**63) or value > 2.0**63:
                return f"{value_text(value)} is out of range for a long"
            return None
        int_low, int_high = _INTEGER_RANGES["integer"]  # short and byte are read as an int, then narrowed
        if value < int_low or value > int_high:
            return f"{value_text(value)} is out of range for {kind}"
        whole = int(value)
    else:
        whole = value
    if not low <= whole <= high:
        return f"{value_text(value)} is out of range for {kind}"
    return None


_JAVA_BLANKS = "".join(chr(c) for c in range(33))


def _java_double(text: str) -> float | None:
    """Java's Double.parseDouble, or None where it throws."""
    stripped = text.strip(_JAVA_BLANKS)
    if not _JAVA_DOUBLE.fullmatch(stripped):
        return None
    body = stripped[:-1] if stripped[-1:] in "fFdD" and "x" not in stripped.lower() else stripped
    try:
        if "x" in body.lower():
            return float.fromhex(body[:-1] if body[-1:] in "fFdD" else body)
        return float(body)
    except OverflowError:
        return math.inf if not body.startswith("-") else -math.inf


def _float(kind: str, value: Any, coerce: bool) -> str | None:
    if isinstance(value, str):
        if not coerce:
            return f"a string where {kind} is mapped with coerce false"
        number = _java_double(value)
        if number is None:
            return f"'{value}' is not a number for {kind}"
    else:
        number = float(value)
    if math.isnan(number) or math.isinf(number):
        return f"{kind} takes only finite values, not {value_text(value)}"
    if kind == "float" and abs(number) > _FLOAT32_LIMIT:
        return f"{value_text(value)} is infinite as a float"
    if kind == "half_float" and abs(number) >= _HALF_LIMIT:
        return f"{value_text(value)} is infinite as a half_float"
    return None


def _number(kind: str, value: Any, params: dict[str, Any], coerce: bool) -> str | None:
    if isinstance(value, bool):
        return f"{value_text(value)} is a boolean, not a number for {kind}"
    if isinstance(value, str) and value == "" and coerce:
        return None  # an empty string is read as null
    if kind in _INTEGER_RANGES:
        return _integer(kind, value, coerce)
    return _float(kind, value, coerce)


def _boolean(value: Any) -> str | None:
    if isinstance(value, bool) or value in ("true", "false", ""):
        return None
    return f"{value_text(value)!r} is no boolean (only true, false, \"true\", \"false\")"


def _date(value: Any, params: dict[str, Any], major: int) -> str | None:
    text = value_text(value)
    if parse_date(text, params.get("format"), major):
        return None
    if text == "":
        return "an empty string is no date"
    return f"'{text}' is no date in format {params.get('format') or DEFAULT_DATE_FORMAT}"


def _ip(value: Any, major: int) -> str | None:
    import ipaddress

    if isinstance(value, str) and ("%" not in value or major == 8):  # 9.x refuses an IPv6 %scope, 8.x takes it
        try:
            ipaddress.ip_address(value)
            return None
        except ValueError:
            pass
    return f"'{value_text(value)}' is not an IP address"


_TEXTUAL = frozenset({"keyword", "text", "match_only_text", "wildcard", "constant_keyword", "version", "search_as_you_type"})
_NUMERIC = frozenset({"long", "integer", "short", "byte", "double", "float", "half_float"})
#: Types whose scalar values the check reads; others are reported as not checked.
SCALAR_TYPES = _TEXTUAL | _NUMERIC | {"boolean", "date", "ip"}  # date_nanos: its 1970-2262 range is not modelled
_TERM_LIMIT = 32766  # bytes: Lucene refuses a longer indexed term


def check_scalar(
    kind: str, value: Any, params: dict[str, Any], *, coerce_default: bool = True, major: int = 9
) -> tuple[str | None, str | None]:
    """(rejection, note) for one scalar value in a field of type `kind` on a node of that major: the
    reason Elasticsearch rejects the document, or a note for what it accepts but does not index."""
    if kind in _TEXTUAL:
        if kind == "keyword":
            text = value_text(value)
            limit = params.get("ignore_above")
            if limit is not None and len(text) > int(limit):
                return None, f"longer than ignore_above {limit}: kept in _source, not indexed"
            indexed = params.get("index", True) is not False or params.get("doc_values", True) is not False
            if indexed and limit is None and len(text.encode("utf-8")) > _TERM_LIMIT:
                return f"a keyword of {len(text.encode('utf-8'))} bytes: Lucene's limit is {_TERM_LIMIT}", None
        return None, None
    if kind in _NUMERIC:
        coerce = params.get("coerce", coerce_default)
        return _number(kind, value, params, bool(coerce)), None
    if kind == "boolean":
        return _boolean(value), None
    if kind == "date":
        return _date(value, params, major), None
    if kind == "ip":
        return _ip(value, major), None
    return None, None
