"""`DeadLetterQueue`: the writer of one queue directory, and its reader, remover and purger."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from ...errors import DeadLetterQueueFull, DeliveryError
from ...event import Event
from ._record import DeadLetter, encode_record
from ._segments import (
    Damage, Lock, Staging, _warn, fsync_dir, highest_number, live_segments, read_segments, recover, segment_name,
)

__all__ = ["DeadLetterQueue", "MAX_BYTES", "SEGMENT_BYTES", "read"]

MAX_BYTES = 1024 * 1024 * 1024  #: Logstash's `dead_letter_queue.max_bytes` default, 1024mb
SEGMENT_BYTES = 10 * 1024 * 1024  #: a new segment once one passes this (Logstash's segments are 10 MiB too)


def read(directory: str | Path, on_damage: Callable[[Damage], None] = _warn) -> Iterator[DeadLetter]:
    """Every record of the queue in `directory`, oldest first, without taking its lock (for `dlq list`).
    Lines that hold no whole record (a torn last write) are skipped and handed to `on_damage`."""
    return read_segments(Path(directory), on_damage)


class DeadLetterQueue:
    """One queue directory, written by one process at a time (it holds the directory's lock).

    `put` appends a record (buffered); `sync` makes every record put so far durable: a batch counts
    as done only after it. A put that would take the queue past `max_bytes` raises
    `DeadLetterQueueFull` and writes nothing. Counters: `records` and `bytes` put by this writer,
    `size` the bytes the queue holds on disk now.
    """

    __slots__ = (
        "path", "max_bytes", "segment_bytes", "records", "bytes", "size",
        "_lock", "_file", "_segment", "_segment_size", "_dir_dirty", "_capture", "_mutex", "_numbered",
    )

    def __init__(self, path: str | Path, *, max_bytes: int = MAX_BYTES, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise DeliveryError(f"{self.path}: a dead letter queue is a directory of segments, this is a file")
        self.path.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self._lock: Lock | None = Lock(self.path)
        try:
            recover(self.path)
        except BaseException:
            self._lock.release()
            raise
        self.records = 0
        self.bytes = 0
        self.size = self._size_on_disk()
        self._file: BinaryIO | None = None
        self._segment = 0
        self._segment_size = 0
        self._dir_dirty = False
        self._numbered = 0
        self._capture: dict[int, list[bytes]] | None = None
        self._mutex = threading.Lock()  # outputs and the pipeline may put from different threads

    def __repr__(self) -> str:
        return f"DeadLetterQueue({str(self.path)!r}, size={self.size})"

    def _size_on_disk(self) -> int:
        return sum(p.stat().st_size for _, p in live_segments(self.path))

    # -- writing ---------------------------------------------------------------------------
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
        """Append one record: why (`reason`, `error_type`, `status`), where (`stage`, `plugin`, `place`,
        `index`), the input as it came (`original`, else the event's provenance copy) and the event."""
        line = encode_record(
            reason, place=place, stage=stage, original=original, event=event,
            plugin=plugin, error_type=error_type, status=status, index=index,
        )
        with self._mutex:
            if self._capture is not None:  # a replay is running: it decides where the record goes
                self._capture.setdefault(id(event) if isinstance(event, Event) else 0, []).append(line)
                return
            self._append(line)

    def append(self, line: bytes) -> None:
        """Append one framed record line (what `put` builds)."""
        with self._mutex:
            self._append(line)

    def _append(self, line: bytes) -> None:
        if self._lock is None:
            raise DeliveryError(f"{self.path}: the dead letter queue is closed")
        needed = len(line)
        if self.size + needed > self.max_bytes:
            raise DeadLetterQueueFull(str(self.path), size=self.size, max_bytes=self.max_bytes, needed=needed)
        try:
            if self._file is None or (self._segment_size and self._segment_size + needed > self.segment_bytes):
                self._next_segment()
            self._file.write(line)
        except OSError as exc:  # a full disk, a lost mount: nothing of this batch counts as done
            self._abandon_segment()
            raise DeliveryError(f"{self.path / segment_name(self._segment)}: writing a dead letter record failed: {exc}") from exc
        self._segment_size += needed
        self.size += needed
        self.records += 1
        self.bytes += needed

    def _next_segment(self) -> None:
        self._close_segment()
        self._segment = self._take_number()
        self._file = open(self.path / segment_name(self._segment), "xb", buffering=256 * 1024)
        self._segment_size = 0
        self._dir_dirty = True

    def _take_number(self) -> int:
        """The next segment number, never one handed out before (to a segment or to a compaction's)."""
        self._numbered = max(self._numbered, highest_number(self.path)) + 1
        return self._numbered

    def _close_segment(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def _abandon_segment(self) -> None:
        """After a failed write the segment may end in a partial record (which readers skip): never
        append to it again; the next record starts a new segment."""
        handle, self._file = self._file, None
        if handle is not None:
            try:
                handle.close()
            except OSError:
                pass
        self.size = self._size_on_disk()

    def flush(self) -> None:
        """Hand buffered records to the operating system (not yet durable: see `sync`)."""
        with self._mutex:
            if self._file is not None:
                self._file.flush()

    def sync(self) -> None:
        """Make every record put so far durable (flush, fsync the segment, and the directory when a
        segment was created): a batch counts as done only after this."""
        with self._mutex:
            self._sync()

    def _sync(self) -> None:
        if self._file is not None:
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
            except OSError as exc:
                self._abandon_segment()
                raise DeliveryError(f"{self.path / segment_name(self._segment)}: syncing dead letter records failed: {exc}") from exc
        if self._dir_dirty:
            fsync_dir(self.path)
            self._dir_dirty = False

    def close(self) -> None:
        """Sync and release the directory."""
        if self._lock is None:
            return
        self.sync()
        self._close_segment()
        self._lock.release()
        self._lock = None

    def __enter__(self) -> "DeadLetterQueue":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and removing ----------------------------------------------------------------
    def read(self, on_damage: Callable[[Damage], None] = _warn) -> Iterator[DeadLetter]:
        """Every record, oldest first (what was put is flushed first)."""
        self.flush()
        return read_segments(self.path, on_damage)

    def get(self, record_id: str, on_damage: Callable[[Damage], None] = _warn) -> DeadLetter | None:
        """The record with this id (`segment@offset`), or None."""
        for record in self.read(on_damage):
            if record.id == record_id:
                return record
        return None

    def compaction(self) -> Staging:
        """Begin rewriting the queue: `add` the lines of the new set, then `commit()` (or `abandon()`).
        The current segment is closed first, so the new set covers every record put so far."""
        with self._mutex:
            self._sync()
            self._close_segment()
        old = [number for number, _ in live_segments(self.path)]
        return Staging(self.path, old, self.segment_bytes, self._take_number)

    def committed(self) -> None:
        """Count the queue's size again after a compaction committed."""
        self.size = self._size_on_disk()

    def remove(self, record_ids: Iterable[str], on_damage: Callable[[Damage], None] = _warn) -> int:
        """Remove these records (ids as `read` gives them) in one atomic rewrite; returns how many went.
        Damaged lines are not carried over (they were reported by `on_damage`)."""
        gone = set(record_ids)
        staging = self.compaction()
        removed = 0
        try:
            for record in read_segments(self.path, on_damage):
                if record.id in gone:
                    removed += 1
                else:
                    staging.add(record.line)
        except BaseException:
            staging.abandon()
            raise
        staging.commit()
        self.committed()
        return removed

    def purge(self) -> int:
        """Remove every record in one atomic step; returns the bytes freed."""
        freed = self.size
        staging = self.compaction()
        staging.commit()
        self.committed()
        return freed

    def begin_capture(self) -> dict[int, list[bytes]]:
        """While a replay runs, records put are collected by `id(event)` (0: no event) instead of appended."""
        self._capture = {}
        return self._capture

    def end_capture(self) -> None:
        self._capture = None

