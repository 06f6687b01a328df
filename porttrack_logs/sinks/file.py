"""The `file` output: events to files named per event by a sprintf path, as Logstash's file output.

A constant path is one open file; a path with `%{...}` is rendered per event and the batch is
grouped by file. Every `write` reaches the operating system before it returns its outcomes;
`flush_interval` is the most seconds between fsyncs (0: every write). Files not written for
`stale_cleanup_interval` seconds are closed, and reopened when needed.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Sequence

from ..errors import DeliveryError, EventError
from ..event import Event, Template
from .base import Outcome, SinkContext

if TYPE_CHECKING:
    from .settings import FileOutput

__all__ = ["FileSink"]


class _Open:
    __slots__ = ("path", "stream", "raw", "used")

    def __init__(self, path: str, stream: BinaryIO, raw: BinaryIO) -> None:
        self.path, self.stream, self.raw, self.used = path, stream, raw, time.monotonic()


class FileSink:
    """Appends (or overwrites) encoded events to the files their path names."""

    delivery_size = 1  #: a local write: each batch is written as it comes (see runtime.loop)
    __slots__ = (
        "name", "_template", "_encode", "_root", "_failure", "_gzip", "_overwrite", "_recreate",
        "_dir_mode", "_file_mode", "_fsync_every", "_stale_after", "_files", "_synced", "_truncate", "_warned",
    )

    def __init__(self, settings: "FileOutput", context: SinkContext, *, truncate: bool = False) -> None:
        """`truncate`: start the file empty (the command's `-o`, as a shell's `>`), whatever `write_behavior`."""
        self.name = context.plugin_id
        self._template = Template(settings.path)
        self._encode = settings.codec.encoder()
        static = settings.path.split("%{", 1)[0]
        self._root = os.path.abspath(os.path.dirname(static) if "%{" in settings.path else os.path.dirname(settings.path) or ".")
        self._failure = os.path.join(self._root, settings.filename_failure)
        self._gzip = settings.gzip
        self._overwrite = settings.write_behavior == "overwrite"
        self._recreate = settings.create_if_deleted
        self._dir_mode = settings.dir_mode
        self._file_mode = settings.file_mode
        self._fsync_every = settings.flush_interval
        self._stale_after = settings.stale_cleanup_interval
        self._files: dict[str, _Open] = {}
        self._synced = time.monotonic()
        self._truncate = truncate
        self._warned = False

    def write(self, events: Sequence[Event]) -> list[Outcome]:
        if not events:
            return []
        try:
            if self._template.constant:
                self._put(self._template.text, events)
            else:
                for path, group in self._by_path(events).items():
                    self._put(path, group)
            self._settle()
        except OSError as exc:
            raise DeliveryError(f"{self.name}: cannot write {exc.filename or ''}: {exc.strerror or exc}") from exc
        return [Outcome.INDEXED] * len(events)

    def _by_path(self, events: Sequence[Event]) -> dict[str, list[Event]]:
        groups: dict[str, list[Event]] = {}
        render, root = self._template.render, self._root + os.sep
        for event in events:
            try:
                path = render(event)
            except EventError:
                path = self._failure
            else:
                if not os.path.abspath(path).startswith(root):  # `..` out of the directory, as Logstash refuses
                    path = self._failure
            if path == self._failure and not self._warned:
                self._warned = True
                print(f"porttrack-logs: {self.name}: an event's path cannot be used; such events go to {path}", file=sys.stderr)
            groups.setdefault(path, []).append(event)
        return groups

    def _put(self, path: str, events: Sequence[Event]) -> None:
        if self._overwrite:
            events = events[-1:]  # as Logstash's overwrite: only the most recent event stays
        handle = self._handle(path)
        if self._overwrite:
            if handle.stream is not handle.raw:
                handle.stream.close()  # the old member's trailer goes before the truncation, not after
            handle.raw.seek(0)
            handle.raw.truncate()
            if self._gzip:
                handle.stream = gzip.GzipFile(fileobj=handle.raw, mode="wb")
        handle.stream.write(self._encode(events))
        handle.stream.flush()
        if handle.stream is not handle.raw:
            handle.raw.flush()
        handle.used = time.monotonic()

    def _handle(self, path: str) -> _Open:
        handle = self._files.get(path)
        if handle is not None and self._recreate and not os.path.exists(path):
            self._close(handle)
            handle = None
        if handle is None:
            handle = self._files[path] = self._open(path)
        return handle

    def _open(self, path: str) -> _Open:
        directory = os.path.dirname(path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
            if self._dir_mode != -1:
                os.chmod(directory, self._dir_mode)
        existed = os.path.exists(path)
        raw: BinaryIO = open(path, "wb" if self._truncate else "ab")  # noqa: SIM115
        self._truncate = False  # only the first open: a file reopened later is appended to
        if not existed and self._file_mode != -1:
            os.chmod(path, self._file_mode)
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="ab") if self._gzip else raw  # type: ignore[assignment]
        return _Open(path, stream, raw)

    def _settle(self) -> None:
        now = time.monotonic()
        if now - self._synced >= self._fsync_every:
            for handle in self._files.values():
                os.fsync(handle.raw.fileno())
            self._synced = now
        if len(self._files) > 1:
            for path, handle in list(self._files.items()):
                if now - handle.used > self._stale_after:
                    self._close(handle)
                    del self._files[path]

    def _close(self, handle: _Open) -> None:
        if handle.stream is not handle.raw:
            handle.stream.close()  # writes the gzip trailer; leaves the file open
        handle.raw.flush()
        os.fsync(handle.raw.fileno())
        handle.raw.close()

    def stop(self) -> None:
        """Writes to local files do not block on a destination; nothing to interrupt."""

    def close(self) -> None:
        for handle in self._files.values():
            self._close(handle)
        self._files.clear()
