"""Logstash `sprintf` templates: `%{field}`, `%{[a][b]}`, `%{+yyyy.MM.dd}`, `%{+%s}`, compiled once."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from ..errors import EventError
from ._event import TIMESTAMP, Event, field_ref
from ._ruby import value_to_text

__all__ = ["Template", "value_to_text"]

_REF = re.compile(r"%\{([^}]+)\}")


class Template:
    """A compiled sprintf template. `render(event)` fills it; text without `%{` costs nothing."""

    __slots__ = ("text", "_parts", "constant", "render", "problems")

    def __init__(self, text: str) -> None:
        self.text = text
        parts: list[str | Callable[[Event], str]] = []
        pos = 0
        for match in _REF.finditer(text):
            if match.start() > pos:
                parts.append(text[pos : match.start()])
            parts.append(_compile_reference(match.group(1), match.group(0)))
            pos = match.end()
        if pos < len(text):
            parts.append(text[pos:])
        self._parts = tuple(parts)
        self.constant = all(isinstance(p, str) for p in parts)
        #: why references in it cannot render (`%{message[0]}`): each render of them fails
        self.problems = tuple(p.problem for p in parts if getattr(p, "problem", None))
        #: render(event) -> str, specialised to the template's shape once
        self.render = _renderer(text, self._parts)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def _renderer(text: str, parts: tuple) -> Callable[[Event], str]:
    if all(isinstance(p, str) for p in parts):
        return lambda event: text
    general = _general_renderer(parts)
    if all(isinstance(p, str) or getattr(p, "per_day", False) for p in parts):
        return _per_day(general)
    return general


def _general_renderer(parts: tuple) -> Callable[[Event], str]:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        if isinstance(a, str):
            return lambda event: a + b(event)
        if isinstance(b, str):
            return lambda event: a(event) + b
    pieces = tuple((p, isinstance(p, str)) for p in parts)
    return lambda event: "".join(p if constant else p(event) for p, constant in pieces)


def _per_day(general: Callable[[Event], str]) -> Callable[[Event], str]:
    """A template that only reads @timestamp's calendar day (`porttrack-logs-%{+yyyy.MM.dd}`),
    rendered whole once per UTC day: one lookup per event instead of one per part."""
    last: list[tuple] = [(None, "")]  # one (day, text) pair, replaced whole: safe across threads
    utc = timezone.utc

    def render(event: Event) -> str:
        ts = event.raw_fields().get(TIMESTAMP)
        if ts.__class__ is not datetime:
            return general(event)
        day = (ts if ts.tzinfo is utc else ts.astimezone(utc)).toordinal()
        cached, text = last[0]
        if day != cached:
            text = general(event)
            last[0] = (day, text)
        return text

    return render


def _compile_reference(inner: str, whole: str) -> Callable[[Event], str]:
    if inner.startswith("+"):
        fmt = inner[1:]
        return _compile_time_format(fmt)
    try:
        ref = field_ref(inner)
    except EventError as exc:
        # Logstash accepts the template and fails each time it renders it ("Invalid
        # FieldReference"): so do we, and `check` warns about it at start-up.
        problem = str(exc)

        def invalid(event: Event) -> str:
            raise EventError(f"cannot render {whole}: {problem}")

        invalid.problem = f"{whole} is not a field reference ({problem})"  # type: ignore[attr-defined]
        return invalid

    def reference(event: Event) -> str:
        value = event.get(ref, _ABSENT)
        if value is _ABSENT:
            return whole  # Logstash leaves an unknown reference as written
        return value_to_text(value)

    return reference


_ABSENT = object()
_TIMESTAMP_REF = field_ref(TIMESTAMP)


def _compile_time_format(fmt: str) -> Callable[[Event], str]:
    from ._joda import compile_formatter

    if fmt == "%s":
        def epoch(event: Event) -> str:
            ts = event.get(_TIMESTAMP_REF)
            return str(int(ts.timestamp())) if isinstance(ts, datetime) else ""

        return epoch
    formatter = compile_formatter(fmt)
    letters = set(re.sub(r"'[^']*'", "", fmt))
    if letters & _TIME_OF_DAY_LETTERS:

        def timestamp(event: Event) -> str:
            ts = event.get(_TIMESTAMP_REF)
            return formatter(ts) if isinstance(ts, datetime) else ""

        return timestamp

    # A date-only format (the daily index name): format once per UTC day, not once per event.
    last: list[tuple] = [(None, "")]  # one (day, text) pair, replaced whole: safe across threads

    def daily(event: Event) -> str:
        ts = event.get(_TIMESTAMP_REF)
        if not isinstance(ts, datetime):
            return ""
        if ts.tzinfo is not timezone.utc:
            ts = ts.astimezone(timezone.utc)
        key = (ts.year, ts.month, ts.day)
        day, text = last[0]
        if key != day:
            text = formatter(ts)
            last[0] = (key, text)
        return text

    daily.per_day = True  # type: ignore[attr-defined] - see _renderer
    return daily


#: Joda letters that depend on more than the calendar day (a format without them is per-day)
_TIME_OF_DAY_LETTERS = frozenset("HhkKmsSaAZzXnN")
