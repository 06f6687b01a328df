"""The sink interface: a batch of events in, one final outcome per event out, in the same order.

A sink never answers "try again later" per event: it retries what may succeed later itself
(Elasticsearch 429s, 5xx, lost connections) and blocks while it cannot deliver, which stops the
pipeline and the sources behind it (backpressure). What it returns is final:

    INDEXED        the destination took the event
    DUPLICATE      the destination already held it (a `create` with our id answered 409)
    DEAD_LETTERED  rejected for good; its record is durable (fsynced) in the dead letter queue

INDEXED and DUPLICATE are both delivered; a source may acknowledge an event with any of the three.

Where each event came from travels in `[@metadata][_porttrack]` (see `PROVENANCE`), set by
the source or the runtime, read by sinks and the dead letter queue:

    id        the deterministic document id (source position, or a fingerprint of the input)
    original  the input exactly as it came in (bytes), kept for the dead letter queue
    place     where it came from, for people: `file@offset`, `topic/partition@offset`
    error     why a filter failed it (`pipeline.steps.fail_event`)

A source that reads positions of a stream (a file, a Kafka partition) writes `id` and `place` in
their compact form, no text made per event: `offset` (the record's position), `stream` (the place
before it, `path@`) and `stream_id` (the id before it, `<file identity>-`), shared by every event
of the stream. `place_of(info)` and `id_of(info)` read either form; an `id` or `place` given wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from ..event import Event

if TYPE_CHECKING:
    from .dead_letter import DeadLetterQueue

__all__ = ["Outcome", "DELIVERED", "Sink", "SinkContext", "PROVENANCE", "provenance", "place_of", "id_of"]

PROVENANCE = "_porttrack"  #: the `[@metadata]` key holding an event's id, original input and place


class Outcome(IntEnum):
    """The final outcome of one event at one sink."""

    INDEXED = 1
    DUPLICATE = 2
    DEAD_LETTERED = 3


DELIVERED = frozenset({Outcome.INDEXED, Outcome.DUPLICATE})


class Sink(Protocol):
    """What the runtime drives: `write` a batch, get one outcome per event, in order."""

    name: str

    def write(self, events: Sequence[Event]) -> list[Outcome]:
        """Deliver `events`; blocks while the destination refuses them; raises `DeliveryStopped`
        when `stop()` is called meanwhile (then no event of the batch counts as done)."""
        ...

    def stop(self) -> None:
        """Ask a blocked `write` to give up (shutdown); thread-safe."""
        ...

    def close(self) -> None:
        """Flush and release connections and files."""
        ...


@dataclass(frozen=True, slots=True)
class SinkContext:
    """What an output's settings need to build the running sink (`settings.build(context)`)."""

    dead_letters: "DeadLetterQueue"
    plugin_id: str  # e.g. "elasticsearch@12:3": names the plugin in dead letters, logs and metrics
    registry: Any = None  # a prometheus_client CollectorRegistry; None: the default registry


def place_of(info: dict | None) -> str:
    """Where the event's input came from, for people ("" when unknown): `place`, or the compact form's."""
    if not info:
        return ""
    place = info.get("place")
    if place is None and "stream" in info and "offset" in info:  # (a filter may have removed either)
        return f"{info['stream']}{info['offset']}"
    return str(place or "")


def id_of(info: dict | None) -> str | None:
    """The event's deterministic document id from its source: `id`, or the compact form's; else None."""
    if not info:
        return None
    doc_id = info.get("id")
    if doc_id is None and "stream_id" in info and "offset" in info:
        return f"{info['stream_id']}{info['offset']}"
    return doc_id


def provenance(event: Event) -> dict:
    """The event's `[@metadata][_porttrack]` dict, created when absent."""
    meta = event.metadata
    info = meta.get(PROVENANCE)
    if not isinstance(info, dict):
        info = meta[PROVENANCE] = {}
    return info
