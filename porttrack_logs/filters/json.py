"""The `json` filter: parse a field holding JSON text, into `target` or into the event's root.

Without a target only a JSON object can be merged (anything else is a failure, as in Logstash);
a parsed `@timestamp` text is read into a datetime; anything else but null (a number, a hash,
unreadable text) moves, as Ruby prints it, to `_@timestamp` with `_timestampparsefailure`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

import msgspec
from pydantic import ConfigDict

from ..errors import EventError
from ..event import TIMESTAMP, Event, field_ref, parse_field_ref, parse_timestamp, ruby_text
from .base import ANY_FIELD, Filter, FilterOptions, Path, StrList

__all__ = ["JsonFilter"]


class JsonOptions(FilterOptions):
    """json's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str
    target: str | None = None
    skip_on_invalid_json: bool = False
    tag_on_failure: StrList = ["_jsonparsefailure"]
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None  # accepted; only Logstash's warning differs


_decode = msgspec.json.Decoder().decode


class JsonFilter(Filter):
    """Logstash's `json`, decoding with msgspec: integers of any size stay whole, as Logstash keeps them."""

    name = "json"
    Options = JsonOptions
    __slots__ = ("_source", "_target", "_skip_invalid", "_failure_tags")

    def _compile(self, options: JsonOptions) -> None:
        self._source = field_ref(options.source)
        self._target = field_ref(options.target) if options.target else None
        self._skip_invalid = options.skip_on_invalid_json
        self._failure_tags = tuple(options.tag_on_failure)

    def _writes(self) -> set[Path]:
        target = self.options.target
        return {parse_field_ref(target, lenient=True) if target else ANY_FIELD, ("tags",)}

    def apply(self, event: Event) -> bool:
        raw = event.get(self._source)
        if raw is None or raw is False:  # Ruby's `return unless source`
            return False
        try:
            if not isinstance(raw, (str, bytes)):
                raise TypeError("only text holds JSON")
            parsed = _decode(raw)
        except (ValueError, TypeError, RecursionError):  # msgspec's errors are ValueErrors
            if not self._skip_invalid:
                event.tag(*self._failure_tags)
            return False
        if self._target is not None:
            event.set(self._target, parsed)
            return True
        if not isinstance(parsed, dict):
            event.tag(*self._failure_tags)  # a non-object needs a target
            return False
        _merge_root(event, parsed)
        return True


def _merge_root(event: Event, parsed: dict) -> None:
    """Set each parsed key on the event; `@timestamp` is read as a time, as Event() would."""
    stamp = parsed.pop(TIMESTAMP, None)
    data = event.to_dict()
    for key, value in parsed.items():
        try:
            event.set(field_ref(key), value)
        except EventError:
            data[key] = value  # a key that is no valid field reference is kept as written
    if stamp is None or stamp is False:  # Ruby treats both as "no @timestamp given"
        return
    try:
        if not isinstance(stamp, str):
            raise TypeError("Logstash reads a parsed @timestamp from text only")
        data[TIMESTAMP] = parse_timestamp(stamp)
    except (ValueError, TypeError, OverflowError):
        data[TIMESTAMP] = datetime.now(timezone.utc)
        data["_@timestamp"] = ruby_text(stamp)
        event.tag("_timestampparsefailure")
