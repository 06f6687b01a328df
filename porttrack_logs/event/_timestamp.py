"""Timestamps finer than a microsecond: Logstash 8 keeps nanoseconds in `@timestamp`, Python's
`datetime` stops at microseconds.

`NanoTimestamp` is a `datetime` that also holds the three digits below its microsecond. Only a
timestamp read from text with more than six fraction digits becomes one, so the common event
keeps a plain `datetime` and every fast path that checks `__class__ is datetime` stays as it is.
Its text (`str`, hence the JSON the codec writes through its fallback, `to_s` and sprintf) carries
nine fraction digits when the nanoseconds are not zero. Arithmetic, `replace` and comparisons
are `datetime`'s: they see microseconds only.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["NanoTimestamp", "fraction_nanos", "with_nanos"]

_UTC = timezone.utc


class NanoTimestamp(datetime):
    """An aware UTC datetime plus `nanos` (0-999): the nanoseconds below its microsecond."""

    __slots__ = ("nanos",)

    nanos: int

    def __new__(cls, *args: Any, nanos: int = 0, **kwargs: Any) -> "NanoTimestamp":
        self = super().__new__(cls, *args, **kwargs)
        self.nanos = nanos
        return self

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (with_nanos, (datetime(*self.timetuple()[:6], self.microsecond, self.tzinfo), self.nanos))

    def __copy__(self) -> "NanoTimestamp":
        return self  # immutable, as datetime

    def __deepcopy__(self, memo: dict) -> "NanoTimestamp":
        return self

    def __repr__(self) -> str:
        return f"NanoTimestamp({self.isoformat()!r}, nanos={self.nanos})"

    def __str__(self) -> str:
        from ._ruby import timestamp_text

        return timestamp_text(self)


def with_nanos(moment: datetime, nanos: int) -> datetime:
    """`moment` (aware) with `nanos` below its microsecond: a `NanoTimestamp`, or `moment` itself
    when `nanos` is 0."""
    if not nanos:
        return moment
    return NanoTimestamp(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond,
        tzinfo=moment.tzinfo, fold=moment.fold, nanos=nanos,
    )


def fraction_nanos(text: str) -> tuple[int, int] | None:
    """(microseconds, nanoseconds below them) of an ISO8601 time of day's fraction when it has more
    than six digits (`...:SS.123456789`, digits past the ninth dropped, as Logstash does); None when
    it has six or fewer, which `datetime` holds exactly."""
    dot = text.find(".", 17)
    if dot < 0:
        dot = text.find(",", 17)
        if dot < 0:
            return None
    end = dot + 1
    size = len(text)
    while end < size and "0" <= text[end] <= "9":
        end += 1
    digits = end - dot - 1
    if digits <= 6:
        return None
    nines = (text[dot + 1 : end] + "00")[:9]
    return int(nines[:6]), int(nines[6:9])
