"""The record files of the kill -9 test processes (tests/sources/*/..._and_record.py)."""

from __future__ import annotations

import os


def end_torn_line(fd: int) -> None:
    """A kill -9 can cut a write short (the kernel stops between pages): end such a torn last line,
    so this run's lines start on their own (its events were never settled, so they come again)."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size and os.pread(fd, 1, size - 1) != b"\n":
        os.write(fd, b"\n")
