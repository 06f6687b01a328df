"""`porttrack-logs run -f` with a kafka input, as a process, against the real Kafka and Elasticsearch:
exact documents, offsets committed after delivery, SIGTERM drains and exits 0, a restart reads
nothing twice; /metrics, /healthz, /readyz; consumer_threads; --workers 2 on a 3-partition topic."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest

WORKTREE = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


# -- helpers (the sidecar process, Kafka, Elasticsearch) ----------------------------------------


def wait_for(condition: Callable[[], Any], timeout: float = 120.0, what: str = "condition") -> Any:
    """Poll `condition` until it is truthy (a liveness wait, never a timing assertion)."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


class SidecarProcess:
    """`python -m porttrack_logs.cli run -f CONF ...` with JSON logs, read as they come."""

    def __init__(self, conf: Path, workdir: Path, *args: str, dead_letters: str = "dlq") -> None:
        env = {**os.environ, "PYTHONPATH": str(WORKTREE)}
        command = [sys.executable, "-m", "porttrack_logs.cli", "run", "-f", str(conf),
                   "--dead-letters", str(workdir / dead_letters), "--log-format", "json", *args]
        self.process = subprocess.Popen(command, cwd=workdir, env=env, stderr=subprocess.PIPE, text=True)
        self.records: list[dict] = []
        self.raw: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            self.raw.append(line)
            try:
                self.records.append(json.loads(line))
            except ValueError:
                pass

    def logged(self, text: str) -> dict | None:
        return next((r for r in list(self.records) if text in r.get("message", "")), None)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 120) -> int:
        self.process.send_signal(signum)
        return self.wait(timeout)

    def wait(self, timeout: float = 120) -> int:
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        return "".join(self.raw)


def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a family's samples whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        family, _, rest = head.partition("{")
        if family != name:
            continue
        if all(f'{k}="{v}"' in rest for k, v in labels.items()):
            total += float(value)
    return total


def filebeat_event(n: int) -> bytes:
    event = {
        "@timestamp": f"2026-11-30T12:00:{n // 1000 % 60:02d}.{n % 1000:03d}Z",
        "@metadata": {"beat": "filebeat", "type": "_doc", "version": "9.3.0"},
        "message": f"2026-11-30T12:00:00.000Z INFO tracked container {n} at berth {n % 40}",
        "n": n,
        "stream": "stdout",
        "kubernetes": {"namespace": "default", "pod": {"name": f"porttrack-api-{n % 3}"}},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-it-sidecar")
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()


def produce(bootstrap: str, topic: str, values: list[bytes], partitions: int = 3) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = [producer.send(topic, value=v, partition=i % partitions) for i, v in enumerate(values)]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=60)
    finally:
        producer.close()


def committed_total(bootstrap: str, group: str) -> int:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-it-sidecar-offsets")
    try:
        found = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    return sum(meta.offset for meta in found.values() if meta.offset >= 0)


def count(es: Any, index: str) -> int:
    try:
        es.indices.refresh(index=index)
        return es.count(index=index)["count"]
    except Exception:  # noqa: BLE001 (not created yet)
        return 0


def free_port() -> int:
    from devservices.testing import free_ports

    return free_ports(1)[0]


KAFKA_CONF = """
input {{ kafka {{ bootstrap_servers => "{bootstrap}" topics => ["{topic}"] group_id => "{group}"
                 auto_offset_reset => "earliest" backend => "{backend}" auto_commit_interval_ms => 1000 {extra} }} }}
filter {{ if [n] == 3 {{ drop {{ }} }} }}
output {{ elasticsearch {{ hosts => ["{es}"] index => "{index}" manage_template => false }} }}
"""


def kafka_conf(path: Path, **values: Any) -> Path:
    values.setdefault("extra", "")
    values.setdefault("backend", "confluent")
    path.write_text(KAFKA_CONF.format(**values))
    return path


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["confluent", "kafka-python"])
def test_kafka_into_elasticsearch_exactly_once_then_a_restart_reads_only_what_is_new(
    tmp_path, kafka_bootstrap, kafka_topic, es_url, es_client, es_index_prefix, backend
):
    """N records (one no JSON, one dropped by a filter) on 3 partitions: the index holds N-1
    documents, the group has committed N offsets, SIGTERM drains and exits 0; a restart reads only
    the K records produced after it (nothing twice), and /metrics, /healthz, /readyz answer."""
    from devservices.testing import unique_name

    create_topic(kafka_bootstrap, kafka_topic, 3)
    n = 600
    produce(kafka_bootstrap, kafka_topic, [filebeat_event(i) for i in range(n - 1)] + [b"not json at all"])
    group, index = unique_name("pt-it-sc"), f"{es_index_prefix}sidecar"
    conf = kafka_conf(tmp_path / "k.conf", bootstrap=kafka_bootstrap, topic=kafka_topic, group=group, es=es_url, index=index, backend=backend)
    port = free_port()
    sidecar = SidecarProcess(conf, tmp_path, "--http-port", str(port))
    try:
        wait_for(lambda: count(es_client, index) >= n - 1, what="n-1 documents indexed")
        wait_for(lambda: committed_total(kafka_bootstrap, group) == n, what="n offsets committed")
        assert http_get(port, "/healthz")[0] == 200
        assert http_get(port, "/readyz") == (200, "ok\n")
        status, text = wait_for(lambda: (lambda a: a if metric(a[1], "porttrack_events_out_total") == n - 1 else None)(http_get(port, "/metrics")),
                                what="the metrics to show n events in")
        assert status == 200
        assert metric(text, "porttrack_events_out_total", outcome="indexed") == n - 1
        assert metric(text, "porttrack_events_in_total") == n
        assert metric(text, "porttrack_events_dropped_total") == 1
        assert metric(text, "porttrack_events_tagged_total", tag="_jsonparsefailure") == 1
        assert metric(text, "porttrack_output_bulk_requests_total", result="answered") >= 1
        assert "porttrack_kafka_lag" in text and "porttrack_dead_letter_queue_bytes" in text
        assert sidecar.stop() == 0, sidecar.output()
    finally:
        sidecar.kill()
    final = sidecar.logged("drained and closed")
    assert final is not None and final["fields"]["read"] == n and final["level"] == "info"
    assert count(es_client, index) == n - 1
    assert committed_total(kafka_bootstrap, group) == n
    junk = es_client.search(index=index, query={"term": {"tags": "_jsonparsefailure"}})["hits"]["hits"]
    assert [h["_source"]["message"] for h in junk] == ["not json at all"]

    k = 90
    again = SidecarProcess(conf, tmp_path, "--http-port", str(port))
    try:
        wait_for(lambda: http_get(port, "/readyz")[0] == 200, what="the restarted sidecar ready")
        produce(kafka_bootstrap, kafka_topic, [filebeat_event(10_000 + i) for i in range(k)])
        wait_for(lambda: count(es_client, index) >= n - 1 + k, what="the k new documents")
        wait_for(lambda: committed_total(kafka_bootstrap, group) == n + k, what="n+k offsets committed")
        assert again.stop() == 0, again.output()
    finally:
        again.kill()
    assert again.logged("drained and closed")["fields"]["read"] == k  # nothing of the first run read twice
    assert count(es_client, index) == n - 1 + k


def test_consumer_threads_2_are_two_members_of_the_group_in_one_process(tmp_path, kafka_bootstrap, kafka_topic, es_url, es_client, es_index_prefix):
    """consumer_threads => 2 runs two consumers of the group in the process: every record once."""
    from devservices.testing import unique_name

    create_topic(kafka_bootstrap, kafka_topic, 3)
    n = 300
    produce(kafka_bootstrap, kafka_topic, [filebeat_event(1000 + i) for i in range(n)])
    group, index = unique_name("pt-it-sc"), f"{es_index_prefix}threads"
    conf = kafka_conf(tmp_path / "k.conf", bootstrap=kafka_bootstrap, topic=kafka_topic, group=group, es=es_url, index=index,
                      extra="consumer_threads => 2")
    sidecar = SidecarProcess(conf, tmp_path)
    try:
        wait_for(lambda: committed_total(kafka_bootstrap, group) == n, what="n offsets committed")
        assert sidecar.stop() == 0, sidecar.output()
    finally:
        sidecar.kill()
    running = sidecar.logged("running:")
    assert running["fields"]["inputs"] == ["kafka@2:9#1", "kafka@2:9#2"]
    assert count(es_client, index) == n


def test_two_workers_split_a_3_partition_topic_and_the_parent_sums_their_metrics(
    tmp_path, kafka_bootstrap, kafka_topic, es_url, es_client, es_index_prefix
):
    """--workers 2: two processes in one group share the 3 partitions; the index holds each record
    once, the parent's /metrics is their sum, SIGTERM drains both and the parent exits 0."""
    from devservices.testing import unique_name

    create_topic(kafka_bootstrap, kafka_topic, 3)
    n = 900
    group, index = unique_name("pt-it-sc"), f"{es_index_prefix}workers"
    conf = kafka_conf(tmp_path / "k.conf", bootstrap=kafka_bootstrap, topic=kafka_topic, group=group, es=es_url, index=index)
    port = free_port()
    parent = SidecarProcess(conf, tmp_path, "--workers", "2", "--http-port", str(port))
    try:
        wait_for(lambda: http_get(port, "/readyz")[0] == 200, what="both workers ready")
        started = [r for r in parent.records if r["message"].startswith("worker ") and "started" in r["message"]]
        assert len(started) == 2

        def split() -> bool:
            """Each worker's latest assignment holds a partition, and together all 3."""
            latest = {}
            for r in list(parent.records):
                if ": assigned [" in r["message"] or ": revoked [" in r["message"]:
                    latest[r["fields"]["worker"]] = 0 if ": revoked [" in r["message"] else r["message"].count(kafka_topic)
            return len(latest) == 2 and all(latest.values()) and sum(latest.values()) == 3

        wait_for(split, what="the partitions split between the two workers")
        produce(kafka_bootstrap, kafka_topic, [filebeat_event(i) for i in range(n - 1)] + [b"{\"n\": 3}"])
        wait_for(lambda: committed_total(kafka_bootstrap, group) == n, what="n offsets committed")
        text = wait_for(lambda: (lambda t: t if metric(t, "porttrack_events_out_total") == n - 2 else None)(http_get(port, "/metrics")[1]),
                        what="the summed metrics")
        assert metric(text, "porttrack_events_in_total") == n
        plugins = {line.split('plugin="')[1].split('"')[0] for line in text.splitlines() if line.startswith("porttrack_events_in_total")}
        assert plugins == {"kafka@2:9"}
        assert metric(text, "porttrack_events_dropped_total") == 2  # n == 3 twice: the produced event and the last record
        assert parent.stop() == 0, parent.output()
    finally:
        parent.kill()
    finals = [r for r in parent.records if "drained and closed" in r["message"]]
    assert len(finals) == 2 and sum(r["fields"]["read"] for r in finals) == n
    assert all(r["fields"]["read"] > 0 for r in finals)  # both took part
    assert count(es_client, index) == n - 2
    assert sorted(p.name for p in (tmp_path / "dlq").iterdir()) == ["worker-0", "worker-1"]


def test_a_worker_killed_with_sigkill_stops_the_others_and_the_parent_exits_4(tmp_path, kafka_bootstrap, kafka_topic, es_url, es_index_prefix):
    """A child that dies unasked (kill -9): the parent stops the other one and exits 4 naming it."""
    from devservices.testing import unique_name

    create_topic(kafka_bootstrap, kafka_topic, 3)
    conf = kafka_conf(tmp_path / "k.conf", bootstrap=kafka_bootstrap, topic=kafka_topic, group=unique_name("pt-it-sc"),
                      es=es_url, index=f"{es_index_prefix}killed")
    parent = SidecarProcess(conf, tmp_path, "--workers", "2")
    try:
        started = wait_for(lambda: [r for r in parent.records if r["message"].startswith("worker 1 started")], what="worker 1")
        pid = started[0]["fields"]["pid"]
        wait_for(lambda: len([r for r in parent.records if "running:" in r["message"]]) == 2, what="both workers running")
        os.kill(pid, signal.SIGKILL)
        code = parent.wait(120)
    finally:
        parent.kill()
    assert code == 4
    assert any(f"worker 1 (pid {pid}) exited with -9" in r["message"] for r in parent.records)
    assert len([r for r in parent.records if "drained and closed" in r["message"]]) == 1  # the survivor drained
