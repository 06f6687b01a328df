"""The `date` filter: read a date from a field with Joda patterns or ISO8601/UNIX/UNIX_MS/TAI64N.

The first pattern that fits wins; the result, an aware UTC datetime at millisecond precision
(Joda's), goes to `target` (`@timestamp` by default). No pattern fitting tags the event
`_dateparsefailure`; so does a list value, which Logstash's (Java) date filter does not read.
A `timezone => "%{field}"` applies to Joda patterns and to ISO8601 times without an offset.
A local time inside a daylight-saving gap does not exist: it fails, as Joda's does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Callable

from pydantic import ConfigDict, field_validator

from ..errors import ConfigError
from ..event import NAMED_FORMATS, Event, Template, compile_parser, field_ref, parse_field_ref, resolve_timezone
from .base import CodeWriter, Filter, FilterOptions, Path, StrList

__all__ = ["DateFilter"]

Parser = Callable[[Any], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


#: "now" for a date without a year (it decides the year); tests freeze it, as upstream's specs do
clock: Callable[[], datetime] = _system_clock


def _now() -> datetime:
    return clock()


class DateOptions(FilterOptions):
    """date's options: `match => [field, pattern, ...]`, where the result goes, zone and language."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    match: StrList
    target: str = "@timestamp"
    timezone: str | None = None
    locale: str | None = None
    tag_on_failure: StrList = ["_dateparsefailure"]

    @field_validator("match")
    @classmethod
    def _field_and_patterns(cls, value: list[str]) -> list[str]:
        if len(value) < 2:
            raise ValueError("match needs a field name and at least one pattern, e.g. ['logdate', 'ISO8601']")
        return value


class DateFilter(Filter):
    """Logstash's `date`: one field, patterns tried in order, compiled once per pattern."""

    name = "date"
    Options = DateOptions
    __slots__ = ("_source", "_target", "_parsers", "_dynamic_zone", "_zones", "_failure_tags", "_patterns", "_locale", "_named")

    def _compile(self, options: DateOptions) -> None:
        self._source = field_ref(options.match[0])
        self._target = field_ref(options.target)
        self._patterns = tuple(options.match[1:])
        self._locale = options.locale
        self._failure_tags = tuple(options.tag_on_failure)
        self._dynamic_zone: Template | None = None
        zone = options.timezone
        if zone is not None and "%{" in zone:
            self._dynamic_zone = Template(zone)
            zone = None
        try:
            self._parsers: tuple[Parser, ...] = self._build(zone)
        except ConfigError as exc:
            option = exc.option if exc.option in ("locale", "timezone") else "match"
            raise ConfigError(f"date: {exc.message}", option=option) from None
        self._named = tuple(p in NAMED_FORMATS for p in self._patterns)
        self._zones: dict[str, tuple[Parser, ...]] = {}

    def _build(self, zone: str | None) -> tuple[Parser, ...]:
        return tuple(compile_parser(p, timezone=zone, locale=self._locale, clock=_now) for p in self._patterns)

    def _parsers_for(self, event: Event) -> tuple[Parser, ...]:
        """Parsers for a `timezone => "%{tz}"` read from the event, compiled once per zone seen.

        ISO8601 reads a time without an offset in the event's zone, as Logstash does; the epochs
        keep the start-up parsers; with an unknown zone the Joda patterns fail and the named
        formats still read (ISO8601 in the start-up zone).
        """
        if self._dynamic_zone is None:
            return self._parsers
        name = self._dynamic_zone.render(event)
        parsers = self._zones.get(name)
        if parsers is None:
            try:
                resolve_timezone(name)
            except ConfigError:
                parsers = tuple(p for p, named in zip(self._parsers, self._named) if named)
            else:
                parsers = tuple(
                    p if named and pattern != "ISO8601"
                    else compile_parser(pattern, timezone=name, locale=self._locale, clock=_now)
                    for p, named, pattern in zip(self._parsers, self._named, self._patterns)
                )
            if len(self._zones) < 512:
                self._zones[name] = parsers
        return parsers

    def _writes(self) -> set[Path]:
        return {parse_field_ref(self.options.target, lenient=True), ("tags",)}

    def emit(self, g: CodeWriter, indent: int) -> bool | None:
        """Inline code for the generated pipeline (see pipeline.codegen); a static zone only."""
        if self._dynamic_zone is not None:
            return None
        src, dst = self._source, self._target
        v, t = g.temp("v"), g.temp("t")
        failures = "(ValueError, TypeError, OverflowError, ArithmeticError)"
        g.get(indent, src, v)
        g.line(indent, f"if {v} is None:")
        g.outcome(indent + 1, "False")
        g.line(indent, "else:")
        # each pattern in turn, as nested tries: the first that reads the value wins
        depth = indent + 1
        for parser in self._parsers:
            g.line(depth, "try:")
            g.line(depth + 1, f"{t} = {g.const(parser, 'parse')}({v})")
            g.line(depth, f"except {failures}:")
            depth += 1
        g.tag(depth, self._failure_tags)
        g.outcome(depth, "False")
        for _ in self._parsers:
            depth -= 1
            g.line(depth, "else:")
            g.set(depth + 1, dst, t)
            g.outcome(depth + 1, "True")
        return True

    def apply(self, event: Event) -> bool:
        value = event.get(self._source)
        if value is None:
            return False
        for parse in self._parsers_for(event):
            try:
                parsed = parse(value)
            except (ValueError, TypeError, OverflowError, ArithmeticError):
                continue
            event.set(self._target, parsed)
            return True
        event.tag(*self._failure_tags)
        return False
