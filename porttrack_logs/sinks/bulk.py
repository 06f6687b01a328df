"""Elasticsearch `_bulk` request bodies, built in one buffer: an action line, then the document."""

from __future__ import annotations

from typing import Literal

from ..codec import encode, encode_event_into
from ..event import Event

__all__ = ["BulkBody", "ActionLines"]

_CACHE_LIMIT = 4096  # distinct index names remembered; daily indices repeat, so this is rarely reached


class ActionLines:
    """Action lines for one operation (`index` or `create`): the part naming the index is encoded once
    per name (daily indices repeat); `_id`, `routing` and `pipeline` are appended per document."""

    __slots__ = ("op", "_cache", "_heads", "_id_heads")

    def __init__(self, op: Literal["index", "create"] = "index") -> None:
        self.op = op
        self._cache: dict[str, bytes] = {}
        self._heads: dict[str, bytes] = {}
        self._id_heads: dict[str, bytes] = {}

    def __call__(self, index: str) -> bytes:
        """The whole line for a document with no `_id` of ours (Elasticsearch picks one)."""
        line = self._cache.get(index)
        if line is None:
            line = encode({self.op: {"_index": index}}) + b"\n"
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[index] = line
        return line

    def head(self, index: str) -> bytes:
        """`{"create":{"_index":"name"`: the start of a line that `line` completes."""
        head = self._heads.get(index)
        if head is None:
            head = b'{"' + self.op.encode() + b'":{"_index":' + encode(index)
            if len(self._heads) < _CACHE_LIMIT:
                self._heads[index] = head
        return head

    def id_head(self, index: str) -> bytes:
        """`{"create":{"_index":"name","_id":`: what precedes a document's encoded `_id` and `}}`."""
        head = self._id_heads.get(index)
        if head is None:
            head = self.head(index) + b',"_id":'
            if len(self._id_heads) < _CACHE_LIMIT:
                self._id_heads[index] = head
        return head

    def line(
        self, index: str, doc_id: str | None, routing: str | None = None, pipeline: str | None = None, *, newline: bool = True,
    ) -> bytes:
        """The whole line with the document's `_id` and, when given, its `routing` and ingest `pipeline`
        (with `newline=False`, without its line end: for a body the encoder joins into lines)."""
        parts = [self.head(index)]
        if doc_id is not None:
            parts.append(b',"_id":' + encode(doc_id))
        if routing is not None:
            parts.append(b',"routing":' + encode(routing))
        if pipeline is not None:
            parts.append(b',"pipeline":' + encode(pipeline))
        parts.append(b"}}\n" if newline else b"}}")
        return b"".join(parts)


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
