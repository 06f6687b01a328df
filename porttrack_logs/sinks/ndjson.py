"""Events as newline-delimited JSON to a binary stream (stdout or a file)."""

from __future__ import annotations

from typing import BinaryIO, Iterable, Sequence

from ..codec import encode_event_lines
from ..event import Event
from .base import Outcome

__all__ = ["NdjsonWriter", "NdjsonSink"]


def _ndjson(events: Iterable[Event]) -> tuple[bytes, int]:
    events = events if isinstance(events, (list, tuple)) else list(events)
    return encode_event_lines(events), len(events)


class NdjsonWriter:
    """Writes one JSON object a line; `write` takes a batch and returns how many it wrote."""

    __slots__ = ("_stream", "written")

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.written = 0

    def write(self, events: Iterable[Event]) -> int:
        data, count = _ndjson(events)
        if count:
            self._stream.write(data)
        self.written += count
        return count

    def flush(self) -> None:
        self._stream.flush()


class NdjsonSink:
    """The `Sink` over an open binary stream the caller owns: NDJSON, flushed on every write."""

    delivery_size = 1  #: a local write: each batch is written as it comes (see runtime.loop)
    __slots__ = ("name", "_stream")

    def __init__(self, stream: BinaryIO, name: str = "ndjson") -> None:
        self.name = name
        self._stream = stream

    def write(self, events: Sequence[Event]) -> list[Outcome]:
        data, count = _ndjson(events)
        if count:
            self._stream.write(data)
            self._stream.flush()
        return [Outcome.INDEXED] * count

    def stop(self) -> None:
        """Nothing to interrupt."""

    def close(self) -> None:
        self._stream.flush()
