"""The `json` filter: parse a field holding JSON text, into `target` or into the event's root.

Without a target only a JSON object can be merged (anything else is a failure, as in Logstash);
a parsed `@timestamp` is read into a datetime, and an unreadable one moves to `_@timestamp`.
"""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

from pydantic import ConfigDict

from ..errors import EventError
from ..event import TIMESTAMP, Event, field_ref, parse_timestamp
from .base import Filter, FilterOptions, StrList

__all__ = ["JsonFilter"]


class JsonOptions(FilterOptions):
    """json's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str
    target: str | None = None
    skip_on_invalid_json: bool = False
    tag_on_failure: StrList = ["_jsonparsefailure"]


class JsonFilter(Filter):
    """Logstash's `json`, decoding with orjson."""

    name = "json"
    Options = JsonOptions
    __slots__ = ("_source", "_target", "_skip_invalid", "_failure_tags")

    def _compile(self, options: JsonOptions) -> None:
        self._source = field_ref(options.source)
        self._target = field_ref(options.target) if options.target else None
        self._skip_invalid = options.skip_on_invalid_json
        self._failure_tags = tuple(options.tag_on_failure)

    def apply(self, event: Event) -> bool:
        raw = event.get(self._source)
        if raw is None:
            return False
        try:
            if not isinstance(raw, (str, bytes)):
                raise TypeError("only text holds JSON")
            parsed = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
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
    has_timestamp = TIMESTAMP in parsed
    stamp = parsed.pop(TIMESTAMP, None)
    data = event.to_dict()
    for key, value in parsed.items():
        try:
            event.set(field_ref(key), value)
        except EventError:
            data[key] = value  # a key that is no valid field reference is kept as written
    if not has_timestamp:
        return
    try:
        data[TIMESTAMP] = parse_timestamp(stamp)
    except (ValueError, TypeError, OverflowError):
        data[TIMESTAMP] = datetime.now(timezone.utc)
        data["_@timestamp"] = stamp if isinstance(stamp, str) else orjson.dumps(stamp).decode()
        event.tag("_timestampparsefailure")
