"""A batch job: container log files (or stdin) through a pipeline to NDJSON, rejects to the DLQ."""

from __future__ import annotations

import gc
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from ..event import Event
from ..pipeline import BATCH_SIZE, Pipeline
from ..pipeline.steps import failure_of
from ..sinks.dead_letter import DeadLetterQueue
from ..sinks.ndjson import NdjsonWriter
from ..sources.container_files import LogFormat, Record, Rejected, decode_lines

__all__ = ["BatchSummary", "run_batch", "tune_gc_for_throughput"]


@dataclass
class BatchSummary:
    """What a batch job did: counts in, out, dropped and rejected, by level and by tag."""

    read: int = 0
    emitted: int = 0
    dropped: int = 0
    rejected: int = 0
    by_level: Counter = field(default_factory=Counter)
    by_tag: Counter = field(default_factory=Counter)

    def render(self) -> str:
        lines = [
            f"read {self.read}, emitted {self.emitted}, dropped by filters {self.dropped}, "
            f"rejected to the dead letter queue {self.rejected}"
        ]
        if self.by_level:
            lines.append("by level: " + ", ".join(f"{k} {v}" for k, v in self.by_level.most_common()))
        if self.by_tag:
            lines.append("by tag:   " + ", ".join(f"{k} {v}" for k, v in self.by_tag.most_common()))
        return "\n".join(lines)


def _records(paths: Iterable[str], fmt: LogFormat) -> Iterator[Record | Rejected]:
    for path in paths:
        if path == "-":
            yield from decode_lines(sys.stdin.buffer, "<stdin>", fmt)
        else:
            with Path(path).open("rb") as fh:
                yield from decode_lines(fh, path, fmt)


def _level(event: Event) -> str | None:
    level = event.get("[log][level]")
    if level is None:
        level = event.get("level")
    if isinstance(level, list):
        level = level[0] if level else None
    return str(level) if level is not None else None


def tune_gc_for_throughput() -> None:
    """For a process that only runs pipelines (the CLI, the sidecar): move everything allocated at
    start-up out of the collector's sight and collect the youngest generation less often. Events
    hold no reference cycles, so this only saves collector passes (5 to 10% of a batch's time, measured)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)


def run_batch(
    pipeline: Pipeline,
    paths: Iterable[str],
    out: BinaryIO,
    dead_letters: DeadLetterQueue,
    *,
    fmt: LogFormat = "auto",
    batch_size: int = BATCH_SIZE,
) -> BatchSummary:
    """Read every record, run them through the pipeline in batches, write what comes out."""
    summary = BatchSummary()
    writer = NdjsonWriter(out)
    batch: list[Event] = []

    def flush() -> None:
        if not batch:
            return
        results = pipeline.process(batch)
        summary.dropped += len(batch) - len(results)
        good = []
        for event in results:
            reason = failure_of(event)
            if reason is not None:
                dead_letters.put(reason, place=str(event.get("[log][file][path]", "")), event=event)
                summary.rejected += 1
                continue
            good.append(event)
            level = _level(event)
            if level is not None:
                summary.by_level[level] += 1
            summary.by_tag.update(event.tags)
        summary.emitted += writer.write(good)
        batch.clear()

    for record in _records(paths, fmt):
        summary.read += 1
        if isinstance(record, Rejected):
            dead_letters.put(record.reason, place=record.place, stage="decode", original=record.raw)
            summary.rejected += 1
            continue
        batch.append(Event.from_lazy(record.event))
        if len(batch) >= batch_size:
            flush()
    flush()
    writer.flush()
    dead_letters.flush()
    return summary
