"""The offsets record (Logstash's sincedb): how far each file was done, so a restarted job resumes there.

Files are known by their identity (`container_files.file_identity`: the first KiB, as Filebeat's
fingerprint), so a renamed or rotated file is recognised; a file whose first KiB changed is another
file and is read from the start, as is one that shrank below what was recorded (truncated). Offsets
are bytes of the file's content (decompressed, for `.gz`), always a record boundary. An offset is
recorded only when a reader says everything before it is done (indexed, dead-lettered or dropped:
the runtime's `on_done`), never when it was merely read.

The record is one small JSON file, rewritten whole: a temporary file beside it, fsync, rename,
fsync of the directory, so a crash leaves the old record or the new one, never a torn one. It is
written at most once every `interval` seconds (an fsync per batch would cost more than the
batch), and at once when a file is done to its end, and by `flush`/`close` (also at interpreter
exit). A crash rereads at most `interval` seconds of work, which deterministic ids make harmless
in Elasticsearch. One process at a time holds a record (a lock file beside it); within it, the
reading side and the done side may be different threads (the sidecar reads files on a thread of
their own), so every method holds the record's mutex.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

import orjson

from ..errors import ConfigError
from .container_files import IDENTITY_BYTES, file_identity, open_log

__all__ = ["OffsetsRecord", "FileStart", "FileState", "DEFAULT_WRITE_INTERVAL", "NO_RECORD", "head_identity"]

DEFAULT_WRITE_INTERVAL = 1.0  #: seconds between writes of the record while files are in progress
NO_RECORD = "/dev/null"  #: as in Logstash, `sincedb_path => "/dev/null"` keeps no record
_VERSION = 1


@dataclass(slots=True)
class FileState:
    """One file's entry: where it was last seen, how far it is done, its size on disk then."""

    path: str
    offset: int
    size: int
    complete: bool = False

    def to_json(self) -> dict:
        return {"path": self.path, "offset": self.offset, "size": self.size, "complete": self.complete}


@dataclass(slots=True, frozen=True)
class FileStart:
    """Where to read a file from: its identity, the offset to start at, its size on disk, and
    `skip` (why nothing is left to read, or None). `why` says why the offset is what it is."""

    path: str
    identity: str
    offset: int
    size: int
    skip: str | None
    why: str


def head_identity(path: str | Path) -> str:
    """The identity of a file from its first KiB (decompressed for .gz)."""
    with open_log(path) as fh:
        return file_identity(fh.read(IDENTITY_BYTES))


_M = TypeVar("_M", bound=Callable[..., Any])


def _locked(method: _M) -> _M:
    """The method under the record's mutex (re-entrant: `finished` and `close` write)."""
    @functools.wraps(method)
    def holding(self: "OffsetsRecord", *args: Any, **kwargs: Any) -> Any:
        with self._mutex:
            return method(self, *args, **kwargs)
    return holding  # type: ignore[return-value]


class OffsetsRecord:
    """A record file of offsets by file identity; see the module docstring.

    `start(path)` says where to read a file from and ties the path to its identity for this run;
    `done(path, offset)` records that everything before `offset` is done; `finished(path, end)` that
    the reader reached the file's end at `end` (once done there, the file is complete and the record
    is written at once). `write_if_due()` after a round of `done`s; `close()` writes what is left.
    """

    __slots__ = ("path", "interval", "writes", "_entries", "_sources", "_ends", "_dirty", "_last", "_lock", "_closed",
                 "_mutex")

    def __init__(self, path: str | Path, *, interval: float = DEFAULT_WRITE_INTERVAL) -> None:
        self.path = Path(path)
        self.interval = interval
        self.writes = 0
        self._entries: dict[str, FileState] = {}
        self._sources: dict[str, str] = {}  # path as read this run -> identity
        self._ends: dict[str, int] = {}  # identity -> the offset where its reader found the end
        self._dirty = False
        self._last = time.monotonic()
        self._closed = False
        self._mutex = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(f"offsets record {self.path}: cannot open: {exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise ConfigError(f"offsets record {self.path}: in use by another process (one job at a time per record)") from None
        try:
            self._load()
        except BaseException:
            os.close(self._lock)
            raise
        atexit.register(self.close)

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConfigError(f"offsets record {self.path}: cannot read: {exc.strerror or exc}") from None
        try:
            doc = orjson.loads(data)
            if doc.get("version") != _VERSION:
                raise ValueError(f"version {doc.get('version')!r}, expected {_VERSION}")
            for identity, entry in doc["files"].items():
                self._entries[identity] = FileState(str(entry["path"]), int(entry["offset"]), int(entry["size"]), bool(entry["complete"]))
        except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"offsets record {self.path}: not an offsets record ({exc}); remove it to read every file from the start"
            ) from None

    # -- reading side ----------------------------------------------------------------------
    def entry(self, identity: str) -> FileState | None:
        """The recorded state of a file identity, if any."""
        return self._entries.get(identity)

    @_locked
    def start(self, path: str) -> FileStart:
        """Where to read `path` from, by its identity; the path is tied to that identity for this run."""
        size = os.stat(path).st_size
        identity = head_identity(path)
        packed = path.endswith(".gz")
        for other, known in self._sources.items():
            if known == identity and other != path:
                return FileStart(path, identity, 0, size, f"the same first KiB as {other} (a copy or a rename): read once", "same file")
        self._sources[path] = identity
        entry = self._entries.get(identity)
        if entry is None:
            self._entries[identity] = FileState(path, 0, size)
            self._dirty = True
            return FileStart(path, identity, 0, size, None, "new")
        moved = f" (was {entry.path})" if entry.path != path else ""
        if size < entry.size or (not packed and size < entry.offset):
            entry.path, entry.offset, entry.size, entry.complete = path, 0, size, False
            self._dirty = True
            return FileStart(path, identity, 0, size, None, f"shrank{moved}: read from the start")
        if entry.complete and size == entry.size:
            if entry.path != path:
                entry.path = path
                self._dirty = True
            return FileStart(path, identity, entry.offset, size, f"done before{moved}", "complete")
        entry.path, entry.size, entry.complete = path, size, False
        self._dirty = True
        return FileStart(path, identity, entry.offset, size, None, f"resumed at byte {entry.offset}{moved}")

    # -- done side -------------------------------------------------------------------------
    @_locked
    def done(self, path: str, offset: int) -> None:
        """Everything of `path` before `offset` is done."""
        identity = self._sources.get(path)
        if identity is None:
            return
        entry = self._entries[identity]
        if offset > entry.offset:  # positions only grow; a smaller one (never sent) would only reread
            entry.offset = offset
            self._dirty = True
        end = self._ends.get(identity)
        if end is not None and entry.offset >= end and not entry.complete:
            entry.complete = True
            self._dirty = True
            self._last = -self.interval  # a file done to its end is written at once

    @_locked
    def finished(self, path: str, end: int) -> None:
        """The reader of `path` reached its end at `end` (done only once `done(path, end)` says so)."""
        identity = self._sources.get(path)
        if identity is None:
            return
        self._ends[identity] = end
        entry = self._entries[identity]
        if entry.offset >= end and not entry.complete:  # done there already (or nothing was left to read)
            entry.complete = True
            self._dirty = True
            self.write()

    @_locked
    def write_if_due(self) -> bool:
        """Write the record if it changed and `interval` passed since the last write (or a file completed)."""
        if self._dirty and time.monotonic() - self._last >= self.interval:
            self.write()
            return True
        return False

    @_locked
    def write(self) -> None:
        """Write the record now, atomically (temporary file, fsync, rename, fsync of the directory)."""
        doc = {"version": _VERSION, "files": {k: v.to_json() for k, v in self._entries.items()}}
        data = orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        temporary = f"{self.path}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._dirty = False
        self._last = time.monotonic()
        self.writes += 1

    @_locked
    def flush(self) -> None:
        """Write the record if anything changed since the last write."""
        if self._dirty:
            self.write()

    @_locked
    def close(self) -> None:
        """Write what is left and let go of the record."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        try:
            self.flush()
        finally:
            os.close(self._lock)

    def __enter__(self) -> "OffsetsRecord":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
