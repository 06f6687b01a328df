"""The dead letter queue: what could not be processed or delivered, with the reason, to replay later.

An entry is one NDJSON line: `{"reason", "place", "stage", "plugin", "error_type", "status", "index",
"original", "event", "at"}`. `original` is the raw input (text) when there was one; `event` the event
as it was when rejected, when there was one; `status` and `index` what an output was answered and where
it tried to write.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import orjson

from ..event import Event
from ..codec import encode

__all__ = ["DeadLetterQueue", "DeadLetter"]


class DeadLetter(dict):
    """One entry of the queue, as a dict with the keys listed in the module docstring."""


class DeadLetterQueue:
    """Appends entries to a file (or any binary stream) and reads them back for replay."""

    __slots__ = ("_stream", "_owned", "path", "count")

    def __init__(self, target: str | Path | BinaryIO) -> None:
        if isinstance(target, (str, Path)):
            self.path: Path | None = Path(target)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream: BinaryIO = self.path.open("ab")
            self._owned = True
        else:
            self.path = None
            self._stream = target
            self._owned = False
        self.count = 0

    def put(
        self,
        reason: str,
        *,
        place: str = "",
        stage: str = "pipeline",
        original: bytes | str | None = None,
        event: Event | dict[str, Any] | None = None,
        plugin: str | None = None,
        error_type: str | None = None,
        status: int | None = None,
        index: str | None = None,
    ) -> None:
        if isinstance(original, bytes):
            original = original.decode("utf-8", "replace")
        entry = {
            "reason": reason,
            "place": place,
            "stage": stage,
            "plugin": plugin,
            "error_type": error_type,
            "status": status,
            "index": index,
            "original": original,
            "event": event.to_dict() if isinstance(event, Event) else event,
            "at": datetime.now(timezone.utc),
        }
        self._stream.write(encode(entry) + b"\n")
        self.count += 1

    def flush(self) -> None:
        self._stream.flush()

    def sync(self) -> None:
        """Make every entry put so far durable (flush, then fsync a file): a batch counts as done after this."""
        self._stream.flush()
        if self._owned:
            os.fsync(self._stream.fileno())

    def close(self) -> None:
        self.flush()
        if self._owned:
            self._stream.close()

    @staticmethod
    def read(path: str | Path) -> Iterator[DeadLetter]:
        """The entries of a queue file, oldest first."""
        with Path(path).open("rb") as fh:
            for line in fh:
                if line.strip():
                    yield DeadLetter(orjson.loads(line))
