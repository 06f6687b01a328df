"""The queue's directory: numbered segment files, the lock, reading with damage reports, and
compaction that replaces the whole set of segments in one atomic step.

    00000001.dlq 00000002.dlq ...   append-only segments; a writer always starts a fresh one
    .lock                           held (flock) by the one process that writes or compacts
    .compaction/                    a compaction in progress: its new segments, then COMMIT

A compaction writes the new segments into `.compaction/` (numbered after every existing one) and
fsyncs them; the rename of `COMMIT` (listing the old segments) into place is the one atomic step.
After it, the new segments are moved in and the old ones deleted; a crash anywhere in between is
rolled forward by the next process that takes the lock, and readers already see the new set. A crash
before it leaves the old set, and the staging directory is discarded.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ...errors import DeliveryError
from ._record import DeadLetter

__all__ = ["Damage", "Lock", "live_segments", "read_segments", "recover", "segment_name", "fsync_dir", "Staging"]

log = logging.getLogger("porttrack_logs.dead_letter")

SUFFIX = ".dlq"
STAGING = ".compaction"
COMMIT = "COMMIT"
LOCK = ".lock"
_NAME = re.compile(r"^(\d{8,})\.dlq$")


def segment_name(number: int) -> str:
    return f"{number:08d}{SUFFIX}"


def fsync_dir(path: Path) -> None:
    """Make the directory's entries (created, renamed, deleted files) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _numbered(directory: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return found
    for entry in entries:
        match = _NAME.match(entry.name)
        if match and entry.is_file():
            found[int(match.group(1))] = Path(entry.path)
    return found


def _commit_of(directory: Path) -> list[int] | None:
    """The old segments a committed compaction replaces, or None when none is committed."""
    path = directory / STAGING / COMMIT
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        return [int(n) for n in json.loads(text)["remove"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError(f"{path}: unreadable compaction commit ({exc}); it is written by rename, so "
                            "something else changed it: move it away to keep the old segments") from None


def live_segments(directory: Path) -> list[tuple[int, Path]]:
    """The segments that make up the queue now, oldest first (a committed compaction counted as done)."""
    found = _numbered(directory)
    removed = _commit_of(directory)
    if removed is not None:
        for number in removed:
            found.pop(number, None)
        found.update(_numbered(directory / STAGING))
    return sorted(found.items())


def highest_number(directory: Path) -> int:
    """The highest segment number in use anywhere in the directory (staging included)."""
    numbers = list(_numbered(directory)) + list(_numbered(directory / STAGING))
    return max(numbers, default=0)


def recover(directory: Path) -> None:
    """Finish a committed compaction, or discard one that never committed (the lock must be held)."""
    staging = directory / STAGING
    if not staging.exists():
        return
    removed = _commit_of(directory)
    if removed is None:
        shutil.rmtree(staging)
        fsync_dir(directory)
        return
    for path in _numbered(staging).values():
        os.replace(path, directory / path.name)
    fsync_dir(directory)
    for number in removed:
        (directory / segment_name(number)).unlink(missing_ok=True)
    fsync_dir(directory)
    shutil.rmtree(staging)
    fsync_dir(directory)


@dataclass(frozen=True, slots=True)
class Damage:
    """Bytes of a segment that hold no whole record: a torn last write, or damage on disk."""

    path: Path
    offset: int
    length: int
    why: str
    at_end: bool

    def __str__(self) -> str:
        what = "torn record at the end of the segment (a write cut short by a crash)" if self.at_end else "damaged record"
        return f"{self.path}@{self.offset}: {what}: {self.why}; {self.length} bytes skipped"


def _warn(damage: Damage) -> None:
    log.warning("dead letter queue: %s", damage)


def read_segment(number: int, path: Path, on_damage: Callable[[Damage], None] = _warn) -> Iterator[DeadLetter]:
    """The records of one segment in order; lines that hold no whole record go to `on_damage`."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # removed by a compaction since it was listed
        return
    with handle:
        offset = 0
        for line in handle:
            parsed = DeadLetter.parse(number, offset, line)
            if isinstance(parsed, str):
                at_end = not line.endswith(b"\n") or handle.peek(1) == b""
                on_damage(Damage(path, offset, len(line), parsed, at_end))
            else:
                yield parsed
            offset += len(line)


def read_segments(directory: Path, on_damage: Callable[[Damage], None] = _warn) -> Iterator[DeadLetter]:
    """Every record of the queue in `directory`, oldest first."""
    for number, path in live_segments(directory):
        yield from read_segment(number, path, on_damage)


class Lock:
    """The one writer of a queue directory: an exclusive flock on `.lock`, held until `release()`."""

    __slots__ = ("_fd", "path")

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(self._fd)
            raise DeliveryError(
                f"{directory}: the dead letter queue is in use by another process (pid {holder}); "
                "one process writes, replays or purges a queue at a time"
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = -1


class Staging:
    """The new segment set of a compaction, written into `.compaction/` until `commit()`."""

    __slots__ = ("directory", "_dir", "_old", "_take_number", "_segment_bytes", "_file", "_size", "size")

    def __init__(self, directory: Path, old: list[int], segment_bytes: int, take_number: Callable[[], int]) -> None:
        self.directory = directory
        self._dir = directory / STAGING
        self._dir.mkdir()
        self._old = old
        self._take_number = take_number  # shared with the queue's own segments: no number twice
        self._segment_bytes = segment_bytes
        self._file = None
        self._size = 0
        self.size = 0  # bytes of the new set

    def add(self, line: bytes) -> None:
        """Append one framed record to the new set."""
        if self._file is None or (self._size and self._size + len(line) > self._segment_bytes):
            self._close()
            self._file = open(self._dir / segment_name(self._take_number()), "xb")
            self._size = 0
        self._file.write(line)
        self._size += len(line)
        self.size += len(line)

    def _close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def commit(self) -> None:
        """The atomic step: the new set replaces the old one (see the module docstring)."""
        self._close()
        fsync_dir(self._dir)
        pending = self._dir / (COMMIT + ".tmp")
        with open(pending, "wb") as fh:
            fh.write(json.dumps({"remove": self._old}).encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(pending, self._dir / COMMIT)
        fsync_dir(self._dir)
        recover(self.directory)

    def abandon(self) -> None:
        """Drop the new set: the old one stays as it was."""
        if self._file is not None:
            self._file.close()
            self._file = None
        shutil.rmtree(self._dir, ignore_errors=True)
