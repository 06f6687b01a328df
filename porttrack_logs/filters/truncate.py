"""The `truncate` filter: cut text fields to at most `length_bytes` bytes of UTF-8, never inside a
character. Without `fields`, every text value of the event is cut (in arrays and hashes too)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from ..event import Event, field_ref, parse_field_ref
from .base import Filter, FilterOptions, Path, StrList

__all__ = ["TruncateFilter", "truncate_text"]


def truncate_text(text: str, limit: int) -> str:
    """`text` cut to `limit` bytes of UTF-8, dropping a character the cut would split."""
    if len(text) <= limit // 4:
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore")


class TruncateOptions(FilterOptions):
    """truncate's options, as Logstash names them."""

    length_bytes: int
    fields: StrList = []

    @field_validator("length_bytes")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value


class TruncateFilter(Filter):
    """Logstash's `truncate`."""

    name = "truncate"
    Options = TruncateOptions
    __slots__ = ("_limit", "_fields")

    def _compile(self, options: TruncateOptions) -> None:
        self._limit = options.length_bytes
        self._fields = tuple(field_ref(f) for f in options.fields)

    def _writes(self) -> set[Path]:
        return set()

    def _cut(self, value: Any) -> Any:
        if isinstance(value, str):
            return truncate_text(value, self._limit)
        if isinstance(value, list):
            return [self._cut(v) for v in value]
        if isinstance(value, dict):
            return {k: self._cut(v) for k, v in value.items()}
        return value

    def apply(self, event: Event) -> bool:
        if not self._fields:
            data = event.to_dict()
            for key, value in list(data.items()):
                if isinstance(value, (str, list, dict)):
                    data[key] = self._cut(value)
            return True
        for ref in self._fields:
            value = event.get(ref)
            if isinstance(value, (str, list, dict)):
                event.set(ref, self._cut(value))
        return True
