"""Events to JSON bytes, the one place that decides how a value is encoded."""

from __future__ import annotations

from typing import Any

import orjson

from ..event import Event

__all__ = ["dumps", "event_bytes"]

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_SERIALIZE_NUMPY


def _fallback(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def dumps(value: Any) -> bytes:
    """JSON bytes; datetimes as RFC 3339 UTC with `Z`, anything unknown as its string form."""
    return orjson.dumps(value, default=_fallback, option=_OPTIONS)


def event_bytes(event: Event) -> bytes:
    """An event's fields (without `@metadata`) as JSON bytes."""
    return orjson.dumps(event.to_dict(), default=_fallback, option=_OPTIONS)
