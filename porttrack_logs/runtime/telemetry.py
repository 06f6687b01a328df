"""The sidecar's telemetry, named once: Prometheus families registered at start-up, fed from what the
loop and the sources already count, and the health the HTTP endpoints answer.

Nothing here runs per event. The loop counts into its `RunSummary` (plain ints and Counters) and
calls `tick(summary)` about once a second; `tick` turns what changed since the last tick into
counter increments, copies the sources' own counters (`KafkaStats`, Beats `ServerStats`) and the
dead letter queue's the same way, sets the gauges (Kafka lag per partition, Beats connections open,
the queue's size on disk) and beats the heart that `/healthz` reads.

    porttrack_events_in_total{plugin}                events an input handed over
    porttrack_events_out_total{plugin,outcome}       events an output finished (indexed, duplicate, dead_lettered)
    porttrack_events_dropped_total                   events a filter dropped
    porttrack_events_failed_total{stage}             events the runtime put in the dead letter queue (decode, filter, output)
    porttrack_events_tagged_total{tag}               events leaving the filters with a failure tag (_grokparsefailure, _groktimeout, ...)
    porttrack_dead_letter_records_total, porttrack_dead_letter_bytes_total, porttrack_dead_letter_queue_bytes
    porttrack_kafka_lag{plugin,topic,partition}      high watermark minus committed offset, per owned partition
    porttrack_kafka_commits_total{plugin}, porttrack_kafka_commit_failures_total{plugin}, porttrack_kafka_rebalances_total{plugin}
    porttrack_beats_connections_open{plugin}         connections open now
    porttrack_beats_connections_total{plugin}, porttrack_beats_connections_refused_total{plugin}, porttrack_beats_windows_total{plugin}
    porttrack_output_* (the elasticsearch output's own: bulk latency, retries, requests)

With worker processes (`PROMETHEUS_MULTIPROC_DIR` set by the parent before a child starts) every
family writes to the shared files and the parent's `/metrics` sums them; gauges are `livesum`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter as Tally
from pathlib import Path
from typing import Any, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from .loop import RunSummary

__all__ = ["Telemetry", "Health", "STALL_SECONDS", "BLOCKED_SECONDS"]

STALL_SECONDS = 30.0  #: no loop turn for this long (outside an output's write): /healthz fails
BLOCKED_SECONDS = 5.0  #: an output's write taking longer (it retries a refusing destination): /readyz fails


class Health:
    """What `/healthz` and `/readyz` answer, written by the loop thread, read by the HTTP thread."""

    def __init__(self) -> None:
        self.started = False  # every source started, every output built
        self.draining = False
        self.beat = time.monotonic()
        self.writing: str | None = None
        self.writing_since = 0.0
        self.worker: int | None = None
        self.status_path: Path | None = None  # a worker's status file, read by its parent

    def writing_to(self, name: str | None) -> None:
        if name is not None:
            self.writing_since = time.monotonic()
        self.writing = name

    def live(self) -> tuple[bool, str]:
        """Alive unless the loop made no turn for STALL_SECONDS outside an output's write."""
        age = time.monotonic() - self.beat
        if self.writing is not None:
            return True, f"ok: writing to {self.writing} for {time.monotonic() - self.writing_since:.0f}s"
        if age > STALL_SECONDS:
            return False, f"the loop made no turn for {age:.0f}s"
        return True, "ok"

    def ready(self) -> tuple[bool, str]:
        """Ready when started, not draining, and no output blocked past BLOCKED_SECONDS."""
        if not self.started:
            return False, "starting"
        if self.draining:
            return False, "draining"
        if self.writing is not None and time.monotonic() - self.writing_since > BLOCKED_SECONDS:
            return False, f"output {self.writing} is blocked (retrying for {time.monotonic() - self.writing_since:.0f}s)"
        live, why = self.live()
        return live, why

    def publish(self) -> None:
        """A worker's health, for its parent: a small JSON file replaced atomically."""
        if self.status_path is None:
            return
        live, why_live = self.live()
        ready, why_ready = self.ready()
        state = {"pid": os.getpid(), "time": time.time(), "live": live, "ready": ready, "why_live": why_live, "why_ready": why_ready}
        tmp = self.status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.status_path)


class Telemetry:
    """The sidecar's metric families in `registry`, and `tick(summary)` that feeds them."""

    def __init__(self, registry: CollectorRegistry | None = None, health: Health | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.health = health if health is not None else Health()
        r = self.registry
        self.events_in = Counter("porttrack_events_in", "Events an input handed over", ["plugin"], registry=r)
        self.events_out = Counter("porttrack_events_out", "Events an output finished, by outcome", ["plugin", "outcome"], registry=r)
        self.dropped = Counter("porttrack_events_dropped", "Events a filter dropped", registry=r)
        self.failed = Counter("porttrack_events_failed", "Events the runtime put in the dead letter queue, by stage", ["stage"], registry=r)
        self.tagged = Counter("porttrack_events_tagged", "Events out of the filters with a failure tag (tags starting with _)", ["tag"], registry=r)
        self.dlq_records = Counter("porttrack_dead_letter_records", "Records put in the dead letter queue", registry=r)
        self.dlq_bytes = Counter("porttrack_dead_letter_bytes", "Bytes put in the dead letter queue", registry=r)
        self.dlq_size = Gauge("porttrack_dead_letter_queue_bytes", "Bytes the dead letter queue holds on disk", registry=r, multiprocess_mode="livesum")
        self.kafka_lag = Gauge("porttrack_kafka_lag", "High watermark minus committed offset", ["plugin", "topic", "partition"], registry=r, multiprocess_mode="livesum")
        self.kafka_commits = Counter("porttrack_kafka_commits", "Offset commits that succeeded", ["plugin"], registry=r)
        self.kafka_commit_failures = Counter("porttrack_kafka_commit_failures", "Offset commits that failed (retried)", ["plugin"], registry=r)
        self.kafka_rebalances = Counter("porttrack_kafka_rebalances", "Partition assignments received", ["plugin"], registry=r)
        self.beats_open = Gauge("porttrack_beats_connections_open", "Beats connections open", ["plugin"], registry=r, multiprocess_mode="livesum")
        self.beats_connections = Counter("porttrack_beats_connections", "Beats connections accepted", ["plugin"], registry=r)
        self.beats_refused = Counter("porttrack_beats_connections_refused", "Beats connections closed for junk, a protocol error or a limit", ["plugin"], registry=r)
        self.beats_windows = Counter("porttrack_beats_windows", "Beats windows received", ["plugin"], registry=r)
        self._in: dict[str, Any] = {}
        self._last: dict[Any, int] = {}
        self._lock = threading.Lock()
        self._sources: list[Any] = []
        self._dead_letters: Any = None
        self._lag_keys: set[tuple[str, str, str]] = set()

    # -- wiring ---------------------------------------------------------------------------------

    def watch(self, sources: Sequence[Any], dead_letters: Any) -> None:
        """The sources whose own counters (`stats`, `lag`) and the queue whose counters are copied at each tick."""
        self._sources = list(sources)
        self._dead_letters = dead_letters

    def received(self, plugin: str, count: int) -> None:
        """An input handed over `count` events (the intake's per-batch callback)."""
        child = self._in.get(plugin)
        if child is None:
            child = self._in[plugin] = self.events_in.labels(plugin)
        child.inc(count)

    # -- ticks ----------------------------------------------------------------------------------

    def _delta(self, key: Any, value: int) -> int:
        last = self._last.get(key, 0)
        self._last[key] = value
        return value - last if value > last else 0

    def tick(self, summary: RunSummary) -> None:
        """Fold what changed since the last tick into the families; beat the heart."""
        with self._lock:
            d = self._delta
            n = d("dropped", summary.dropped)
            if n:
                self.dropped.inc(n)
            for stage, value in summary.by_stage.items():
                n = d(("stage", stage), value)
                if n:
                    self.failed.labels(stage).inc(n)
            for tag, value in summary.by_tag.items():
                if tag[:1] == "_":
                    n = d(("tag", tag), value)
                    if n:
                        self.tagged.labels(tag).inc(n)
            for plugin, outcomes in summary.outputs.items():
                for outcome, value in outcomes.items():
                    n = d(("out", plugin, outcome), value)
                    if n:
                        self.events_out.labels(plugin, outcome.name.lower()).inc(n)
            dlq = self._dead_letters
            if dlq is not None:
                n = d("dlq_records", dlq.records)
                if n:
                    self.dlq_records.inc(n)
                n = d("dlq_bytes", dlq.bytes)
                if n:
                    self.dlq_bytes.inc(n)
                self.dlq_size.set(dlq.size)
            for source in self._sources:
                self._source(source)
        health = self.health
        health.beat = time.monotonic()
        health.publish()

    def _source(self, source: Any) -> None:
        stats = getattr(source, "stats", None)
        name = source.name
        d = self._delta
        kind = type(stats).__name__
        if kind == "KafkaStats":
            for attr, family in (("commits", self.kafka_commits), ("commit_failures", self.kafka_commit_failures), ("rebalances", self.kafka_rebalances)):
                n = d((name, attr), getattr(stats, attr))
                if n:
                    family.labels(name).inc(n)
            seen = set()
            for (topic, partition), lag in dict(source.lag).items():
                key = (name, topic, str(partition))
                seen.add(key)
                self.kafka_lag.labels(*key).set(lag)
            for key in self._lag_keys - seen:  # no longer ours: another member reports it
                self.kafka_lag.labels(*key).set(0)
            self._lag_keys |= seen
        elif kind == "ServerStats":
            self.beats_open.labels(name).set(stats.connections_open)
            for attr, family in (("connections_total", self.beats_connections), ("connections_refused", self.beats_refused), ("windows", self.beats_windows)):
                n = d((name, attr), getattr(stats, attr))
                if n:
                    family.labels(name).inc(n)


def outcome_counts(summary: RunSummary) -> dict[str, Tally]:
    """Per output, its outcomes by name (for logs)."""
    return {name: Tally({o.name.lower(): v for o, v in c.items()}) for name, c in summary.outputs.items()}
