"""Acknowledgements: one `Ack` per source read, settled event by event, committing a prefix.

A source creates an `Ack` for each thing it reads in one go (a Beats window, a Kafka fetch of one
partition, a run of file lines) with the number of events it covers and a `commit` callback. The
runtime settles every event exactly once with a `Status` once its outputs have a final answer:

    DELIVERED  indexed (or already there), or dropped by a filter
    ERRORED    not delivered and not dead-lettered (shutdown, retries given up): must be read again
    REJECTED   refused for good and recorded in the dead letter queue

Statuses merge to the worst (REJECTED > ERRORED > DELIVERED; `worst`). The Ack commits the longest
prefix of events that are all DELIVERED or REJECTED: `commit(count)` is called each time that prefix
grows, and never grows past an unsettled or ERRORED event, so an errored event blocks every later
position of its read and the source reads it again. When every event is settled, `finished(ack)`
is called once (`ack.committed < ack.size` then means part of the read must be read again). Nothing here hangs off `Event` or relies on `__del__`.

Settling is thread-safe (sinks run on other threads). The callbacks run under the Ack's lock, in
order, so they see counts that only grow; they must be quick and must not settle the same Ack.
"""

from __future__ import annotations

import threading
from enum import IntEnum
from typing import Callable, Iterable, Sequence

__all__ = ["Status", "DELIVERED", "ERRORED", "REJECTED", "worst", "Ack"]


class Status(IntEnum):
    """The final status of one event; a higher value is worse (merging takes the maximum)."""

    DELIVERED = 1
    ERRORED = 2
    REJECTED = 3


DELIVERED = Status.DELIVERED
ERRORED = Status.ERRORED
REJECTED = Status.REJECTED

_UNSETTLED = 0
_UNSETTLED_BYTE = b"\x00"
_ERRORED_BYTE = bytes([ERRORED])


def worst(statuses: Iterable[Status]) -> Status:
    """The merged status of one event sent to several outputs (or of a whole read)."""
    merged = DELIVERED
    for status in statuses:
        if status > merged:
            merged = status
    return merged


class Ack:
    """The acknowledgement of one source read of `size` events (positions 0 .. size-1)."""

    __slots__ = ("size", "_slots", "_pending", "_committed", "_worst", "_commit", "_finished", "_lock")

    def __init__(
        self,
        size: int,
        commit: Callable[[int], None],
        finished: Callable[["Ack"], None] | None = None,
    ) -> None:
        if size < 0:
            raise ValueError(f"an Ack covers a count of events, not {size}")
        self.size = size
        self._slots = bytearray(size)  # one status byte per event, 0 while unsettled
        self._pending = size
        self._committed = 0
        self._worst = DELIVERED
        self._commit = commit
        self._finished = finished
        self._lock = threading.Lock()
        if size == 0 and finished is not None:
            finished(self)

    @property
    def committed(self) -> int:
        """How many events from the start have been committed."""
        return self._committed

    @property
    def pending(self) -> int:
        """How many events are not settled yet."""
        return self._pending

    @property
    def status(self) -> Status:
        """The worst status settled so far (DELIVERED while nothing is settled)."""
        return self._worst

    def settle(self, start: int, count: int, status: Status) -> None:
        """Settle events `start` .. `start+count-1` with one `status`.

        Raises ValueError for a range outside the read or an event settled twice (a runtime bug
        that would otherwise acknowledge something twice or not at all)."""
        status = Status(status)
        end = start + count
        if start < 0 or count < 0 or end > self.size:
            raise ValueError(f"events {start}..{end - 1} are outside this read of {self.size} events")
        if count == 0:
            return
        with self._lock:
            slots = self._slots
            if slots.count(_UNSETTLED_BYTE, start, end) != count:
                taken = next(i for i in range(start, end) if slots[i] != _UNSETTLED)
                raise ValueError(f"event {taken} of this read is already settled ({Status(slots[taken]).name})")
            slots[start:end] = bytes([status]) * count
            self._pending -= count
            if status > self._worst:
                self._worst = status
            if start <= self._committed:
                self._advance()
            if self._pending == 0 and self._finished is not None:
                self._finished(self)

    def settle_each(self, start: int, statuses: Sequence[Status]) -> None:
        """Settle consecutive events from `start`, one status each (a sink's outcomes, in order)."""
        first = 0
        total = len(statuses)
        while first < total:  # one settle per run of equal statuses: usually the whole batch
            status = statuses[first]
            last = first + 1
            while last < total and statuses[last] == status:
                last += 1
            self.settle(start + first, last - first, status)
            first = last

    def _advance(self) -> None:
        """Move the committed prefix over settled, non-errored events; tell the source if it grew."""
        slots = self._slots
        begin = self._committed
        stop = slots.find(_UNSETTLED_BYTE, begin)
        if stop < 0:
            stop = self.size
        blocked = slots.find(_ERRORED_BYTE, begin, stop)
        if blocked >= 0:
            stop = blocked
        if stop > begin:
            self._committed = stop
            self._commit(stop)

    def __repr__(self) -> str:
        return f"Ack(size={self.size}, committed={self._committed}, pending={self._pending}, status={self._worst.name})"
