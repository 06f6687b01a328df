"""The runtime loop: read batches -> `Pipeline.process` -> dead letters and outputs -> done.

One loop for every input: a file `ReadBatch` (events, decode rejects, the byte offset past them)
and a source `Batch` (events and the `Ack` of the read: a Kafka fetch, a Beats window) go through
the same code; `IDLE` (a source had nothing within its poll timeout) writes what is held now.

For each batch read: decode rejects and events a filter failed go to the dead letter queue (stages
"decode" and "filter"); the rest are routed to the outputs and held per output until it holds its
delivery batch (the sink's `delivery_size`, else `DELIVERY_SIZE`: local files and stdout take each
batch as it comes, as holding them gains nothing and loses the CPU caches), the source goes idle, or
`max_delay` seconds passed since the oldest was held. Then that output writes them and answers one
outcome per event. A batch counts as done when no output holds any of its events any more and the
dead letter queue is synced after its entries: `on_done(positions)` then gets the byte offset just
past the last record done, per file source (what a source may acknowledge), and a source batch's
Ack is settled once per event: REJECTED for an event in the dead letter queue (decode, filter,
routing or an output's DEAD_LETTERED), DELIVERED for the rest (indexed, duplicate, dropped by a
filter). An event a filter spawned (clone, split) has no position of its own: its parent's is
settled when the parent is done (it waits for the spawned events too, being in the same batch), and
a spawned event's rejection is in the dead letter queue, not in the parent's status. A write that raises (`DeliveryStopped` at shutdown) ends the
loop with the exception: nothing held or unsettled is acknowledged.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from ..errors import DeliveryError
from ..event import Event, field_ref
from ..pipeline import BATCH_SIZE, Pipeline
from ..pipeline.steps import failure_of
from ..sinks.base import PROVENANCE, Outcome, place_of
from ..acks import DELIVERED, REJECTED
from ..sinks.dead_letter import DeadLetterQueue
from ..sources.base import Batch
from ..sources.container_files import ReadBatch, unterminated
from .routing import Router

__all__ = ["RunSummary", "run_loop", "DELIVERY_SIZE", "MAX_DELAY", "IDLE"]

_FLUSHED = "<periodic flush>"  # the source of the empty batch a due flush rides on when nothing was read

IDLE = ReadBatch(source="", end=0, idle=True)  #: "nothing came within the poll timeout": write what is held
_REJECTED_MARK = "_rejected"  # set in an event's provenance when it went to the dead letter queue

DELIVERY_SIZE = 1000  #: events an output holds before it writes them
MAX_DELAY = 1.0  #: seconds the oldest held event may wait for more before it is written
KEEPALIVE_SECONDS = 1.0  #: while the loop waits for a writer, how often the intake's sources are served

_OUTCOMES = tuple(Outcome)
_LEVEL = field_ref("[log][level]")
_BARE_LEVEL = field_ref("level")


@dataclass
class RunSummary:
    """What a run did: counts in, out, dropped and rejected, by level and tag, outcomes per output."""

    read: int = 0
    emitted: int = 0
    dropped: int = 0
    rejected: int = 0
    settled: int = 0  # records whose batch is done: acknowledged (source batches) or reported to on_done (files)
    by_stage: Counter = field(default_factory=Counter)  # dead letters by stage: decode, filter, output
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


def _mark_rejected(event: Event) -> None:
    info = event.metadata.get(PROVENANCE)
    if info.__class__ is dict:
        info[_REJECTED_MARK] = True


def _settle(batch: Batch, scan: bool) -> None:
    """Settle every event of a source batch: REJECTED where its provenance says it was dead-lettered."""
    ack, events = batch.ack, batch.events
    if not scan:
        ack.settle(0, len(events), DELIVERED)
        return
    statuses = []
    for event in events:
        info = event.metadata.get(PROVENANCE)
        statuses.append(REJECTED if info.__class__ is dict and info.get(_REJECTED_MARK) else DELIVERED)
    ack.settle_each(0, statuses)


def run_loop(
    batches: Iterable[ReadBatch | Batch],
    pipeline: Pipeline,
    router: Router,
    dead_letters: DeadLetterQueue,
    *,
    summary: RunSummary | None = None,
    delivery_size: int = DELIVERY_SIZE,
    max_delay: float = MAX_DELAY,
    on_done: Callable[[dict[str, int]], Any] | None = None,
    tick: Callable[[RunSummary], Any] | None = None,
    tick_interval: float = 1.0,
    writing: Callable[[str | None], Any] | None = None,
    background: Sequence[bool] | None = None,
    batch_size: int = BATCH_SIZE,
    count_levels: bool = True,
) -> RunSummary:
    """Run every batch through the pipeline to the outputs; see the module docstring.

    `tick(summary)` is called at most every `tick_interval` seconds between batches (telemetry,
    heartbeat); `writing(name)` before an output writes and `writing(None)` after (readiness).
    `background[i]`: output i writes on a thread of its own (a remote destination: the pipeline
    runs the next delivery batch while a request is in flight; one write in flight and one waiting,
    so a slow output still stops the loop); its answers are read between batches, in order. While
    the loop waits for such a writer, it calls `batches.keepalive()` when there is one (a Kafka
    source polled on the loop's thread serves its group meanwhile).
    A read larger than `batch_size` (a Kafka fetch, a Beats window of 2048) goes through the
    pipeline `batch_size` events at a time, each slice on to its outputs' encoding before the next
    (a deferred source `Batch` is decoded slice by slice too): each pass stays in the CPU caches.
    An output with `prepare(events, delivery)` and `send(delivery)` (Elasticsearch) has each routed
    pipeline batch encoded here, on the loop's thread while the batch is still in the CPU caches, and
    `send` (on its thread) then holds only bytes; when it is the only output, `prepare(..., release=True)`
    also drops the encoded events' fields (what is held until the answer is their metadata).
    `count_levels=False` (the sidecar, which reports no levels) counts tags only."""
    summary = summary if summary is not None else RunSummary()
    if on_done is None:  # a reader that keeps an offsets record (batch_job.FileBatches) takes the positions
        on_done = getattr(batches, "on_done", None)
    keepalive = getattr(batches, "keepalive", None)  # an intake whose sources must be served while the loop waits
    outputs = router.outputs
    for sink in outputs:
        summary.outputs.setdefault(sink.name, Counter())
    count = len(outputs)
    held: list[list[Event]] = [[] for _ in outputs]
    preparers = [getattr(sink, "prepare", None) if hasattr(sink, "send") else None for sink in outputs]
    deliveries: list[Any] = [None] * count  # per output: what `prepare` encoded of held[i]
    # One output that encodes on `prepare`: nothing reads an event's fields after that (the loop reads
    # only its metadata), so the output drops them while hot; with more outputs another may still read them.
    release = count == 1 and preparers[0] is not None
    sizes = [getattr(sink, "delivery_size", None) or delivery_size for sink in outputs]
    oldest: list[int | None] = [None] * count  # per output: the first batch it holds events of
    since: list[float] = [0.0] * count  # per output: when it started holding them
    waiting: deque[tuple[int, ReadBatch | Batch]] = deque()  # batches not done yet, with their number
    by_level, by_tag, by_stage = summary.by_level, summary.by_tag, summary.by_stage
    number = 0
    unsynced = False
    next_tick = time.monotonic() + tick_interval if tick is not None else float("inf")
    flushes = getattr(pipeline, "flushes", False)  # the loop's view of a pipeline: `process`, and `flush` if it flushes
    flush_every = pipeline.FLUSH_SECONDS if flushes else 0.0
    next_flush = time.monotonic() + flush_every if flushes else float("inf")
    writers: list[_Writer | None] = [
        _Writer(sink, writing, keepalive) if background is not None and background[i] else None for i, sink in enumerate(outputs)
    ]
    inflight: list[deque[int]] = [deque() for _ in outputs]  # per output: first batch number of each write in flight
    threaded = any(w is not None for w in writers)

    def put(reason: str, **where: Any) -> None:
        nonlocal unsynced
        unsynced = True
        by_stage[where["stage"]] += 1
        dead_letters.put(reason, **where)

    def write(i: int) -> None:
        writer = writers[i]
        if writer is not None:  # handed over; answered() reads the outcomes
            inflight[i].append(oldest[i])  # type: ignore[arg-type]
            oldest[i] = None
            events, held[i] = held[i], []
            delivery, deliveries[i] = deliveries[i], None
            writer.submit(events, delivery)
            return
        sink, events = outputs[i], held[i]
        delivery, deliveries[i] = deliveries[i], None
        if writing is not None:
            writing(sink.name)
        outcomes = sink.write(events) if delivery is None else sink.send(delivery)
        if writing is not None:
            writing(None)
        took(i, events, outcomes)
        events.clear()
        oldest[i] = None

    def took(i: int, events: list[Event], outcomes: list[Outcome]) -> None:
        """Output i answered `outcomes` for `events`: counted, and dead-lettered ones marked."""
        nonlocal unsynced
        sink = outputs[i]
        if len(outcomes) != len(events):
            raise DeliveryError(f"output {sink.name} answered {len(outcomes)} outcomes for {len(events)} events")
        counted = summary.outputs[sink.name]
        for outcome in _OUTCOMES:  # list.count, in C: a Counter.update hashes every element
            n = outcomes.count(outcome)
            if n:
                counted[outcome] += n
        if Outcome.DEAD_LETTERED in outcomes:  # the sink put records; they are synced before done
            unsynced = True
            dead = Outcome.DEAD_LETTERED
            for event, outcome in zip(events, outcomes):
                if outcome == dead:
                    _mark_rejected(event)

    def answered(wait: bool = False) -> None:
        """Read what the background writers finished (all of it when `wait`); their errors raise here."""
        for i, writer in enumerate(writers):
            if writer is None:
                continue
            while inflight[i]:
                result = writer.result(wait)
                if result is None:
                    break
                events, outcomes, error = result
                if error is not None:
                    raise error
                took(i, events, outcomes)
                inflight[i].popleft()

    def settle() -> None:
        """Batches no output holds events of are done, once the dead letter queue is synced."""
        if threaded:
            answered()
        held_from = [o for o in oldest if o is not None]
        if threaded:
            held_from.extend(q[0] for q in inflight if q)
        done_upto = min(held_from) - 1 if held_from else number
        if not waiting or waiting[0][0] > done_upto:
            return
        nonlocal unsynced
        scan = unsynced  # something was dead-lettered since the last settle: look for it per event
        if unsynced:  # entries put since the last sync (a sync of nothing still costs an fsync)
            dead_letters.sync()
            unsynced = False
        positions: dict[str, int] = {}
        while waiting and waiting[0][0] <= done_upto:
            _, done = waiting.popleft()
            if done.__class__ is Batch:
                _settle(done, scan)  # type: ignore[arg-type]
                summary.settled += len(done.events)
            elif done.source is not _FLUSHED:  # type: ignore[union-attr]
                positions[done.source] = done.end  # type: ignore[union-attr]
                summary.settled += len(done.events) + len(done.rejected)  # type: ignore[union-attr]
        if on_done is not None and positions:
            on_done(positions)

    def deliver(good: list[Event]) -> None:
        """One pipeline batch's events out of the filters: a filter's failures to the dead letter queue,
        levels and tags counted, routed, held per output and encoded by those that `prepare`."""
        halted = [event for event in good if event.halted]  # halted and not cancelled: a filter failed it
        if halted:
            failed = False
            for event in halted:
                reason = failure_of(event)
                if reason is not None:
                    info = event.metadata[PROVENANCE]
                    put(reason, place=place_of(info), stage="filter", original=_original(info),
                        event=event, plugin=info.get("at"), error_type="filter_error")
                    info[_REJECTED_MARK] = True
                    summary.rejected += 1
                    failed = True
            if failed:
                good = [e for e in good if not (e.halted and failure_of(e) is not None)]
                if not good:
                    return
        tagged: list[str] = []  # counted once per batch by Counter.update (C), not per event
        if count_levels:  # `[log][level]` as a string, read in a comprehension (no call an event); else `_level`
            levels = [
                level if (level := log.get("level") if (log := e._data.get("log")).__class__ is dict else None
                          ).__class__ is str else _level(e)
                for e in good
            ]
            by_level.update(levels)
            if None in by_level:  # events without a level
                del by_level[None]
        for event in [e for e in good if e._data.get("tags")]:  # the fields as held, without a call per event
            tags = event._data["tags"]
            tagged.extend(tags if tags.__class__ is list else event.tags)
        if tagged:
            by_tag.update(tagged)
        routed, failed_routes = router.route(good)
        for event, reason in failed_routes:
            info = event.metadata.get(PROVENANCE) or {}
            put(reason, place=place_of(info), stage="output", original=_original(info),
                event=event, error_type="routing_error")
            _mark_rejected(event)
        summary.rejected += len(failed_routes)
        summary.emitted += len(good) - len(failed_routes)
        for i, events_for in enumerate(routed):
            if events_for:
                if oldest[i] is None:
                    oldest[i], since[i] = number, time.monotonic()
                held[i].extend(events_for)
                prepare = preparers[i]
                if prepare is not None:  # encoded now, while these events are in the CPU caches
                    deliveries[i] = prepare(events_for, deliveries[i], release=release)

    for batch in batches:
        if batch is IDLE and time.monotonic() >= next_flush:
            batch = ReadBatch(_FLUSHED, 0, idle=True)  # nothing read, but a periodic flush is due
        if batch is IDLE:  # a source had nothing for a while: what is held goes out now
            for i in range(count):
                if held[i]:
                    write(i)
            settle()
            if time.monotonic() >= next_tick:
                tick(summary)  # type: ignore[misc]
                next_tick = time.monotonic() + tick_interval
            continue
        from_source = batch.__class__ is Batch
        if from_source:
            summary.read += len(batch)
        else:
            summary.read += len(batch.events) + len(batch.rejected)
            for rejected in batch.rejected:
                put(rejected.reason, place=rejected.place, stage="decode", original=rejected.raw)
            summary.rejected += len(batch.rejected)
        number += 1
        if from_source:
            slices = batch.slices(batch_size)  # a deferred read is decoded a slice at a time, as it is reached
        else:
            events = batch.events
            slices = [events] if len(events) <= batch_size else [events[k:k + batch_size] for k in range(0, len(events), batch_size)]
        for events in slices:  # each pipeline batch through to its outputs' encoding while it is in the CPU caches
            good = pipeline.process(events)
            summary.dropped += len(events) - len(good)
            if good:
                deliver(good)
        if time.monotonic() >= next_flush:  # Logstash's periodic flush (elapsed's expired starts)
            next_flush = time.monotonic() + flush_every
            flushed = pipeline.flush()
            if flushed:  # new events, delivered with this batch; no source position is theirs
                deliver(flushed)
        waiting.append((number, batch))
        now = time.monotonic()
        idle = not from_source and batch.idle
        for i in range(count):
            if held[i] and (len(held[i]) >= sizes[i] or idle or now - since[i] >= max_delay):
                write(i)
        settle()
        if now >= next_tick:
            tick(summary)  # type: ignore[misc]
            next_tick = time.monotonic() + tick_interval
        # Let go of this batch before the next is read: what `waiting` or an output still holds stays,
        # the rest is freed now, so the next batch is decoded into the memory this one used, still in
        # the CPU caches (held through these names until the next read, two batches' objects take
        # turns in twice the memory: L2 misses 103 -> 56 an event in a cache simulation, 2026-12)
        batch = events = slices = good = None  # type: ignore[assignment]
    try:
        for i in range(count):
            if held[i]:
                write(i)
        if threaded:
            answered(wait=True)
        settle()
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()
    if tick is not None:
        tick(summary)
    return summary


class _Writer:
    """One output's writes on a thread of its own: at most one write in flight and one waiting
    (`submit` blocks past that: backpressure); results come back in order through `result`.
    While it blocks, `keepalive()` is called every KEEPALIVE_SECONDS."""

    __slots__ = ("sink", "writing", "keepalive", "_jobs", "_results", "_thread")

    def __init__(self, sink: Any, writing: Callable[[str | None], Any] | None, keepalive: Callable[[], Any] | None = None) -> None:
        self.sink, self.writing, self.keepalive = sink, writing, keepalive
        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._results: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"write-{sink.name}", daemon=True)
        self._thread.start()

    def submit(self, events: list[Event], delivery: Any = None) -> None:
        """Hand over `events` (with what the sink's `prepare` made of them, if anything)."""
        job = (events, delivery)
        keepalive = self.keepalive
        if keepalive is None:
            self._jobs.put(job)
            return
        while True:
            try:
                self._jobs.put(job, timeout=KEEPALIVE_SECONDS)
                return
            except queue.Full:
                keepalive()

    def result(self, wait: bool) -> tuple[list[Event], Any, BaseException | None] | None:
        keepalive = self.keepalive
        if not wait or keepalive is None:
            try:
                return self._results.get(block=wait)
            except queue.Empty:
                return None
        while True:
            try:
                return self._results.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                keepalive()

    def _run(self) -> None:
        sink, writing = self.sink, self.writing
        while True:
            job = self._jobs.get()
            if job is None:
                return
            events, delivery = job
            job = None
            try:
                if writing is not None:
                    writing(sink.name)
                outcomes = sink.write(events) if delivery is None else sink.send(delivery)
                if writing is not None:
                    writing(None)
            except BaseException as exc:  # noqa: BLE001 (handed to the loop, which raises it)
                delivery = None
                self._results.put((events, None, exc))
            else:
                # nothing of the write is kept here: the events die on the loop's thread, which settles them
                # (a dict freed by this thread while the loop runs costs both threads the GIL and the caches)
                delivery = None
                self._results.put((events, outcomes, None))
            events = outcomes = None

    def close(self) -> None:
        """End the thread once the writes handed over are done (or failed)."""
        try:
            self._jobs.put(None, timeout=0.1)
        except queue.Full:  # a write is stuck (the loop is raising past it): the daemon thread is left
            pass
