"""A batch job: container log files (or stdin) through a pipeline to its outputs, rejects to the DLQ."""

from __future__ import annotations

import gc
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from ..errors import ConfigError
from ..pipeline import BATCH_SIZE, Pipeline
from ..sinks.dead_letter import DeadLetterQueue
from ..sinks.ndjson import NdjsonSink
from ..sources.container_files import LogFormat, ReadBatch, open_log, read_batches
from .loop import DELIVERY_SIZE, RunSummary, run_loop
from .routing import Router

__all__ = ["BatchSummary", "run_batch", "read_paths", "check_paths", "tune_gc_for_throughput"]

BatchSummary = RunSummary  # the name this module gave it first


def tune_gc_for_throughput() -> None:
    """For a process that only runs pipelines (the CLI, the sidecar): move everything allocated at
    start-up out of the collector's sight and collect the youngest generation less often. Events
    hold no reference cycles, so this only saves collector passes (5 to 10% of a batch's time, measured)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)


def check_paths(paths: Iterable[str]) -> None:
    """Raise one clear error for the first input that is missing or not a file ('-' is stdin)."""
    for path in paths:
        if path == "-":
            continue
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise ConfigError(f"input {path}: no such file") from None
        except OSError as exc:
            raise ConfigError(f"input {path}: {exc.strerror}") from None
        if stat.S_ISDIR(mode):
            raise ConfigError(f"input {path}: is a directory; name the log files in it (a shell glob: {path}/*.log)")


def read_paths(paths: Iterable[str | tuple[str, LogFormat]], fmt: LogFormat = "auto", batch_size: int = BATCH_SIZE) -> Iterator[ReadBatch]:
    """Batches of every file in turn, each in `fmt` or the format paired with it; '-' reads
    standard input as it arrives."""
    for item in paths:
        path, fmt_of = (item, fmt) if isinstance(item, str) else item
        if path == "-":
            stdin = sys.stdin.buffer
            streaming = not stat.S_ISREG(os.fstat(stdin.fileno()).st_mode)
            yield from read_batches(stdin, "<stdin>", fmt_of, batch_size, streaming=streaming)
        else:
            with open_log(path) as fh:
                yield from read_batches(fh, path, fmt_of, batch_size)


def run_batch(
    pipeline: Pipeline,
    paths: Iterable[str],
    outputs: Router | BinaryIO,
    dead_letters: DeadLetterQueue,
    *,
    fmt: LogFormat = "auto",
    batch_size: int = BATCH_SIZE,
    delivery_size: int = DELIVERY_SIZE,
    on_done: Callable[[dict[str, int]], Any] | None = None,
) -> RunSummary:
    """Read every record, run them through the pipeline in batches, deliver what comes out to the
    router's outputs (or, given a binary stream, as NDJSON to it)."""
    router = outputs if isinstance(outputs, Router) else Router([NdjsonSink(outputs)], (0,))
    paths = list(paths)
    check_paths(paths)
    return run_loop(read_paths(paths, fmt, batch_size), pipeline, router, dead_letters, delivery_size=delivery_size, on_done=on_done)
