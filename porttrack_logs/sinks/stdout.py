"""The `stdout` output: events to standard output in the configured codec (rubydebug by default)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, BinaryIO, Sequence

from ..event import Event
from .base import Outcome, SinkContext

if TYPE_CHECKING:
    from .settings import StdoutOutput

__all__ = ["StdoutSink"]


class StdoutSink:
    """Writes each batch to a binary stream (standard output unless given) and flushes it."""

    delivery_size = 1  #: a local write: each batch is written as it comes (see runtime.loop)
    __slots__ = ("name", "_stream", "_encode")

    def __init__(self, settings: "StdoutOutput", context: SinkContext, stream: BinaryIO | None = None) -> None:
        self.name = context.plugin_id
        self._stream = stream if stream is not None else sys.stdout.buffer
        self._encode = settings.codec.encoder()

    def write(self, events: Sequence[Event]) -> list[Outcome]:
        if events:
            self._stream.write(self._encode(events))
            self._stream.flush()
        return [Outcome.INDEXED] * len(events)

    def stop(self) -> None:
        """Nothing blocks here for long: a write to a full pipe ends when the reader reads or goes."""

    def close(self) -> None:
        self._stream.flush()
