"""Smoke tests against the real services: the official ES client, ES ingest grok, kafka-python with a group."""

from __future__ import annotations

import time

import pytest

pytestmark = [
    pytest.mark.integration,
    # kafka-python 3.0 loads its protocol schemas with importlib.resources' legacy API
    pytest.mark.filterwarnings("ignore:(read|open)_text is deprecated:DeprecationWarning"),
]

PARTITIONS = 3


def test_indexed_document_is_found_by_search(es_client, es_index_prefix):
    """A document indexed with the official client is returned by a match query after a refresh."""
    index = es_index_prefix + "logs"
    es_client.index(index=index, id="evt-1", document={"message": "vessel MSC ARIES berthed", "level": "INFO"}, refresh=True)
    es_client.index(index=index, id="evt-2", document={"message": "crane 7 offline", "level": "WARN"}, refresh=True)

    hits = es_client.search(index=index, query={"match": {"message": "berthed"}})["hits"]

    assert [(h["_id"], h["_source"]["level"]) for h in hits["hits"]] == [("evt-1", "INFO")]


def _processors(es_client) -> set[str]:
    nodes = es_client.nodes.info(metric="ingest")["nodes"]
    return {p["type"] for node in nodes.values() for p in node.get("ingest", {}).get("processors", [])}


def test_ingest_simulate_grok_extracts_fields(es_client):
    """ES's grok processor, run through `_ingest/pipeline/_simulate`, splits an access-log line into fields."""
    if "grok" not in _processors(es_client):
        pytest.skip(
            "this Elasticsearch has no grok processor (no ingest-common module); the integ-test-zip from "
            "Maven Central ships only transport-netty4, apm and x-pack-core/security"
        )
    pipeline = {"processors": [{"grok": {"field": "message", "patterns": ["%{IP:client.ip} %{WORD:http.method} %{URIPATHPARAM:url.original} %{NUMBER:status:int}"]}}]}
    docs = [{"_source": {"message": "10.1.2.3 GET /api/v1/containers?yard=B 200"}}]

    result = es_client.ingest.simulate(pipeline=pipeline, docs=docs)
    source = result["docs"][0]["doc"]["_source"]

    assert (source["client"]["ip"], source["http"]["method"], source["url"]["original"], source["status"]) == (
        "10.1.2.3", "GET", "/api/v1/containers?yard=B", 200,
    )


# --- Kafka -----------------------------------------------------------------------------------------


def _create_topic(bootstrap: str, topic: str) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-it-smoke")
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        admin.close()


def _produce(bootstrap: str, topic: str, values: list[str]) -> None:
    """Send values round-robin over the partitions (explicit partition numbers), waiting for every ack."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for i, value in enumerate(values):
            producer.send(topic, value=value.encode(), partition=i % PARTITIONS)
        producer.flush(timeout=30)
    finally:
        producer.close()


def _consume(bootstrap: str, topic: str, group: str, count: int) -> list[tuple[int, str]]:
    """Join `group`, read until `count` records arrived (or 60 s passed), commit, leave; (partition, value) pairs."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
        enable_auto_commit=False, consumer_timeout_ms=60_000,
    )
    seen: list[tuple[int, str]] = []
    try:
        deadline = time.monotonic() + 60
        while len(seen) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                seen.extend((r.partition, r.value.decode()) for r in records)
        consumer.commit()
    finally:
        consumer.close()
    return seen


def _committed(bootstrap: str, group: str, topic: str) -> dict[int, int | None]:
    """Offsets the broker holds for `group` on each partition of `topic`, read without joining the group."""
    from kafka import KafkaConsumer, TopicPartition

    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return {p: reader.committed(TopicPartition(topic, p)) for p in range(PARTITIONS)}
    finally:
        reader.close()


def test_topic_is_created_with_three_partitions(kafka_bootstrap, kafka_topic):
    """A topic created through the admin client reports the requested three partitions to a consumer."""
    from kafka import KafkaConsumer

    _create_topic(kafka_bootstrap, kafka_topic)
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    try:
        partitions = consumer.partitions_for_topic(kafka_topic)
    finally:
        consumer.close()

    assert partitions == {0, 1, 2}


def test_group_consumer_reads_every_partition_and_commits(kafka_bootstrap, kafka_topic):
    """A group consumer receives all records of all three partitions, and its commit lands per partition."""
    _create_topic(kafka_bootstrap, kafka_topic)
    values = [f"first-{i}" for i in range(9)]
    _produce(kafka_bootstrap, kafka_topic, values)

    seen = _consume(kafka_bootstrap, kafka_topic, kafka_topic + "-group", len(values))

    assert sorted(v for _, v in seen) == sorted(values)
    assert _committed(kafka_bootstrap, kafka_topic + "-group", kafka_topic) == {0: 3, 1: 3, 2: 3}


def test_new_group_member_resumes_after_committed_offsets(kafka_bootstrap, kafka_topic):
    """A second consumer of the same group starts at the committed offsets: it sees only newer records."""
    _create_topic(kafka_bootstrap, kafka_topic)
    group = kafka_topic + "-group"
    _produce(kafka_bootstrap, kafka_topic, [f"first-{i}" for i in range(9)])
    _consume(kafka_bootstrap, kafka_topic, group, 9)
    second = [f"second-{i}" for i in range(6)]
    _produce(kafka_bootstrap, kafka_topic, second)

    resumed = _consume(kafka_bootstrap, kafka_topic, group, len(second))

    assert sorted(v for _, v in resumed) == sorted(second)
    assert _committed(kafka_bootstrap, group, kafka_topic) == {0: 5, 1: 5, 2: 5}
