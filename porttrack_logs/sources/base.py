"""The source interface: batches of events, each carrying the `Ack` of the read it came from.

A source reads (a Beats window, a Kafka fetch of one partition, a run of file lines), stamps each
event's `[@metadata][_porttrack]` (`id`, `original`, `place`: see `sinks.base`) and hands the read
over as one `Batch`. The runtime settles `batch.ack` once per event (`acks.Ack.settle`), and the
source commits or acknowledges a position only when the Ack says so. Reads in flight are bounded
by the source itself: while the runtime does not `poll`, or holds too many unsettled batches, the
source stops reading (backpressure), it never buffers without bound.

    source.start()                  # bind / connect; a bad setting fails here, before any read
    while running:
        batch = source.poll(0.5)     # None: nothing within the timeout
        ...                          # pipeline and sinks, then batch.ack.settle(...)
    source.close()                   # stop reading; unsettled reads are never acknowledged

`poll` and `close` may be called from different threads; `poll` raises `SourceClosed` once the
source is closed (reads not handed over yet are dropped unacknowledged: they are read again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

from ..acks import Ack
from ..errors import PortTrackError
from ..event import Event

__all__ = ["Batch", "Source", "SourceClosed", "SourceContext", "batches"]


class SourceClosed(PortTrackError):
    """The source was closed and has nothing more to hand over."""


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What an input's settings need to build the running source (`settings.build(context)`)."""

    plugin_id: str  # e.g. "beats@3:1": names the plugin in logs and metrics
    registry: Any = None  # a prometheus_client CollectorRegistry; None: the default registry


class Batch:
    """The events of one source read, in read order, and the Ack covering exactly them.

    A source may hand a read over undecoded (`Batch.deferred`): its events are then built a slice
    at a time by `slices(n)`, which the runtime loop calls, so each pipeline batch is decoded just
    before the pipeline reads it, while it is in the CPU caches (a Kafka read of 500 or a Beats
    window of 2048 decoded at once is cold again by its last slice: measured, 1.6x the CPU an event
    of decoding 125 at a time). `events` builds whatever is not built yet."""

    __slots__ = ("_events", "ack", "_build", "_built")

    def __init__(self, events: list[Event], ack: Ack) -> None:
        if len(events) != ack.size:
            raise ValueError(f"a batch of {len(events)} events needs an Ack of {len(events)}, not {ack.size}")
        self._events = events
        self.ack = ack
        self._build: Callable[[int, int], list[Event]] | None = None
        self._built = len(events)

    @classmethod
    def deferred(cls, build: Callable[[int, int], list[Event]], ack: Ack) -> "Batch":
        """A read of `ack.size` records whose events `build(start, stop)` makes, one per record, when reached."""
        batch = cls.__new__(cls)
        batch._events, batch.ack, batch._build, batch._built = [], ack, build, 0
        return batch

    @property
    def events(self) -> list[Event]:
        """Every event of the read (built now if they were not yet)."""
        if self._built < self.ack.size:
            self._extend(self.ack.size)
        return self._events

    def slices(self, size: int) -> Iterator[list[Event]]:
        """The events, `size` at a time, each slice built just before it is handed out."""
        total = self.ack.size
        if self._built == total and total <= size:
            if total:
                yield self._events
            return
        for start in range(0, total, size):
            stop = min(start + size, total)
            if self._built == start:
                yield self._extend(stop)  # the usual case: this slice is built now
            else:
                if self._built < stop:
                    self._extend(stop)
                yield self._events[start:stop]

    def _extend(self, stop: int) -> list[Event]:
        start = self._built
        made = self._build(start, stop)  # type: ignore[misc]
        if len(made) != stop - start:
            raise ValueError(f"a deferred batch built {len(made)} events for records {start} to {stop - 1}")
        self._events.extend(made)
        self._built = stop
        if stop == self.ack.size:
            self._build = None  # and with it the records it read (the events keep what they need)
        return made

    def __len__(self) -> int:
        return self.ack.size

    def __repr__(self) -> str:
        return f"Batch({self.ack.size} events, {self.ack!r})"


class Source(Protocol):
    """What the runtime drives: `start`, then `poll` batches, then `close`."""

    name: str  # e.g. "beats@3:1": names the plugin in logs and metrics

    def start(self) -> None:
        """Bind or connect; raises `ConfigError` (or `OSError`) before anything is read."""
        ...

    def poll(self, timeout: float | None = None) -> Batch | None:
        """The next batch, waiting up to `timeout` seconds (None: until one comes); None when none
        came; `SourceClosed` once closed."""
        ...

    def close(self) -> None:
        """Stop reading and release sockets and threads; idempotent, callable from any thread.
        Reads not committed yet are not acknowledged: their senders will send them again."""
        ...


def batches(source: Source, timeout: float = 0.5) -> Iterator[Batch]:
    """Every batch of a started `source` until it is closed (a convenience for simple loops)."""
    while True:
        try:
            batch = source.poll(timeout)
        except SourceClosed:
            return
        if batch is not None:
            yield batch
