"""The runtime loop: read batches -> `Pipeline.process` -> dead letters and outputs -> done.

For each batch read: decode rejects and events a filter failed go to the dead letter queue (stages
"decode" and "filter"); the rest are routed to the outputs and held per output until it holds its
delivery batch (the sink's `delivery_size`, else `DELIVERY_SIZE`: local files and stdout take each
batch as it comes, as holding them gains nothing and loses the CPU caches), the source goes idle, or
`max_delay` seconds passed since the oldest was held. Then that output writes them and answers one
outcome per event. A batch counts as done when no output holds any of its events any more and the
dead letter queue is synced after its entries: `on_done(positions)` then gets the byte offset just
past the last record done, per source (what a source may acknowledge).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..errors import DeliveryError
from ..event import Event, field_ref
from ..pipeline import Pipeline
from ..pipeline.steps import failure_of
from ..sinks.base import PROVENANCE, Outcome
from ..sinks.dead_letter import DeadLetterQueue
from ..sources.container_files import ReadBatch, unterminated
from .routing import Router

__all__ = ["RunSummary", "run_loop", "DELIVERY_SIZE", "MAX_DELAY"]

DELIVERY_SIZE = 1000  #: events an output holds before it writes them
MAX_DELAY = 1.0  #: seconds the oldest held event may wait for more before it is written

_LEVEL = field_ref("[log][level]")
_BARE_LEVEL = field_ref("level")


@dataclass
class RunSummary:
    """What a run did: counts in, out, dropped and rejected, by level and tag, outcomes per output."""

    read: int = 0
    emitted: int = 0
    dropped: int = 0
    rejected: int = 0
    by_level: Counter = field(default_factory=Counter)
    by_tag: Counter = field(default_factory=Counter)
    outputs: dict[str, Counter] = field(default_factory=dict)

    def render(self) -> str:
        lines = [
            f"read {self.read}, emitted {self.emitted}, dropped by filters {self.dropped}, "
            f"rejected to the dead letter queue {self.rejected}"
        ]
        if self.by_level:
            lines.append("by level: " + ", ".join(f"{k} {v}" for k, v in self.by_level.most_common()))
        if self.by_tag:
            lines.append("by tag:   " + ", ".join(f"{k} {v}" for k, v in self.by_tag.most_common()))
        for name, outcomes in self.outputs.items():
            counts = ", ".join(f"{o.name.lower().replace('_', ' ')} {outcomes[o]}" for o in Outcome if outcomes[o])
            lines.append(f"output {name}: {counts or 'no events'}")
        return "\n".join(lines)


def _original(info: dict) -> bytes | None:
    """The input as read, for a dead letter: without its line terminator, as decode rejects are."""
    original = info.get("original")
    return unterminated(original) if isinstance(original, bytes) else original


def _level(event: Event) -> str | None:
    level = event.get(_LEVEL)
    if level is None:
        level = event.get(_BARE_LEVEL)
    if isinstance(level, list):
        level = level[0] if level else None
    return str(level) if level is not None else None


def run_loop(
    batches: Iterable[ReadBatch],
    pipeline: Pipeline,
    router: Router,
    dead_letters: DeadLetterQueue,
    *,
    summary: RunSummary | None = None,
    delivery_size: int = DELIVERY_SIZE,
    max_delay: float = MAX_DELAY,
    on_done: Callable[[dict[str, int]], Any] | None = None,
) -> RunSummary:
    """Run every batch through the pipeline to the outputs; see the module docstring."""
    summary = summary if summary is not None else RunSummary()
    if on_done is None:  # a reader that keeps an offsets record (batch_job.FileBatches) takes the positions
        on_done = getattr(batches, "on_done", None)
    outputs = router.outputs
    for sink in outputs:
        summary.outputs.setdefault(sink.name, Counter())
    count = len(outputs)
    held: list[list[Event]] = [[] for _ in outputs]
    sizes = [getattr(sink, "delivery_size", None) or delivery_size for sink in outputs]
    oldest: list[int | None] = [None] * count  # per output: the first batch it holds events of
    since: list[float] = [0.0] * count  # per output: when it started holding them
    waiting: deque[tuple[int, str, int]] = deque()  # batches not done yet: (number, source, end)
    by_level, by_tag = summary.by_level, summary.by_tag
    number = 0
    unsynced = False

    def put(reason: str, **where: Any) -> None:
        nonlocal unsynced
        unsynced = True
        dead_letters.put(reason, **where)

    def write(i: int) -> None:
        sink, events = outputs[i], held[i]
        outcomes = sink.write(events)
        if len(outcomes) != len(events):
            raise DeliveryError(f"output {sink.name} answered {len(outcomes)} outcomes for {len(events)} events")
        summary.outputs[sink.name].update(outcomes)
        if Outcome.DEAD_LETTERED in outcomes:  # the sink put records; they are synced before done
            nonlocal unsynced
            unsynced = True
        events.clear()
        oldest[i] = None

    def settle() -> None:
        """Batches no output holds events of are done, once the dead letter queue is synced."""
        held_from = [o for o in oldest if o is not None]
        done_upto = min(held_from) - 1 if held_from else number
        if not waiting or waiting[0][0] > done_upto:
            return
        nonlocal unsynced
        if unsynced:  # entries put since the last sync (a sync of nothing still costs an fsync)
            dead_letters.sync()
            unsynced = False
        positions: dict[str, int] = {}
        while waiting and waiting[0][0] <= done_upto:
            _, source, end = waiting.popleft()
            positions[source] = end
        if on_done is not None:
            on_done(positions)

    for batch in batches:
        summary.read += len(batch.events) + len(batch.rejected)
        for rejected in batch.rejected:
            put(rejected.reason, place=rejected.place, stage="decode", original=rejected.raw)
        summary.rejected += len(batch.rejected)
        events = batch.events
        good: list[Event] = []
        if events:
            good = pipeline.process(events)
            summary.dropped += len(events) - len(good)
            failed = False
            for event in good:
                if event.halted:  # halted and not cancelled: a filter failed it (`steps.fail_event`)
                    reason = failure_of(event)
                    if reason is not None:
                        info = event.metadata[PROVENANCE]
                        put(reason, place=info.get("place", ""), stage="filter", original=_original(info),
                            event=event, plugin=info.get("at"), error_type="filter_error")
                        summary.rejected += 1
                        failed = True
                        continue
                data = event.raw_fields()
                log = data.get("log")
                level = log.get("level") if log.__class__ is dict else None
                if level.__class__ is str:
                    by_level[level] += 1
                else:
                    level = _level(event)
                    if level is not None:
                        by_level[level] += 1
                tags = data.get("tags")
                if tags:
                    by_tag.update(tags if tags.__class__ is list else event.tags)
            if failed:
                good = [e for e in good if not (e.halted and failure_of(e) is not None)]
        number += 1
        if good:
            routed, failed = router.route(good)
            for event, reason in failed:
                info = event.metadata.get(PROVENANCE) or {}
                put(reason, place=info.get("place", ""), stage="output", original=_original(info),
                    event=event, error_type="routing_error")
            summary.rejected += len(failed)
            summary.emitted += len(good) - len(failed)
            for i, events_for in enumerate(routed):
                if events_for:
                    if oldest[i] is None:
                        oldest[i], since[i] = number, time.monotonic()
                    held[i].extend(events_for)
        waiting.append((number, batch.source, batch.end))
        for i in range(count):
            if held[i] and (len(held[i]) >= sizes[i] or batch.idle or time.monotonic() - since[i] >= max_delay):
                write(i)
        settle()
    for i in range(count):
        if held[i]:
            write(i)
    settle()
    return summary
