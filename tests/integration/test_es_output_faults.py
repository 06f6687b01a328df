"""The elasticsearch output against throwaway nodes it may choke and kill (9.x and 8.x): exact counts.

- a node with one write thread and a write queue of one, driven by concurrent sinks: real 429s, every
  document still indexed exactly once;
- the same node with `http.max_content_length: 1mb`: a request over it gets a real 413 and is split, a
  document over it is dead-lettered without being sent;
- a node killed with SIGKILL mid-stream and started again: the write blocks, resumes, nothing lost or doubled.

The thread joins below have generous limits only so that a hang fails instead of stalling the run; nothing
asserts how long anything took.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from porttrack_logs.event import Event
from porttrack_logs.sinks.base import DELIVERED, PROVENANCE, Outcome, SinkContext
from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput
from tests.sinks.elasticsearch.support import RecordingDeadLetters

pytestmark = pytest.mark.integration

HANG = 600  # seconds: a guard against a hang, not a measurement

TIGHT = {"thread_pool.write.size": 1, "thread_pool.write.queue_size": 1, "http.max_content_length": "1mb"}


@pytest.fixture(scope="module", params=[9, 8], ids=["es9", "es8"])
def tight_node(request, tmp_path_factory):
    """A throwaway node per major: one write thread, a write queue of one, 1mb requests at most."""
    from devservices.testing import throwaway_elasticsearch

    node = throwaway_elasticsearch(tmp_path_factory.mktemp(f"tight{request.param}"), major=request.param, settings=TIGHT)
    node.start()
    client = node.client()
    yield node, client
    client.close()
    node.stop()


def build(url: str, registry: CollectorRegistry, plugin: str, dead_letters: Any = None, **options: Any):
    options.setdefault("manage_template", False)
    options.setdefault("retry_initial_interval", 0.05)
    options.setdefault("retry_max_interval", 1.0)
    context = SinkContext(dead_letters or RecordingDeadLetters(), plugin, registry)
    return ElasticsearchOutput(hosts=[url], **options).build(context)


def make_event(key: str, i: int, **fields: Any) -> Event:
    data = {"message": f"{key} line {i}", "@timestamp": "2026-11-27T06:00:00Z", "n": i, **fields}
    return Event(data, metadata={PROVENANCE: {"id": f"{key}@{i}", "place": f"{key}@{i}"}})


def total(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def run_threads(targets: list) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def count(client: Any, index: str) -> int:
    client.indices.refresh(index=index)
    return client.count(index=index)["count"]


def test_real_429s_from_concurrent_writers_still_index_every_document_exactly_once(tight_node):
    """4 sinks x 8 batches x 125 events into a node with one write thread: 429s happen, 4000 documents, all indexed."""
    node, client = tight_node
    index = "rejections"
    client.indices.create(index=index, settings={"number_of_shards": 3, "number_of_replicas": 0})
    registry = CollectorRegistry()
    results: dict[int, list[Outcome]] = {}

    def writer(w: int):
        def run():
            sink = build(node.url, registry, f"elasticsearch@{w}:1", index=index)
            got: list[Outcome] = []
            for b in range(8):
                got += sink.write([make_event(f"w{w}b{b}", i) for i in range(125)])
            results[w] = got
            sink.close()
        return run

    run_threads([writer(w) for w in range(4)])

    retried = total(registry, "porttrack_output_retries_total")
    assert retried > 0, "the node refused nothing: no 429 was exercised"
    assert [results[w] for w in range(4)] == [[Outcome.INDEXED] * 1000] * 4
    assert count(client, index) == 4000
    client.indices.delete(index=index)


def test_a_request_over_max_content_length_gets_a_real_413_and_is_split(tight_node, caplog):
    """16 documents of ~100 KB in one 1.6 MB request: 413, halves, all 16 indexed once."""
    node, client = tight_node
    index = "split"
    registry = CollectorRegistry()
    sink = build(node.url, registry, "elasticsearch@2:1", index=index)
    assert sink.max_content_length == 1024 * 1024
    got: list[Outcome] = []

    with caplog.at_level(logging.WARNING, "porttrack_logs.sinks.elasticsearch"):
        run_threads([lambda: got.extend(sink.write([make_event("big", i, blob="b" * 100_000) for i in range(16)]))])

    assert got == [Outcome.INDEXED] * 16 and count(client, index) == 16
    assert any("answered 413" in r.getMessage() for r in caplog.records)
    sink.close()
    client.indices.delete(index=index)


def test_a_document_over_max_content_length_is_dead_lettered_without_being_sent(tight_node):
    """A 1.2 MB document among small ones: the DLQ holds it with 413 and its size; the others are indexed."""
    node, client = tight_node
    index = "oversized"
    dead = RecordingDeadLetters()
    sink = build(node.url, CollectorRegistry(), "elasticsearch@3:1", dead, index=index)

    got = sink.write([make_event("s", 0), make_event("s", 1, blob="x" * 1_200_000), make_event("s", 2)])

    assert got == [Outcome.INDEXED, Outcome.DEAD_LETTERED, Outcome.INDEXED] and count(client, index) == 2
    (entry,) = dead.entries
    assert (entry["status"], entry["error_type"], entry["place"]) == (413, "document_too_large", "s@1")
    assert "larger than the cluster's http.max_content_length (1048576 bytes)" in entry["reason"]
    sink.close()
    client.indices.delete(index=index)


@pytest.mark.parametrize("major", [9, 8], ids=["es9", "es8"])
def test_elasticsearch_killed_mid_stream_blocks_the_write_which_resumes_after_restart_with_no_loss_or_duplicate(tmp_path, major, caplog):
    """60 batches of 100 events; kill -9 of the node after the 5th; the writer blocks (logged), the node starts
    again on its data: every event gets an outcome, all delivered, and the index holds exactly 6000 documents."""
    from devservices.testing import throwaway_elasticsearch

    node = throwaway_elasticsearch(tmp_path, major=major)
    node.start()
    client = node.client()
    index = "crash"
    client.indices.create(index=index, settings={"number_of_shards": 1, "number_of_replicas": 0})
    registry = CollectorRegistry()
    sink = build(node.url, registry, "elasticsearch@4:1", index=index, retry_initial_interval=0.2, retry_max_interval=2.0, timeout=20)
    outcomes: list[Outcome] = []
    five_done = threading.Event()

    def writer():
        for b in range(60):
            outcomes.extend(sink.write([make_event(f"b{b}", i) for i in range(100)]))
            if b == 4:
                five_done.set()

    try:
        with caplog.at_level(logging.WARNING, "porttrack_logs.sinks.elasticsearch"):
            thread = threading.Thread(target=writer)
            thread.start()
            assert five_done.wait(HANG)
            node.kill()
            deadline = time.monotonic() + HANG
            while total(registry, "porttrack_output_retries_total", cause="request") < 2 and thread.is_alive():
                assert time.monotonic() < deadline, "the writer never retried against the dead node"
                time.sleep(0.1)
            assert thread.is_alive(), "the writer finished although the node was dead"
            node.start()
            thread.join(HANG)
        assert not thread.is_alive()
        blocked = [r.getMessage() for r in caplog.records if "is blocked" in r.getMessage()]
        assert blocked and "did not answer" in blocked[0]
        assert len(outcomes) == 6000 and all(o in DELIVERED for o in outcomes)
        assert count(client, index) == 6000
    finally:
        sink.close()
        client.close()
        node.stop()


def test_manage_template_installs_porttracks_templates_at_start_and_documents_get_their_mappings(tight_node, caplog):
    """manage_template (the default) on a node without them: PortTrack's index template is put at build, a
    document in the default daily index gets its mappings (log.level keyword); the next start changes nothing."""
    node, client = tight_node
    with caplog.at_level(logging.INFO, "porttrack_logs.sinks.elasticsearch"):
        sink = build(node.url, CollectorRegistry(), "elasticsearch@5:1", manage_template=True)
        assert sink.write([make_event("t", 0, log={"level": "INFO"})]) == [Outcome.INDEXED]
        first = [r.getMessage() for r in caplog.records if r.getMessage().startswith("manage_template:")]
        caplog.clear()
        build(node.url, CollectorRegistry(), "elasticsearch@5:2", manage_template=True).close()
        second = [r.getMessage() for r in caplog.records if r.getMessage().startswith("manage_template:")]

    assert client.indices.exists_index_template(name="porttrack-logs")
    mapping = client.indices.get_mapping(index="porttrack-logs-2026.11.27")["porttrack-logs-2026.11.27"]["mappings"]
    assert mapping["properties"]["log"]["properties"]["level"]["type"] == "keyword"
    assert any("created index template porttrack-logs" in line for line in first)
    assert any("unchanged index template porttrack-logs" in line for line in second)
    assert not any("created" in line for line in second)
    sink.close()
    client.indices.delete(index="porttrack-logs-2026.11.27")
