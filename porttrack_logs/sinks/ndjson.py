"""Events as newline-delimited JSON to a binary stream (stdout or a file)."""

from __future__ import annotations

from typing import BinaryIO, Iterable

from ..event import Event
from ..codec import encode_event

__all__ = ["NdjsonWriter"]


class NdjsonWriter:
    """Writes one JSON object a line; `write` takes a batch and returns how many it wrote."""

    __slots__ = ("_stream", "written")

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.written = 0

    def write(self, events: Iterable[Event]) -> int:
        chunk = [encode_event(e) for e in events]
        if chunk:
            self._stream.write(b"\n".join(chunk) + b"\n")
        self.written += len(chunk)
        return len(chunk)

    def flush(self) -> None:
        self._stream.flush()
