"""Joda-Time date patterns (`yyyy.MM.dd`, `MMM dd HH:mm:ss`), compiled once into a formatter or a parser.

Logstash speaks Joda in `%{+...}` sprintf references (always printed in UTC) and in the date
filter's `match`; this module gives the same letters the same meaning, with the stdlib only.
Parsers also cover the date filter's named formats: ISO8601, UNIX, UNIX_MS and TAI64N.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError

_FIXED = timezone  # a fixed offset has no daylight-saving gap

__all__ = ["compile_formatter", "compile_parser", "resolve_timezone", "NAMED_FORMATS"]

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAMED_FORMATS = ("ISO8601", "UNIX", "UNIX_MS", "TAI64N")

# -- locale names ---------------------------------------------------------------------------
# Month and weekday names per language, in Joda's (CLDR-like) full and short forms. English is
# the default; a few languages PortTrack's logs are known to use are here too.
_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, str]]] = {
    "en": (
        ("January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"),
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        ("AM", "PM"),
    ),
    "es": (
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
         "octubre", "noviembre", "diciembre"),
        ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
        ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
        ("a. m.", "p. m."),
    ),
    "fr": (
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"),
        ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
        ("AM", "PM"),
    ),
    "de": (
        ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
         "Oktober", "November", "Dezember"),
        ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."),
        ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
        ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
        ("AM", "PM"),
    ),
}


def _names(locale: str | None):
    if not locale:
        return _NAMES["en"]
    language = re.split(r"[-_]", locale.strip())[0].lower()
    names = _NAMES.get(language)
    if names is None:
        raise ConfigError(
            f"locale {locale!r} has no month and day names here; supported languages: "
            f"{', '.join(sorted(_NAMES))}",
            option="locale",
        )
    return names


def resolve_timezone(name: str) -> tzinfo:
    """A tzinfo for a zone id (`Europe/Madrid`, `UTC`) or a fixed offset (`+05:30`, `-0800`)."""
    offset = _parse_offset(name)
    if offset is not None:
        return offset
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"unknown time zone {name!r}; use an IANA id like 'Europe/Madrid' or an offset like '+01:00'",
            option="timezone",
        ) from None


_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)?")


@lru_cache(maxsize=512)
def _parse_offset(text: str) -> tzinfo | None:
    if text in ("Z", "UTC", "GMT", "Etc/UTC"):
        return UTC
    m = _OFFSET.fullmatch(text)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


# -- tokenizer ------------------------------------------------------------------------------
def _tokens(pattern: str) -> list[tuple[str, int] | str]:
    """Split a Joda pattern into (letter, count) tokens and literal strings."""
    out: list[tuple[str, int] | str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            if i + 1 < n and pattern[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            end = i + 1
            text = []
            while True:
                if end >= n:
                    raise ConfigError(f"unterminated quote in date pattern {pattern!r}", option="pattern")
                if pattern[end] == "'":
                    if end + 1 < n and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            out.append("".join(text))
            i = end + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            out.append((c, j - i))
            i = j
        else:
            j = i
            while j < n and pattern[j] != "'" and not (pattern[j].isascii() and pattern[j].isalpha()):
                j += 1
            out.append(pattern[i:j])
            i = j
    return out


# -- formatting -----------------------------------------------------------------------------
def _num(attr: str, width: int) -> Callable[[datetime], str]:
    return lambda d: str(getattr(d, attr)).zfill(width)


def _fraction(width: int) -> Callable[[datetime], str]:
    # Joda's DateTime holds milliseconds: print them, then pad or cut to the asked width.
    def fraction(d: datetime) -> str:
        millis = f"{d.microsecond // 1000:03d}"
        return (millis + "0" * width)[:width]

    return fraction


def _offset_text(colon: bool) -> Callable[[datetime], str]:
    def offset(d: datetime) -> str:
        delta = d.utcoffset() or timedelta(0)
        minutes = int(delta.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hh, mm = divmod(abs(minutes), 60)
        return f"{sign}{hh:02d}:{mm:02d}" if colon else f"{sign}{hh:02d}{mm:02d}"

    return offset


def _format_piece(letter: str, count: int, names) -> Callable[[datetime], str]:
    months, short_months, days, short_days, ampm = names
    if letter in "yYu":
        if count == 2:
            return lambda d: f"{d.year % 100:02d}"
        return _num("year", count)
    if letter == "x":
        if count == 2:
            return lambda d: f"{d.isocalendar()[0] % 100:02d}"
        return lambda d: str(d.isocalendar()[0]).zfill(count)
    if letter == "w":
        return lambda d: str(d.isocalendar()[1]).zfill(count)
    if letter == "M":
        if count >= 4:
            return lambda d: months[d.month - 1]
        if count == 3:
            return lambda d: short_months[d.month - 1]
        return _num("month", count)
    if letter == "d":
        return _num("day", count)
    if letter == "D":
        return lambda d: str(d.timetuple().tm_yday).zfill(count)
    if letter == "H":
        return _num("hour", count)
    if letter == "k":
        return lambda d: str(d.hour or 24).zfill(count)
    if letter == "h":
        return lambda d: str(d.hour % 12 or 12).zfill(count)
    if letter == "K":
        return lambda d: str(d.hour % 12).zfill(count)
    if letter == "m":
        return _num("minute", count)
    if letter == "s":
        return _num("second", count)
    if letter == "S":
        return _fraction(count)
    if letter == "a":
        return lambda d: ampm[d.hour >= 12]
    if letter == "E":
        if count >= 4:
            return lambda d: days[d.weekday()]
        return lambda d: short_days[d.weekday()]
    if letter == "e":
        return lambda d: str(d.isoweekday()).zfill(count)
    if letter == "Z":
        if count >= 3:
            return lambda d: "UTC" if d.utcoffset() == timedelta(0) else str(d.tzinfo)
        return _offset_text(colon=count == 2)
    if letter == "z":
        return lambda d: d.tzname() or "UTC"
    if letter == "G":
        return lambda d: "AD"
    raise ConfigError(f"unsupported letter {letter!r} in date pattern", option="pattern")


def compile_formatter(pattern: str, locale: str | None = None) -> Callable[[datetime], str]:
    """A function printing a datetime with a Joda pattern, in UTC as Logstash's `%{+...}` does."""
    names = _names(locale)
    pieces: list[Callable[[datetime], str] | str] = []
    for token in _tokens(pattern):
        if isinstance(token, str):
            pieces.append(token)
        else:
            try:
                pieces.append(_format_piece(token[0], token[1], names))
            except ConfigError as exc:
                raise ConfigError(f"{exc.message}: {pattern!r}", option="pattern") from None
    parts = tuple(pieces)

    def format_(value: datetime) -> str:
        d = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return "".join(p if isinstance(p, str) else p(d) for p in parts)

    return format_


# -- parsing --------------------------------------------------------------------------------
_NUMERIC = set("yYuxwMdDHkhKmsSe")


def _is_numeric(token: Any) -> bool:
    return isinstance(token, tuple) and token[0] in _NUMERIC and not (token[0] == "M" and token[1] >= 3)


def _alternatives(words) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "(?i:" + "|".join(re.escape(w) for w in ordered) + ")"


_ZONE_ID = r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*"
_OFFSET_RE = r"Z|[+-]\d\d:?\d\d"


# Joda parses `z` with its default short names only; the US names mean the region's zone, so
# "EDT" in January still reads as New York's winter offset, as Logstash does.
_SHORT_ZONE_NAMES = ("UT", "UTC", "GMT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT")
_SHORT_ZONE_REGIONS = {"E": "America/New_York", "C": "America/Chicago", "M": "America/Denver", "P": "America/Los_Angeles"}


def _short_zone(name: str) -> tzinfo:
    if name in ("UT", "UTC", "GMT"):
        return UTC
    return ZoneInfo(_SHORT_ZONE_REGIONS[name[0]])


class _Parts:
    """What a compiled parse pattern captures: the regex and, per group, what it means."""

    __slots__ = ("regex", "groups")

    def __init__(self, regex: re.Pattern[str], groups: tuple[str, ...]) -> None:
        self.regex = regex
        self.groups = groups


def _compile_regex(pattern: str, names) -> _Parts:
    months, short_months, days, short_days, ampm = names
    tokens = _tokens(pattern)
    out: list[str] = []
    groups: list[str] = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            out.append(re.escape(token))
            continue
        letter, count = token
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        fixed = _is_numeric(following)
        if letter in "yYu":
            if count == 2:
                out.append(r"(\d\d)" if fixed else r"(\d{2,9})")
                groups.append("year2")
            else:
                out.append(rf"(\d{{{count}}})" if fixed else r"([+-]?\d{1,9})")
                groups.append("year")
        elif letter == "M":
            if count >= 3:
                out.append("(" + _alternatives(months + short_months) + ")")
                groups.append("month_name")
            else:
                out.append(r"(\d{1,2})")
                groups.append("month")
        elif letter == "d":
            out.append(r"(\d{1,2})")
            groups.append("day")
        elif letter == "D":
            out.append(r"(\d{1,3})")
            groups.append("day_of_year")
        elif letter in "Hk":
            out.append(r"(\d{1,2})")
            groups.append("hour" if letter == "H" else "hour_k")
        elif letter in "hK":
            out.append(r"(\d{1,2})")
            groups.append("hour12")
        elif letter == "m":
            out.append(r"(\d{1,2})")
            groups.append("minute")
        elif letter == "s":
            out.append(r"(\d{1,2})")
            groups.append("second")
        elif letter == "S":
            out.append(rf"(\d{{{count}}})" if fixed else r"(\d{1,9})")
            groups.append("fraction")
        elif letter == "a":
            out.append("(" + _alternatives(ampm) + ")")
            groups.append("ampm")
        elif letter == "E":
            out.append("(?:" + _alternatives(days + short_days) + ")")
        elif letter == "e":
            out.append(r"(?:[1-7])")
        elif letter == "Z":
            if count >= 3:
                out.append(f"({_ZONE_ID})")
                groups.append("zone")
            else:
                out.append(f"({_OFFSET_RE})")
                groups.append("offset")
        elif letter == "z" and count < 4:
            out.append("(" + _alternatives(_SHORT_ZONE_NAMES) + ")")
            groups.append("zone_name")
        elif letter == "G":
            out.append("(?i:AD|BC)")
        else:
            raise ConfigError(
                f"date pattern {pattern!r}: letter {letter!r} cannot be parsed; "
                "use y M d D H k h K m s S a E e Z z (week-based x and w print but do not parse)",
                option="match",
            )
    return _Parts(re.compile("".join(out)), tuple(groups))


def _guess_year(month: int, now: datetime) -> int:
    """Logstash's rule for a pattern without a year: this year, except across a new year."""
    if month == 12 and now.month == 1:
        return now.year - 1
    if month == 1 and now.month == 12:
        return now.year + 1
    return now.year


def _two_digit_year(yy: str, now: datetime) -> int:
    if len(yy) > 2:
        return int(yy)
    pivot = now.year - 30
    base = pivot - 50
    year = base - base % 100 + int(yy)
    if year < base:
        year += 100
    return year


def _joda_parser(pattern: str, zone: tzinfo, names, clock: Callable[[], datetime]) -> Callable[[str], datetime]:
    parts = _compile_regex(pattern, names)
    match = parts.regex.fullmatch
    groups = parts.groups
    month_index = {w.lower(): i + 1 for i, w in enumerate(names[0])}
    month_index.update({w.lower(): i + 1 for i, w in enumerate(names[1])})
    pm_word = names[4][1].lower()
    zones: dict[str, tzinfo] = {}

    def zone_of(value: str) -> tzinfo:
        found = zones.get(value)
        if found is None:
            try:
                found = resolve_timezone(value)
            except ConfigError:
                raise ValueError(f"unknown time zone {value!r}") from None
            if len(zones) < 1000:
                zones[value] = found
        return found

    # Each capture group writes one slot: year, month, day, hour, minute, second, micro,
    # hour12, pm, tz, day-of-year; the converters are chosen here, once.
    readers: dict[str, tuple[int, Callable[[str], Any]]] = {
        "year": (0, int),
        "year2": (0, lambda v: _two_digit_year(v, clock())),
        "month": (1, int),
        "month_name": (1, lambda v: month_index[v.lower()]),
        "day": (2, int),
        "hour": (3, int),
        "hour_k": (3, lambda v: int(v) % 24),
        "minute": (4, int),
        "second": (5, int),
        "fraction": (6, lambda v: int((v + "00")[:3]) * 1000),  # Joda keeps milliseconds only
        "hour12": (7, lambda v: int(v) % 12),
        "ampm": (8, lambda v: v.lower() == pm_word),
        "offset": (9, lambda v: _parse_offset(v) or zone),
        "zone": (9, zone_of),
        "zone_name": (9, lambda v: _short_zone(v.upper())),
        "day_of_year": (10, int),
    }
    plan = tuple(readers[kind] for kind in groups)
    defaults = (None, None, None, 0, 0, 0, 0, None, None, zone, None)

    def parse(text: str) -> datetime:
        m = match(text)
        if m is None:
            raise ValueError(f"{text!r} does not match the date pattern {pattern!r}")
        slots = list(defaults)
        for (slot, read), value in zip(plan, m.groups()):
            slots[slot] = read(value)
        year, month, day, hour, minute, second, micro, hour12, pm, tz, day_of_year = slots
        if hour12 is not None:
            hour = hour12 + (12 if pm else 0)
        elif pm and hour < 12:
            hour += 12
        if year is None:
            year = _guess_year(month or 1, clock().astimezone(tz))
        if day_of_year is not None and month is None:
            start = datetime(year, 1, 1, hour, minute, second, micro, tzinfo=tz)
            return (start + timedelta(days=day_of_year - 1)).astimezone(UTC)
        local = datetime(year, month or 1, day or 1, hour, minute, second, micro, tzinfo=tz)
        utc = local.astimezone(UTC)
        if tz.__class__ is not _FIXED and utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
            raise ValueError(f"{text!r} falls in a daylight-saving gap of {tz}: no such local time")
        return utc

    return parse


# ISO8601 as Logstash reads it: Joda's ISO date-time parser (a `T` between date and time,
# extended format with dashes and colons, calendar, ordinal or week dates, any part of the
# time optional), then its "almost ISO" fallbacks, which take a space but need seconds with
# a fraction. No space before the offset, no surrounding blanks, no basic (dashless) format.
_ISO_OFFSET = r"(Z|[+-]\d{1,2}(?::?\d{1,2})?)"
_ISO_TIME = r"(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?"
_ISO_DATE = r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?|-(\d{3})|-W(\d{1,2})(?:-([1-7]))?)?"
_ISO = re.compile(rf"{_ISO_DATE}(?:T(?:{_ISO_TIME})?{_ISO_OFFSET}?)?")
_ALMOST_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})[.,](\d{1,9})(Z|[+-]\d{1,2}:?\d{1,2})?"
)


def _millis(fraction: str | None) -> int:
    """Microseconds of a fraction of a second, cut to the milliseconds Joda keeps."""
    return int((fraction + "00")[:3]) * 1000 if fraction else 0


# The shape nearly every log line uses (2026-11-27T06:00:00.332Z): a subset of what the full
# pattern accepts, cheap to recognise; it goes straight to the C parser. ASCII digits only, as
# the C parser reads (other digits take the full reading).
_CANONICAL_ISO = re.compile(
    r"[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:[.,][0-9]{1,9})?(?:Z|[+-][0-9][0-9]:?[0-9][0-9])?"
)


def _iso_parser(zone: tzinfo) -> Callable[[str], datetime]:
    iso, almost, canonical = _ISO.fullmatch, _ALMOST_ISO.fullmatch, _CANONICAL_ISO.fullmatch
    fromisoformat = datetime.fromisoformat

    def parse(text: str) -> datetime:
        if not isinstance(text, str):
            raise TypeError(f"ISO8601 reads text, not {type(text).__name__}")
        if canonical(text) is not None:
            try:
                fast = fromisoformat(text)
            except ValueError:
                pass  # e.g. hour 24: the full reading below decides
            else:
                extra = fast.microsecond % 1000
                if extra:
                    fast -= timedelta(microseconds=extra)
                if fast.tzinfo is None:
                    fast = fast.replace(tzinfo=zone)
                return fast if fast.tzinfo is UTC else fast.astimezone(UTC)
        m = iso(text)
        if m is not None or almost(text) is not None:
            # Once the text has a shape Logstash accepts, the C parser reads it (3x faster) and
            # agrees on every such text it can read; the rest falls through to the slow path.
            try:
                fast = fromisoformat(text)
            except ValueError:
                pass
            else:
                extra = fast.microsecond % 1000
                if extra:
                    fast -= timedelta(microseconds=extra)
                return (fast if fast.tzinfo is not None else fast.replace(tzinfo=zone)).astimezone(UTC)
        if m is not None:
            year, month, day, ordinal, week, weekday, hh, mm, ss, frac, off = m.groups()
            if ordinal is not None:
                date = datetime(int(year), 1, 1) + timedelta(days=int(ordinal) - 1)
                if date.year != int(year):
                    raise ValueError(f"{text!r}: day of year out of range")
            elif week is not None:
                date = datetime.fromisocalendar(int(year), int(week), int(weekday or 1))
            else:
                date = datetime(int(year), int(month or 1), int(day or 1))
        else:
            m = almost(text)
            if m is None:
                raise ValueError(f"{text!r} is not an ISO8601 date Logstash reads")
            year, month, day, hh, mm, ss, frac, off = m.groups()
            date = datetime(int(year), int(month), int(day))
        tz = zone if off is None else _parse_offset(off)
        if tz is None:
            raise ValueError(f"{text!r}: bad offset {off!r}")
        local = date.replace(hour=int(hh or 0), minute=int(mm or 0), second=int(ss or 0),
                             microsecond=_millis(frac), tzinfo=tz)
        return local.astimezone(UTC)

    return parse


# Epochs as Logstash's date filter reads them: text must be Java Long digits (UNIX allows a
# dot and reads the first three characters after it, ignoring the rest); seconds above 2**31-1 are refused; no exponents.
_UNIX_TEXT = re.compile(r"([+-]?\d+)(?:\.(.*))?", re.DOTALL)
_LONG_TEXT = re.compile(r"[+-]?\d+")
_MAX_EPOCH_SECONDS = 2**31 - 1


def _from_millis(millis: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=millis)


def _unix(value: Any) -> datetime:
    if isinstance(value, Decimal):  # a BigDecimal: seconds, milliseconds kept (truncated) as Joda's
        if not value.is_finite() or int(value) > _MAX_EPOCH_SECONDS:
            raise ValueError(f"{value!r} is not a UNIX epoch Logstash reads")
        return _from_millis(int(value * 1000))
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"UNIX takes text or a number, not {type(value).__name__}")
    if isinstance(value, float):
        if not math.isfinite(value) or int(value) > _MAX_EPOCH_SECONDS:
            raise ValueError(f"{value!r} is beyond the largest UNIX epoch Logstash reads")
        return _from_millis(int(value * 1000))
    if isinstance(value, int):
        seconds, decimals = value, ""
    else:
        m = _UNIX_TEXT.fullmatch(value)
        if m is None or (m.group(2) is not None and m.group(2)[:3] and not m.group(2)[:3].isdigit()):
            raise ValueError(f"{value!r} is not a UNIX epoch")
        seconds, decimals = int(m.group(1)), (m.group(2) or "")[:3]
    if seconds > _MAX_EPOCH_SECONDS:
        raise ValueError(f"{value!r} is beyond the largest UNIX epoch Logstash reads (2147483647)")
    return _from_millis(seconds * 1000 + (int(decimals.ljust(3, "0")) if decimals else 0))


def _unix_ms(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"UNIX_MS takes text or a number, not {type(value).__name__}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a UNIX_MS epoch")
        return _from_millis(int(value))
    if isinstance(value, str):
        if not _LONG_TEXT.fullmatch(value):
            raise ValueError(f"{value!r} is not a UNIX_MS epoch (whole milliseconds)")
        value = int(value)
    return _from_millis(value)


_TAI = re.compile(r"@?([0-9a-fA-F]{24})")


def _tai64n(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"TAI64N takes text, not {type(value).__name__}")
    m = _TAI.match(value)
    if m is None:
        raise ValueError(f"{value!r} is not a TAI64N label (@ and 24 hex digits)")
    label = m.group(1)
    # The label is 2**62 + TAI seconds; TAI ran 10 s ahead of UTC in 1970, as Logstash assumes.
    seconds = (int(label[:16], 16) & ((1 << 62) - 1)) - 10
    return _from_millis(seconds * 1000 + int(label[16:], 16) // 1_000_000)


def _text_only(parse: Callable[[str], datetime], pattern: str) -> Callable[[Any], datetime]:
    """Joda patterns and ISO8601 read text only: a number or a list is a failure, as in Logstash."""

    def parse_text(value: Any) -> datetime:
        if not isinstance(value, str):
            raise TypeError(f"{pattern} reads text, not {type(value).__name__}")
        return parse(value)

    return parse_text


def _now() -> datetime:
    return datetime.now(UTC)


def compile_parser(
    pattern: str,
    timezone: str | tzinfo | None = None,
    locale: str | None = None,
    *,
    clock: Callable[[], datetime] = _now,
) -> Callable[[Any], datetime]:
    """A function reading a date with a Joda pattern or ISO8601/UNIX/UNIX_MS/TAI64N, to aware UTC.

    `timezone` applies when the text carries no offset (default UTC); `locale` picks month and
    day names (default English); `clock` gives "now" for patterns without a year. The function
    raises ValueError when the text does not fit.
    """
    zone = resolve_timezone(timezone) if isinstance(timezone, str) else (timezone or UTC)
    if pattern == "UNIX":
        return _unix
    if pattern == "UNIX_MS":
        return _unix_ms
    if pattern == "TAI64N":
        return _tai64n
    names = _names(locale)
    if pattern == "ISO8601":
        return _iso_parser(zone)  # it checks for text itself: one call less per date
    return _text_only(_joda_parser(pattern, zone, names, clock), pattern)
