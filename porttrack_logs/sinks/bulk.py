"""Elasticsearch `_bulk` request bodies, built in one buffer: an action line, then the document."""

from __future__ import annotations

from typing import Literal

from ..codec import encode, encode_event_into
from ..event import Event

__all__ = ["BulkBody", "ActionLines"]


class ActionLines:
    """The action line for each index name, encoded once per name (daily indices repeat)."""

    __slots__ = ("op", "_cache")

    def __init__(self, op: Literal["index", "create"] = "index") -> None:
        self.op = op
        self._cache: dict[str, bytes] = {}

    def __call__(self, index: str) -> bytes:
        line = self._cache.get(index)
        if line is None:
            line = encode({self.op: {"_index": index}}) + b"\n"
            if len(self._cache) < 4096:
                self._cache[index] = line
        return line


class BulkBody:
    """Grows a `_bulk` body: `add(action_line, event)` per event, then `to_bytes()`."""

    __slots__ = ("_buffer", "count")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.count = 0

    def add(self, action_line: bytes, event: Event) -> None:
        buffer = self._buffer
        buffer += action_line
        encode_event_into(event, buffer)
        buffer += b"\n"
        self.count += 1

    def to_bytes(self) -> bytes:
        return bytes(self._buffer)
