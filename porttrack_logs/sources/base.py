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
from typing import Any, Iterator, Protocol

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
    """The events of one source read, in read order, and the Ack covering exactly them."""

    __slots__ = ("events", "ack")

    def __init__(self, events: list[Event], ack: Ack) -> None:
        if len(events) != ack.size:
            raise ValueError(f"a batch of {len(events)} events needs an Ack of {len(events)}, not {ack.size}")
        self.events = events
        self.ack = ack

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        return f"Batch({len(self.events)} events, {self.ack!r})"


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
