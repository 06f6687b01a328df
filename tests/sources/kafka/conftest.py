"""Kafka source tests: topics with partitions, Filebeat-shaped events produced, committed offsets read back,
the consumer subprocess (`consume_and_record.py`) started and killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

from porttrack_logs.acks import DELIVERED, Status
from porttrack_logs.sinks.base import id_of, provenance
from porttrack_logs.sources.base import Batch, SourceClosed, SourceContext
from porttrack_logs.sources.kafka import KafkaInput, KafkaSource

HERE = Path(__file__).parent
WORKTREE = HERE.parents[2]
RECORDER = HERE / "consume_and_record.py"
BACKENDS = ["kafka-python", "confluent"]


def filebeat_event(n: int) -> bytes:
    """A Filebeat 9 container-log event numbered `n` (about 700 bytes, as PortTrack's)."""
    event = {
        "@timestamp": f"2026-11-30T12:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z",
        "@metadata": {"beat": "filebeat", "type": "_doc", "version": "9.3.0"},
        "message": f"2026-11-30 12:00:00.000 INFO [http-nio-8080-exec-{n % 10}] c.p.t.TrackController : tracked container {n} at berth {n % 40}",
        "n": n,
        "stream": "stdout",
        "log": {"offset": n * 160, "file": {"path": f"/var/log/containers/porttrack-api-{n % 3}_default_api-abc.log"}},
        "input": {"type": "container"},
        "container": {"id": "c0ffee" * 10, "image": {"name": "registry.local/porttrack/api:1.4.2"}, "runtime": "containerd"},
        "kubernetes": {"namespace": "default", "pod": {"name": f"porttrack-api-{n % 3}"}, "labels": {"app": "porttrack-api"}},
        "agent": {"type": "filebeat", "version": "9.3.0", "name": "node-1", "id": "8d6b2f0e-agent"},
        "ecs": {"version": "8.0.0"},
        "host": {"name": "node-1"},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def create_topic(bootstrap: str, topic: str, partitions: int = 3) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-it-create")
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()


def produce(bootstrap: str, topic: str, values: list[bytes], partitions: int = 3, start: int = 0) -> None:
    """Send `values` round-robin over the partitions (value i to partition (start + i) % partitions, so
    successive calls continue the round) and wait until every one is acknowledged."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = [producer.send(topic, value=v, key=str(start + i).encode(), partition=(start + i) % partitions) for i, v in enumerate(values)]
        producer.flush(timeout=60)
        for f in futures:
            f.get(timeout=60)
    finally:
        producer.close()


def committed_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """What the group has committed, per (topic, partition)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-it-offsets")
    try:
        found = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in found.items() if meta.offset >= 0}


def unique_group() -> str:
    from devservices.testing import unique_name

    return unique_name("pt-it-group")


@pytest.fixture
def topic3(kafka_bootstrap: str, kafka_topic: str) -> str:
    """A fresh 3-partition topic."""
    create_topic(kafka_bootstrap, kafka_topic, 3)
    return kafka_topic


@dataclass
class Recorder:
    """A consume_and_record.py process."""

    process: subprocess.Popen
    record: Path
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.process.poll() is not None:
                err = self.process.stderr.read() if self.process.stderr else ""
                raise AssertionError(f"the consumer exited ({self.process.returncode}) before {what}:\n{err[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; output: {self.lines[-5:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=90)


def recorded(path: Path) -> list[str]:
    """The ids in a record file (a line torn by kill -9 is not counted: it was never settled)."""
    if not path.exists():
        return []
    return [line.split(" ")[0] for line in path.read_text("ascii").splitlines() if line.count(" ") == 1]


@pytest.fixture
def run_recorder(kafka_bootstrap: str) -> Iterator[Callable[..., Recorder]]:
    """Start consume_and_record.py: `run_recorder(topic, group, backend, record_path, **options)`."""
    started: list[Recorder] = []

    def run(topic: str, group: str, backend: str, record: Path, **options: object) -> Recorder:
        args = [sys.executable, str(RECORDER), kafka_bootstrap, topic, group, backend, str(record)]
        args += [f"{k}={v}" for k, v in options.items()]
        env = dict(os.environ, PYTHONPATH=str(WORKTREE))
        process = subprocess.Popen(args, cwd=WORKTREE, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        recorder = Recorder(process, record)
        started.append(recorder)
        return recorder

    yield run
    for recorder in started:
        recorder.kill()


@dataclass
class Consumer:
    """Polls a source on a thread; `decide(batch)` gives the status to settle with (None: hold the batch)."""

    source: KafkaSource
    decide: Callable[[Batch], Status | None] = lambda batch: DELIVERED
    ids: list[str] = field(default_factory=list)
    events: list = field(default_factory=list)
    held: list[Batch] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                batch = self.source.poll(0.2)
            except SourceClosed:
                return
            if batch is None:
                continue
            with self.lock:
                self.events.extend(batch.events)
                self.ids.extend(id_of(provenance(e)) for e in batch.events)
                status = self.decide(batch)
                if status is None:
                    self.held.append(batch)
                    continue
            batch.ack.settle(0, len(batch), status)

    def distinct(self) -> set[str]:
        with self.lock:
            return set(self.ids)

    def wait_for(self, predicate: Callable[["Consumer"], bool], timeout: float = 120, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if predicate(self):
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; saw {len(self.ids)} events")
            time.sleep(0.05)


@pytest.fixture
def kafka_source(kafka_bootstrap: str) -> Iterator[Callable[..., KafkaSource]]:
    """Start a KafkaSource in this process: `kafka_source(topic, group, backend, **options)`; closed after."""
    sources: list[KafkaSource] = []

    def start(topic: str, group: str, backend: str, **options: object) -> KafkaSource:
        options.setdefault("auto_offset_reset", "earliest")
        options.setdefault("auto_commit_interval_ms", 200)
        settings = KafkaInput(bootstrap_servers=kafka_bootstrap, topics=[topic], group_id=group, backend=backend, **options)
        source = settings.build(SourceContext(plugin_id=f"kafka@{backend}"))
        source.start()
        sources.append(source)
        return source

    yield start
    for source in sources:
        source.close()
