"""The sidecar (`porttrack-logs run -f`) under faults, end to end: real Kafka, real Elasticsearch, go-lumber.

Each test runs the sidecar as a subprocess on a config whose filters are `pipelines/porttrack.conf`'s,
kills it with SIGKILL at seeded random points (after some documents are indexed), restarts it, and
counts the documents in Elasticsearch exactly: every event once, none twice, none lost. Bad input
(malformed Beats frames, a zlib bomb, HTTP and TLS bytes on the plain port, non-JSON and non-UTF-8
Kafka values, 1 MB lines) against a running sidecar ends visible, tagged in the index or in the dead
letter queue, while the sidecar and its other connections carry on. Waits are on conditions with
generous deadlines, never on timings.
"""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

pytestmark = [
    pytest.mark.integration,
    # kafka-python's admin client and producer read their protocol schemas with a deprecated importlib call
    pytest.mark.filterwarnings(r"ignore:(read|open)_text is deprecated:DeprecationWarning"),
]

WORKTREE = Path(__file__).resolve().parents[2]
PIPELINE = WORKTREE / "pipelines" / "porttrack.conf"
BACKENDS = ["kafka-python", "confluent"]
#: what the pipeline tags an event that did not decode or parse
FAILURE_TAGS = {"_jsonparsefailure", "_grokparsefailure", "_utf8error", "_filter_error"}


# -- waiting ---------------------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0, watch: list["Sidecar"] | None = None) -> None:
    """Poll `condition` until true (a liveness wait with a generous deadline, not a timing assertion);
    fail early, with its log, if a watched sidecar exits."""
    end = time.monotonic() + timeout
    while not condition():
        for sidecar in watch or []:
            if sidecar.process.poll() is not None:
                raise AssertionError(f"the sidecar exited ({sidecar.process.returncode}) before {what}:\n{sidecar.log_tail()}")
        if time.monotonic() > end:
            tails = "\n".join(s.dump() for s in watch or [])
            raise AssertionError(f"gave up waiting for {what}\n{tails}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the sidecar process ---------------------------------------------------------------------------


def pipeline_filters() -> str:
    """The filter section of pipelines/porttrack.conf, as deployed."""
    text = PIPELINE.read_text()
    start = text.index("\nfilter {")
    return text[start : text.index("\noutput {", start)]


def write_config(path: Path, inputs: str, es_url: str, index_prefix: str) -> Path:
    """A config: `inputs`, porttrack.conf's filters, one elasticsearch output into `<prefix>logs-<day>`."""
    path.write_text(
        "input {\n" + inputs + "\n}\n" + pipeline_filters() + "\n"
        "output {\n"
        f'  elasticsearch {{ hosts => ["{es_url}"] index => "{index_prefix}logs-%{{+yyyy.MM.dd}}" manage_template => false }}\n'
        "}\n"
    )
    return path


def kafka_input(bootstrap: str, topic: str, group: str, backend: str) -> str:
    return (
        f'  kafka {{ bootstrap_servers => "{bootstrap}" topics => ["{topic}"] group_id => "{group}" backend => "{backend}"\n'
        '          auto_offset_reset => "earliest" auto_commit_interval_ms => 200 max_poll_records => 100\n'
        "          session_timeout_ms => 6000 heartbeat_interval_ms => 1000 }"
    )


@dataclass
class Sidecar:
    """One `porttrack-logs run -f CONFIG` process; its stdout and stderr go to `log` (JSON lines)."""

    config: Path
    dead_letters: Path
    log: Path
    http_port: int
    process: subprocess.Popen = field(init=False)

    def __post_init__(self) -> None:
        args = [
            sys.executable, "-m", "porttrack_logs.cli", "run", "-f", str(self.config),
            "--dead-letters", str(self.dead_letters), "--log-format", "json",
            "--http-host", "127.0.0.1", "--http-port", str(self.http_port),
        ]
        env = dict(os.environ, PYTHONPATH=str(WORKTREE), PYTHONFAULTHANDLER="1")  # SIGABRT dumps every thread (dump())
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(args, cwd=WORKTREE, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    def get(self, path: str) -> tuple[int, str] | None:
        """(status, body) of GET `path` on the sidecar's HTTP port; None when it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=5) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError:
            return None

    def ready(self) -> bool:
        answer = self.get("/readyz")
        return answer is not None and answer[0] == 200

    def indexed(self) -> float:
        """This process's `porttrack_output_events_total{outcome="indexed"}` (0 when it does not answer)."""
        from prometheus_client.parser import text_string_to_metric_families

        answer = self.get("/metrics")
        if answer is None or answer[0] != 200:
            return 0.0
        total = 0.0
        for family in text_string_to_metric_families(answer[1]):
            for sample in family.samples:
                if sample.name == "porttrack_output_events_total" and sample.labels.get("outcome") == "indexed":
                    total += sample.value
        return total

    def kill9(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 90) -> int:
        """SIGTERM, then its exit code (it must drain and exit on its own)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def dump(self) -> str:
        """For a wait that gave up: the metrics it counted, then every thread's stack (SIGABRT, through
        faulthandler) and the end of its log."""
        if self.process.poll() is not None:
            return self.log_tail()
        metrics = self.get("/metrics")
        counted = [line for line in (metrics[1] if metrics else "").splitlines() if line.startswith("porttrack_") and not line.endswith(" 0.0")]
        self.process.send_signal(signal.SIGABRT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill9()
        return "\n".join(counted[:80]) + "\n" + self.log_tail(200)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.log.name} ---\n" + "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def sidecars(tmp_path: Path) -> Iterator[Callable[..., Sidecar]]:
    """Start sidecars: `start(config, name=..., dead_letters=..., http_port=...)`; all killed after the test."""
    started: list[Sidecar] = []

    def start(config: Path, name: str = "sidecar", dead_letters: Path | None = None, http_port: int | None = None) -> Sidecar:
        sidecar = Sidecar(config, dead_letters or tmp_path / f"dlq-{name}", tmp_path / f"{name}.log", http_port or free_port())
        started.append(sidecar)
        return sidecar

    yield start
    for sidecar in started:
        sidecar.kill9()


# -- Elasticsearch ---------------------------------------------------------------------------------


def count(es_client, prefix: str) -> int:
    es_client.indices.refresh(index=f"{prefix}*", allow_no_indices=True, expand_wildcards="all")
    return es_client.count(index=f"{prefix}*", allow_no_indices=True)["count"]


def documents(es_client, prefix: str) -> list[dict]:
    """Every document under `prefix` (its `_id` added to its source)."""
    from elasticsearch.helpers import scan

    es_client.indices.refresh(index=f"{prefix}*", allow_no_indices=True)
    return [dict(hit["_source"], _id=hit["_id"]) for hit in scan(es_client, index=f"{prefix}*", query={"query": {"match_all": {}}}, size=2000)]


def assert_porttrack_rule(docs: list[dict]) -> None:
    """The pipeline ran on every document: ERROR lines (and only they) tagged alert, the line kept."""
    for doc in docs:
        level = doc.get("log", {}).get("level")
        tags = set(doc.get("tags", []))
        assert level in {"INFO", "WARN", "ERROR"}, doc
        assert ("alert" in tags) == (level == "ERROR"), doc
        assert not tags & FAILURE_TAGS, doc
        assert doc["event"]["original"].split(" ", 2)[1] == level


# -- Kafka -----------------------------------------------------------------------------------------


def filebeat_kafka_event(n: int, topic: str) -> bytes:
    """Event `n` as Filebeat's `output.kafka` with `codec.json` writes it: a container-input event whose
    message is a PortTrack log line, every fifth one at ERROR."""
    level = "ERROR" if n % 5 == 0 else "WARN" if n % 7 == 3 else "INFO"
    ms = n % 1000
    pod = f"porttrack-api-{n % 3}"
    event = {
        "@timestamp": f"2026-11-30T12:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{ms:03d}Z",
        "@metadata": {"beat": "filebeat", "type": "_doc", "version": "9.3.0", "topic": topic},
        "message": f"2026-11-30T11:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{ms:03d}Z {level} [berth-{n % 40}] event {n}: crane {n % 12} moved container {n * 7}",
        "n": n,
        "stream": "stdout",
        "input": {"type": "container"},
        "log": {"offset": n * 160, "file": {"path": f"/var/log/containers/{pod}_default_api-abc.log"}},
        "container": {"id": "c0ffee" * 10, "image": {"name": "registry.local/porttrack/api:1.4.2"}, "runtime": "containerd"},
        "kubernetes": {"namespace": "default", "pod": {"name": pod}, "labels": {"app": "porttrack-api"}},
        "agent": {"type": "filebeat", "version": "9.3.0", "name": "node-1"},
        "ecs": {"version": "8.0.0"},
        "host": {"name": "node-1"},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def create_topic(bootstrap: str, topic: str, partitions: int = 3) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-faults-create")
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()


class Producer:
    """Sends values round-robin over the partitions, `rate` a second on a thread (0: all at once), and
    records the id the sidecar gives each (`topic-partition-offset`) from the broker's answer."""

    def __init__(self, bootstrap: str, topic: str, partitions: int = 3) -> None:
        from kafka import KafkaProducer

        self.topic, self.partitions = topic, partitions
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=2 << 20)
        self.ids: dict[str, bytes] = {}  # id -> value
        self._sent = 0
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def send(self, values: list[bytes], rate: float = 0) -> None:
        """Send `values` in the background, after what was sent before (join() waits until the broker
        acknowledged all of them)."""
        self.join()

        base = self._sent

        def run() -> None:
            try:
                futures = []
                started = time.monotonic()
                for i, value in enumerate(values):
                    partition = (base + i) % self.partitions
                    futures.append((value, self._producer.send(self.topic, value=value, partition=partition)))
                    if rate:
                        ahead = started + i / rate - time.monotonic()
                        if ahead > 0:
                            self._producer.flush(timeout=60)
                            time.sleep(ahead)
                self._producer.flush(timeout=60)
                for value, future in futures:
                    meta = future.get(timeout=60)
                    self.ids[f"{self.topic}-{meta.partition}-{meta.offset}"] = value
            except BaseException as exc:  # reported by join()
                self.error = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        self._sent += len(values)

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=300)
            assert not self._thread.is_alive(), "the producer did not finish"
            self._thread = None
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.join()
        self._producer.close()


@pytest.fixture
def producer(kafka_bootstrap: str, kafka_topic: str) -> Iterator[Producer]:
    """A fresh 3-partition topic and a producer to it."""
    create_topic(kafka_bootstrap, kafka_topic, 3)
    made = Producer(kafka_bootstrap, kafka_topic)
    yield made
    made.close()


def unique_group() -> str:
    from devservices.testing import unique_name

    return unique_name("pt-faults-group")


@functools.lru_cache(maxsize=None)
def admin_client(bootstrap: str):
    """One confluent-kafka AdminClient per broker for the whole session (each costs threads and a connection)."""
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap})


def committed(bootstrap: str, group: str, topic: str, partitions: int = 3) -> dict[int, int]:
    """What `group` has committed on `topic`, per partition (partitions with no commit left out)."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    admin = admin_client(bootstrap)
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(partitions)])
    try:
        answer = admin.list_consumer_group_offsets([request])[group].result(timeout=30)
    except Exception:  # the group has no commits yet
        return {}
    return {tp.partition: tp.offset for tp in answer.topic_partitions if tp.offset >= 0}


def assignments(bootstrap: str, group: str) -> list[set[int]]:
    """The partitions each live member of `group` holds (an empty list while it rebalances)."""
    admin = admin_client(bootstrap)
    try:
        description = admin.describe_consumer_groups([group])[group].result(timeout=30)
    except Exception:
        return []
    if str(description.state).rsplit(".", 1)[-1] != "STABLE":
        return []
    return [{tp.partition for tp in member.assignment.topic_partitions} for member in description.members]


def expected_messages(values: dict[str, bytes]) -> dict[str, str]:
    return {ident: json.loads(value)["message"] for ident, value in values.items()}


def assert_exactly(es_client, prefix: str, produced: dict[str, bytes]) -> list[dict]:
    """The index holds exactly the produced events: one document under each id, with its line."""
    docs = documents(es_client, prefix)
    ids = Counter(doc["_id"] for doc in docs)
    assert len(docs) == len(produced), f"{len(docs)} documents for {len(produced)} events"
    assert set(ids) == set(produced) and max(ids.values()) == 1
    want = expected_messages(produced)
    for doc in docs:
        assert doc["event"]["original"] == want[doc["_id"]]
    assert Counter(doc["n"] for doc in docs) == Counter({json.loads(v)["n"]: 1 for v in produced.values()})
    return docs


@pytest.mark.parametrize("backend", BACKENDS)
def test_kafka_kill_9_at_random_points_indexes_each_event_exactly_once(
    backend, kafka_bootstrap, kafka_topic, producer, es_url, es_client, es_index_prefix, sidecars, tmp_path
):
    """Events arrive on a 3-partition topic while the sidecar is killed -9 three times at seeded random
    points (each after some documents were indexed) and restarted: the index ends with exactly N
    documents, each produced event once under its `topic-partition-offset` id, ERROR lines tagged
    alert; a clean stop then commits every offset."""
    n, kills = 2400, 3
    chunk = n // (kills + 1)
    group = unique_group()
    config = write_config(tmp_path / "kafka.conf", kafka_input(kafka_bootstrap, kafka_topic, group, backend), es_url, es_index_prefix)
    events = [filebeat_kafka_event(i, kafka_topic) for i in range(n)]
    rng = random.Random(f"kafka-{backend}")
    dlq = tmp_path / "dlq"  # one queue across the restarts: a kill -9 leaves its lock behind
    for round_ in range(kills):
        # each round's events arrive while it runs; the last chunk only after the last kill, so every kill is mid-stream
        producer.send(events[round_ * chunk : (round_ + 1) * chunk], rate=300)
        sidecar = sidecars(config, name=f"kafka-{round_}", dead_letters=dlq)
        target = min((round_ + 1) * chunk - 1, count(es_client, es_index_prefix) + rng.randint(100, chunk - 100))
        wait_for(lambda: count(es_client, es_index_prefix) >= target, f"{target} documents (round {round_})", watch=[sidecar])
        time.sleep(rng.uniform(0, 0.3))  # a random point past the target: between fetches, bulks and commits
        sidecar.kill9()
    producer.send(events[kills * chunk :], rate=300)
    final = sidecars(config, name="kafka-final", dead_letters=dlq)
    producer.join()
    wait_for(lambda: count(es_client, es_index_prefix) >= n, f"{n} documents", watch=[final])
    wait_for(lambda: committed(kafka_bootstrap, group, kafka_topic) == {0: n // 3, 1: n // 3, 2: n // 3},
             "every offset committed", watch=[final])
    assert final.stop() == 0, final.log_tail()
    docs = assert_exactly(es_client, es_index_prefix, producer.ids)
    assert_porttrack_rule(docs)
    assert sum("alert" in doc.get("tags", []) for doc in docs) == len(range(0, n, 5))


@pytest.mark.parametrize("backend", BACKENDS)
def test_kafka_two_sidecars_in_one_group_split_the_partitions_and_survive_a_kill(
    backend, kafka_bootstrap, kafka_topic, producer, es_url, es_client, es_index_prefix, sidecars, tmp_path
):
    """Two sidecars of one group share the 3 partitions (each holds some, none both) and each indexes
    some; one is killed -9 mid-stream, the other takes its partitions over, and the index ends with
    exactly N documents."""
    n = 3000
    group = unique_group()
    config = write_config(tmp_path / "kafka.conf", kafka_input(kafka_bootstrap, kafka_topic, group, backend), es_url, es_index_prefix)
    first, second = sidecars(config, name="first"), sidecars(config, name="second")

    def split() -> bool:
        held = assignments(kafka_bootstrap, group)
        return len(held) == 2 and all(held) and not held[0] & held[1] and held[0] | held[1] == {0, 1, 2}

    wait_for(split, "the two members to split the partitions", watch=[first, second])
    # produced once the partitions are split, so that each member indexes (not only finds duplicates of) its own
    producer.send([filebeat_kafka_event(i, kafka_topic) for i in range(n // 3)], rate=300)
    wait_for(lambda: first.indexed() > 0 and second.indexed() > 0, "both sidecars to index some", watch=[first, second])
    producer.join()
    producer.send([filebeat_kafka_event(i, kafka_topic) for i in range(n // 3, n)], rate=300)
    target = count(es_client, es_index_prefix) + random.Random(f"two-{backend}").randint(200, 600)
    wait_for(lambda: count(es_client, es_index_prefix) >= target, f"{target} documents", watch=[first, second])
    first.kill9()
    wait_for(lambda: assignments(kafka_bootstrap, group) == [{0, 1, 2}], "the survivor to hold every partition", watch=[second])
    producer.join()
    wait_for(lambda: count(es_client, es_index_prefix) >= n, f"{n} documents", watch=[second])
    wait_for(lambda: committed(kafka_bootstrap, group, kafka_topic) == {0: n // 3, 1: n // 3, 2: n // 3},
             "every offset committed", watch=[second])
    assert second.stop() == 0, second.log_tail()
    assert_porttrack_rule(assert_exactly(es_client, es_index_prefix, producer.ids))


# -- Beats -----------------------------------------------------------------------------------------


def run_golumber(binary: Path, port: int, **options: object) -> subprocess.Popen:
    args = [str(binary), "-addr", f"127.0.0.1:{port}", "-shape", "porttrack"]
    args += [f"-{key.replace('_', '-')}={value}" for key, value in options.items()]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def golumber_summary(process: subprocess.Popen, timeout: float = 240) -> dict:
    out, err = process.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    summary = json.loads(lines[-1]) if lines else {}
    summary["returncode"], summary["stderr"] = process.returncode, err[-3000:]
    return summary


def beats_listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def test_beats_kill_9_while_go_lumber_sends_indexes_each_event_exactly_once(golumber, es_url, es_client, es_index_prefix, sidecars, tmp_path):
    """go-lumber sends N events over 3 pipelined connections while the sidecar is killed -9 three times
    at seeded random points and restarted on the same port; the client resends every window not
    acknowledged, and the index ends with exactly N documents, one per event, ERROR lines tagged alert."""
    n = 4000
    port = free_port()
    config = write_config(tmp_path / "beats.conf", f'  beats {{ host => "127.0.0.1" port => {port} }}', es_url, es_index_prefix)
    rng = random.Random("beats")
    dlq = tmp_path / "dlq"
    sidecar = sidecars(config, name="beats-0", dead_letters=dlq)
    wait_for(lambda: beats_listening(port), "the Beats port", watch=[sidecar])
    client = run_golumber(golumber, port, n=n, conns=3, window=100, pipelining=2, compress=3, timeout="5s", deadline="200s")
    try:
        for round_ in range(1, 4):
            target = min(n - 1, count(es_client, es_index_prefix) + rng.randint(200, 700))
            wait_for(lambda: count(es_client, es_index_prefix) >= target, f"{target} documents", watch=[sidecar])
            time.sleep(rng.uniform(0, 0.3))
            sidecar.kill9()
            sidecar = sidecars(config, name=f"beats-{round_}", dead_letters=dlq)
        summary = golumber_summary(client)
    finally:
        if client.poll() is None:
            client.kill()
    assert summary["returncode"] == 0 and summary["acked"] == n, summary
    assert summary["reconnects"] >= 3 and summary["resent"] > 0, summary  # the kills cost resends, same ids
    wait_for(lambda: count(es_client, es_index_prefix) >= n, f"{n} documents", watch=[sidecar])
    assert sidecar.stop() == 0, sidecar.log_tail()
    docs = documents(es_client, es_index_prefix)
    assert len(docs) == n
    assert Counter(doc["n"] for doc in docs) == Counter(range(n))
    assert len({doc["_id"] for doc in docs}) == n
    assert_porttrack_rule(docs)
    assert sum("alert" in doc.get("tags", []) for doc in docs) == len(range(0, n, 5))


# -- bad input against a running sidecar -----------------------------------------------------------


def _window(size: int) -> bytes:
    return b"2W" + struct.pack(">I", size)


def _jframe(seq: int, payload: bytes) -> bytes:
    return b"2J" + struct.pack(">II", seq, len(payload)) + payload


def _talk(port: int, data: bytes, *, read_until: bytes | None = None) -> bytes:
    """Send `data` on a fresh connection and read what the server answers until it closes the
    connection (or, with `read_until`, until the answer ends with it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while we were still sending (the bomb): what it answered is what counts
        got = b""
        while read_until is None or not got.endswith(read_until):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
        return got


def test_bad_input_is_visible_and_harms_nothing_else(
    golumber, kafka_bootstrap, kafka_topic, producer, es_url, es_client, es_index_prefix, sidecars, tmp_path
):
    """One sidecar with a Beats and a Kafka input. On Beats: HTTP and TLS bytes on the plain port, a
    malformed frame, a zlib bomb each close their own connection (logged, named); events with invalid
    UTF-8, a non-object JSON and a 1 MB line are acknowledged only once indexed or dead-lettered. On
    Kafka: values that are no JSON, no UTF-8, and a 1 MB line. Meanwhile a go-lumber client finishes on
    its first connections, the sidecar stays up, and every bad event is in the index tagged or in the
    dead letter queue."""
    from porttrack_logs.sinks.dead_letter import read

    port = free_port()
    group = unique_group()
    inputs = f'  beats {{ host => "127.0.0.1" port => {port} }}\n' + kafka_input(kafka_bootstrap, kafka_topic, group, "confluent")
    config = write_config(tmp_path / "bad.conf", inputs, es_url, es_index_prefix)
    dlq = tmp_path / "dlq"
    sidecar = sidecars(config, name="bad", dead_letters=dlq)
    wait_for(lambda: beats_listening(port), "the Beats port", watch=[sidecar])
    n = 3000
    good = run_golumber(golumber, port, n=n, first=100000, conns=2, window=100, pipelining=2, compress=3, timeout="30s", deadline="200s")

    # Beats junk: each closes its own connection, nothing acknowledged on it
    bomb = zlib.compress(b"\x00" * (256 << 20), 9)  # past the 128 MiB a window may inflate to
    junk = {
        "http": b"GET /metrics HTTP/1.1\r\nHost: sidecar\r\n\r\n",
        "tls": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(32),
        "frame": _window(1) + b"2J\x00\x00\x00\x01\xff\xff\xff\xff",
        "type": _window(1) + b"2Z\x00\x00\x00\x00",
        "bomb": _window(1) + b"2C" + struct.pack(">I", len(bomb)) + bomb,
    }
    for name, data in junk.items():
        assert _talk(port, data) == b"", f"{name}: the server answered junk"
    assert sidecar.process.poll() is None, sidecar.log_tail()

    # Beats events that decode badly or are large: acknowledged (2A seq) once indexed or dead-lettered
    line = "2026-11-30T12:00:00.000Z ERROR " + "y" * (1 << 20)
    beats_bad = [
        b'{"@timestamp":"2026-11-30T12:00:00.000Z","message":"2026-11-30T12:00:00.000Z ERROR bad utf-8 \xff\xfe here","n":-1}',
        b'["not", "an", "object", -2]',
        json.dumps({"@timestamp": "2026-11-30T12:00:00.000Z", "message": line, "n": -3}).encode(),
    ]
    window = _window(len(beats_bad)) + b"".join(_jframe(i + 1, payload) for i, payload in enumerate(beats_bad))
    answer = _talk(port, window, read_until=b"2A" + struct.pack(">I", len(beats_bad)))
    assert answer.endswith(b"2A" + struct.pack(">I", len(beats_bad))), answer

    # Kafka values that are no JSON, no UTF-8, a JSON string with invalid UTF-8, a 1 MB line, then good ones
    kafka_bad = [
        b"this is not JSON at all",
        b"\xff\xfe\xfd not utf-8 either",
        b'{"message":"2026-11-30T12:00:00.000Z ERROR invalid \xc3\x28 byte","n":-4}',
    ]
    kafka_big = json.dumps({"@timestamp": "2026-11-30T12:00:00.000Z", "message": line[:1_000_000], "n": -5}).encode()
    kafka_good = [filebeat_kafka_event(i, kafka_topic) for i in range(30)]
    producer.send(kafka_bad + [kafka_big] + kafka_good)
    producer.join()
    bad_ids = {ident for ident, value in producer.ids.items() if value in kafka_bad}
    good_ids = set(producer.ids) - bad_ids

    summary = golumber_summary(good)
    assert summary["returncode"] == 0 and summary["acked"] == n, summary
    assert summary["reconnects"] == 0 and summary["errors"] == [], summary  # the junk never touched it
    total = n + len(beats_bad) + len(producer.ids)

    def dead_letters() -> list:
        return list(read(dlq)) if dlq.exists() else []

    wait_for(lambda: count(es_client, es_index_prefix) + len(dead_letters()) >= total, "every event indexed or dead-lettered", watch=[sidecar])
    assert sidecar.process.poll() is None, sidecar.log_tail()
    assert sidecar.stop() == 0, sidecar.log_tail()

    docs = documents(es_client, es_index_prefix)
    letters = dead_letters()
    assert len(docs) + len(letters) == total
    by_id = {doc["_id"]: doc for doc in docs}
    assert good_ids <= set(by_id)
    assert len([doc for doc in docs if doc.get("n", -1) >= 100000]) == n
    # every bad event: in the dead letter queue with its exact bytes, or indexed tagged with the failure
    lettered = {bytes(letter.original) for letter in letters if letter.original is not None}

    def tagged_doc(doc: dict | None) -> bool:
        return doc is not None and bool(set(doc.get("tags", [])) & FAILURE_TAGS)

    for ident in bad_ids:
        doc = by_id.get(ident)
        assert producer.ids[ident] in lettered or tagged_doc(doc), (ident, doc and doc.get("tags"))
    for payload in beats_bad[:2]:
        text = payload.decode("utf-8", "replace")
        assert payload in lettered or any(tagged_doc(doc) and doc["event"]["original"] == text for doc in docs), payload
    # the 1 MB lines, from Beats and from Kafka, indexed whole and parsed
    big = [doc for doc in docs if doc.get("n") in (-3, -5)]
    assert sorted(doc["n"] for doc in big) == [-5, -3]
    assert all(len(doc["event"]["original"]) >= 1_000_000 and "alert" in doc["tags"] for doc in big)
    # the junk connections were named in the sidecar's own log
    log = sidecar.log.read_text(errors="replace")
    assert "HTTP request" in log and "0x16" in log and "zlib bomb" in log
