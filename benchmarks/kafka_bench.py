"""Kafka into events: events/s and CPU µs per event of each backend of the kafka source, beside a baseline.

    PORTTRACK_KAFKA_BOOTSTRAP=127.0.0.1:19092 python benchmarks/kafka_bench.py [--events 100000]

Produces M Filebeat-shaped events (about 750 bytes) once to a fresh 3-partition topic, then reads
them all, each run a new consumer group from the earliest offset, in this one process:

    baseline      kafka-python's KafkaConsumer + json.loads per value, the obvious way (no acks)
    kafka-python  KafkaSource(backend="kafka-python"): events stamped, batches settled, offsets committed
    confluent     KafkaSource(backend="confluent")

CPU is time.process_time() of the whole process over the run (consumer, IO and fetch threads alike),
divided by M; the wall clock starts at start() and ends when the M-th event is settled. crc32c is
reported, since kafka-python checks record CRCs in pure Python without it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from porttrack_logs.acks import DELIVERED  # noqa: E402
from porttrack_logs.sources.base import SourceContext  # noqa: E402
from porttrack_logs.sources.kafka import KafkaInput  # noqa: E402


def event(n: int) -> bytes:
    return json.dumps(
        {
            "@timestamp": f"2026-11-30T12:00:{n // 1000 % 60:02d}.{n % 1000:03d}Z",
            "message": f"2026-11-30 12:00:00.000 INFO [http-nio-8080-exec-{n % 10}] c.p.t.TrackController : tracked container {n} at berth {n % 40}",
            "stream": "stdout",
            "log": {"offset": n * 160, "file": {"path": f"/var/log/containers/porttrack-api-{n % 3}_default_api-abc.log"}},
            "input": {"type": "container"},
            "container": {"id": "c0ffee" * 10, "image": {"name": "registry.local/porttrack/api:1.4.2"}, "runtime": "containerd"},
            "kubernetes": {"namespace": "default", "pod": {"name": f"porttrack-api-{n % 3}"}, "labels": {"app": "porttrack-api"}},
            "agent": {"type": "filebeat", "version": "9.3.0", "name": "node-1", "id": "8d6b2f0e-agent"},
            "ecs": {"version": "8.0.0"},
            "host": {"name": "node-1"},
        },
        separators=(",", ":"),
    ).encode()


def produce(bootstrap: str, topic: str, m: int) -> int:
    from confluent_kafka import Producer
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    admin.close()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000, "compression.type": "none"})
    size = 0
    for i in range(m):
        value = event(i)
        size += len(value)
        while True:
            try:
                producer.produce(topic, value, partition=i % 3)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    if producer.flush(120) != 0:
        raise SystemExit("the producer could not deliver every event")
    return size // m


def baseline(bootstrap: str, topic: str, m: int) -> tuple[float, float]:
    from kafka import KafkaConsumer

    cpu0, t0 = time.process_time(), time.perf_counter()
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-base-{os.getpid()}", auto_offset_reset="earliest")
    seen = 0
    while seen < m:
        for records in consumer.poll(timeout_ms=500, max_records=2000).values():
            for record in records:
                json.loads(record.value)
                seen += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    consumer.close()
    return wall, cpu


def raw_confluent(bootstrap: str, topic: str, m: int) -> tuple[float, float]:
    """For reference: librdkafka's own cost, values read and nothing decoded."""
    from confluent_kafka import Consumer

    cpu0, t0 = time.process_time(), time.perf_counter()
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-raw-{os.getpid()}", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen = 0
    while seen < m:
        for message in consumer.consume(num_messages=2000, timeout=0.5):
            if message.error() is None:
                message.value()
                seen += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    consumer.close()
    return wall, cpu


def source_run(bootstrap: str, topic: str, m: int, backend: str) -> tuple[float, float]:
    settings = KafkaInput(
        bootstrap_servers=bootstrap, topics=[topic], group_id=f"bench-{backend}-{os.getpid()}", backend=backend,
        auto_offset_reset="earliest", max_poll_records=2000, max_batches_in_flight=64,
    )
    cpu0, t0 = time.process_time(), time.perf_counter()
    source = settings.build(SourceContext(plugin_id=f"kafka-{backend}"))
    source.start()
    seen = 0
    while seen < m:
        batch = source.poll(1.0)
        if batch is None:
            continue
        seen += len(batch)
        batch.ack.settle(0, len(batch), DELIVERED)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    source.close()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--bootstrap", default=os.environ.get("PORTTRACK_KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    args = parser.parse_args()
    try:
        import crc32c  # noqa: F401

        crc = "installed"
    except ImportError:
        crc = "NOT installed (kafka-python checks CRCs in pure Python)"
    import confluent_kafka
    import kafka

    topic = f"bench-kafka-{os.getpid()}-{int(time.time())}"
    m = args.events
    size = produce(args.bootstrap, topic, m)
    print(f"{m} events of {size} bytes on 3 partitions; kafka-python {kafka.__version__} (crc32c {crc}), "
          f"confluent-kafka {confluent_kafka.version()[0]} (librdkafka {confluent_kafka.libversion()[0]})")
    rows = [("baseline: KafkaConsumer + json.loads", baseline(args.bootstrap, topic, m))]
    for backend in ("kafka-python", "confluent"):
        rows.append((f"KafkaSource backend={backend}", source_run(args.bootstrap, topic, m, backend)))
    rows.append(("(reference) raw confluent consume, no decode", raw_confluent(args.bootstrap, topic, m)))
    base_cpu = rows[0][1][1]
    print(f"{'run':46s} {'events/s':>10s} {'CPU µs/event':>13s} {'vs baseline':>12s}")
    for name, (wall, cpu) in rows:
        print(f"{name:46s} {m / wall:10,.0f} {cpu / m * 1e6:13.2f} {base_cpu / cpu:11.2f}x")
    try:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
        admin.delete_topics([topic])
        admin.close()
    except Exception as exc:  # noqa: BLE001
        print(f"(could not delete {topic}: {exc})")


if __name__ == "__main__":
    main()
