"""Replay: send the queue's records again (through a pipeline first, when given) and keep only
what is still rejected, in one atomic rewrite of the queue.

What is sent for a record:
  - with a pipeline and an original input: the input decoded again (`decode`) and run through it,
    as the runtime would (e.g. after a grok fix);
  - otherwise, for a record of an output: the event as it was when the output rejected it
    (e.g. after a template fix);
  - otherwise (a decode or filter record and no pipeline, or nothing to send): nothing, the record stays.

Records whose events come back INDEXED or DUPLICATE, or that the pipeline drops, are removed. A
record rejected again stays once: as the new record its output (or the pipeline) put, with the new
reason, or as it was when the output put none. If `write` raises, the records of that batch and of
the rest stay as they were, what was settled before is committed, and the error goes on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from ...codec import decode_event
from ...event import Event
from ..base import DELIVERED, PROVENANCE, Outcome
from ._queue import DeadLetterQueue
from ._record import DeadLetter, encode_record
from ._segments import Damage

__all__ = ["replay", "ReplaySummary", "event_of", "decode_json"]

NEEDS_PIPELINE = frozenset({"decode", "filter", "pipeline"})  #: stages whose records only a pipeline can replay


class _Pipeline(Protocol):
    def process(self, events: Iterable[Event]) -> list[Event]: ...


Decode = Callable[[bytes, DeadLetter], Event]


def decode_json(original: bytes, record: DeadLetter) -> Event:
    """The default decoder: the original input as a JSON object (a Filebeat event); ValueError if it is none."""
    return decode_event(original)


@dataclass
class ReplaySummary:
    """What a replay did with each record it read."""

    read: int = 0
    delivered: int = 0  # indexed or already there: removed
    dropped: int = 0  # dropped by the pipeline: removed, as the runtime acknowledges a drop
    rejected: int = 0  # rejected again: kept, with the new reason when there is one
    kept: int = 0  # not sent (see `why_kept`): kept as they were
    why_kept: Counter = field(default_factory=Counter)
    remaining: int = 0

    def render(self) -> str:
        text = (f"read {self.read}: delivered {self.delivered}, dropped by the pipeline {self.dropped}, "
                f"rejected again {self.rejected}, not sent {self.kept}; {self.remaining} records remain")
        for why, count in self.why_kept.most_common():
            text += f"\n  not sent, {count}: {why}"
        return text


def event_of(record: DeadLetter) -> Event | None:
    """The event as it was when rejected, ready to send again (provenance restored, failure cleared)."""
    if record.event is None:
        return None
    event = Event(dict(record.event))
    _stamp(event, record)
    return event


def _stamp(event: Event, record: DeadLetter) -> None:
    info = event.metadata.get(PROVENANCE)
    if not isinstance(info, dict):
        info = event.metadata[PROVENANCE] = {}
    info.pop("error", None)
    info.pop("at", None)
    if record.original is not None:
        info["original"] = record.original
    if record.doc_id is not None:
        info["id"] = record.doc_id
    if record.place:
        info["place"] = record.place


class _Slot:
    """One record in a batch: what became of it, and the lines that replace it in the queue."""

    __slots__ = ("record", "state", "lines")

    def __init__(self, record: DeadLetter) -> None:
        self.record = record
        self.state = "kept"
        self.lines: list[bytes] | None = None  # None: the record's own line stays (when kept or rejected)


def _batches(records: Iterator[DeadLetter], size: int) -> Iterator[list[DeadLetter]]:
    batch: list[DeadLetter] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def replay(
    queue: DeadLetterQueue,
    write: Callable[[Sequence[Event]], list[Outcome]],
    *,
    pipeline: _Pipeline | None = None,
    decode: Decode = decode_json,
    batch_size: int = 125,
    on_damage: Callable[[Damage], None] | None = None,
) -> ReplaySummary:
    """Send the records of `queue` again through `write` (any sink's write), optionally through
    `pipeline` first; afterwards the queue holds only the records still rejected (module docstring).
    Records a sink built on `queue` puts meanwhile replace the record of the event they name (the
    Event object, or for a plain dict its document id in `[@metadata][_porttrack][id]`);
    lines that hold no whole record go to `on_damage` and are not carried over."""
    summary = ReplaySummary()
    staging = queue.compaction()
    reader = _Reader(queue.read(on_damage) if on_damage is not None else queue.read())
    pending: list[_Slot] = []
    emitting = False
    try:
        for batch in _batches(reader, batch_size):
            pending = [_Slot(r) for r in batch]
            summary.read += len(batch)
            unlinked = _replay_batch(queue, write, pipeline, decode, pending, summary)
            emitting = True
            for slot in pending:
                _emit(staging, slot)
            for line in unlinked:
                staging.add(line)
            emitting = False
            pending = []
    except BaseException:
        # Commit what was settled, keeping the batch in flight and the rest as they were; if the
        # queue could not be read to the end or the new set not written, commit nothing: the old
        # set stays whole (what was delivered meanwhile comes back as DUPLICATE on the next replay).
        try:
            if reader.failed or emitting:
                raise
            for slot in pending:
                staging.add(slot.record.line)
            for record in reader:
                staging.add(record.line)
        except BaseException:
            staging.abandon()
            raise
        staging.commit()
        queue.committed()
        raise
    staging.commit()
    queue.committed()
    summary.remaining = summary.rejected + summary.kept
    return summary


class _Reader:
    """The queue's records, remembering whether reading them failed."""

    __slots__ = ("_records", "failed")

    def __init__(self, records: Iterator[DeadLetter]) -> None:
        self._records = records
        self.failed = False

    def __iter__(self) -> "_Reader":
        return self

    def __next__(self) -> DeadLetter:
        try:
            return next(self._records)
        except StopIteration:
            raise
        except BaseException:
            self.failed = True
            raise


def _emit(staging, slot: _Slot) -> None:
    if slot.state in ("delivered", "dropped"):
        return
    for line in slot.lines if slot.lines else [slot.record.line]:
        staging.add(line)


def _replay_batch(queue, write, pipeline, decode, slots: list[_Slot], summary: ReplaySummary) -> list[bytes]:
    """Settle one batch of records; returns records put that name no event of the batch."""
    by_event: dict[int, _Slot] = {}
    to_filter: list[Event] = []
    to_send: list[Event] = []
    for slot in slots:
        record = slot.record
        if pipeline is not None and record.original is not None:
            try:
                event = decode(record.original, record)
            except ValueError as exc:  # still undecodable: the new reason replaces the old
                slot.state = "rejected"
                slot.lines = [encode_record(str(exc), place=record.place, stage="decode", original=record.original,
                                            plugin=record.plugin, error_type="decode_error")]
                summary.rejected += 1
                continue
            _stamp(event, record)
            to_filter.append(event)
        elif pipeline is None and record.stage in NEEDS_PIPELINE:
            summary.why_kept[f"stage {record.stage}: replay it through a pipeline (-f)"] += 1
            summary.kept += 1
            continue
        elif pipeline is not None and record.stage in NEEDS_PIPELINE:
            summary.why_kept[f"stage {record.stage} without the original input: no pipeline can run again"] += 1
            summary.kept += 1
            continue
        else:
            event = event_of(record)
            if event is None:
                summary.why_kept["no event and no original input to send"] += 1
                summary.kept += 1
                continue
            to_send.append(event)
        by_event[id(event)] = slot
    if to_filter:
        came_out = {id(e) for e in pipeline.process(to_filter)}
        for event in to_filter:
            slot = by_event[id(event)]
            if id(event) not in came_out:
                slot.state = "dropped"
                summary.dropped += 1
                continue
            info = event.metadata.get(PROVENANCE)
            error = info.get("error") if isinstance(info, dict) else None
            if error is not None:
                slot.state = "rejected"
                slot.lines = [encode_record(error, stage="filter", event=event, plugin=info.get("at"),
                                            error_type="filter_error")]
                summary.rejected += 1
                continue
            to_send.append(event)
    if not to_send:
        return []
    captured = queue.begin_capture()
    try:
        outcomes = write(to_send)
    finally:
        queue.end_capture()
    if len(outcomes) != len(to_send):
        raise ValueError(f"the sink answered {len(outcomes)} outcomes for {len(to_send)} events")
    by_doc: dict[str, _Slot] = {}
    for event, outcome in zip(to_send, outcomes):
        slot = by_event[id(event)]
        if outcome in DELIVERED:
            slot.state = "delivered"
            summary.delivered += 1
        else:
            slot.state = "rejected"
            slot.lines = captured.pop(id(event), None)
            summary.rejected += 1
            if slot.lines is None and slot.record.doc_id is not None:
                by_doc[slot.record.doc_id] = slot
    unlinked: list[bytes] = []
    for lines in captured.values():  # put with a plain dict, for events now delivered, or for no event
        for line in lines:
            parsed = DeadLetter.parse(0, 0, line) if by_doc else None
            slot = by_doc.get(parsed.doc_id) if isinstance(parsed, DeadLetter) and parsed.doc_id else None
            if slot is not None:  # the same document: it replaces that record
                slot.lines = (slot.lines or []) + [line]
            else:
                unlinked.append(line)  # never lost
    return unlinked
