"""Pydantic field types that coerce plugin option values the way Logstash's validators do."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = ["StrList", "StrMap", "as_list", "as_hash"]


def as_list(value: Any) -> Any:
    """Logstash's `:array` coercion: a single value becomes a one-element list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_hash(value: Any) -> Any:
    """Logstash's `:hash` coercion: an even-length list `[k1, v1, k2, v2]` becomes a hash."""
    if isinstance(value, list) and len(value) % 2 == 0:
        result: dict[str, Any] = {}
        for key, item in zip(value[::2], value[1::2]):
            if key in result:
                prior = result[key]
                result[key] = (prior if isinstance(prior, list) else [prior]) + [item]
            else:
                result[key] = item
        return result
    return value


StrList = Annotated[list[str], BeforeValidator(as_list)]
StrMap = Annotated[dict[str, Any], BeforeValidator(as_hash)]
