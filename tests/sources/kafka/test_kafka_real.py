"""The Kafka source against the real broker, each test on both backends (kafka-python, confluent)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from porttrack_logs.acks import DELIVERED, ERRORED
from porttrack_logs.sinks.base import id_of, place_of

from .conftest import BACKENDS, committed_offsets, filebeat_event, produce, recorded, unique_group

pytestmark = [pytest.mark.integration, pytest.mark.parametrize("backend", BACKENDS)]


def expected_ids(topic: str, n: int, partitions: int = 3) -> set[str]:
    """The ids of `n` events produced round-robin (event i at partition i % 3, offset i // 3)."""
    return {f"{topic}-{i % partitions}-{i // partitions}" for i in range(n)}


def places_by_partition(path: Path) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for line in path.read_text("ascii").splitlines():
        parts = line.split(" ")
        if len(parts) != 2:
            continue  # torn by kill -9
        _, _, rest = parts[1].rpartition("/")
        partition, _, offset = rest.partition("@")
        found.setdefault(int(partition), set()).add(int(offset))
    return found


def assert_commits_covered(bootstrap: str, group: str, topic: str, record: Path) -> dict[int, int]:
    """Every offset below each committed position was recorded before it was committed."""
    committed = {p: o for (t, p), o in committed_offsets(bootstrap, group).items() if t == topic}
    seen = places_by_partition(record) if record.exists() else {}
    for partition, offset in committed.items():
        missing = set(range(offset)) - seen.get(partition, set())
        assert not missing, f"partition {partition} committed at {offset} but offsets {sorted(missing)[:10]} were never recorded"
    return committed


def test_kill_9_at_random_points_loses_nothing(backend, kafka_bootstrap, topic3, run_recorder, tmp_path):
    """A consumer killed -9 several times mid-stream and restarted: commits never pass what was recorded,
    and the ids recorded over all runs are exactly the N produced."""
    n = 6000
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n)])
    group = unique_group()
    record = tmp_path / "seen.txt"
    rng = random.Random(11)
    kills = 0
    for _ in range(4):
        have = len(recorded(record))
        if have >= n - 500:
            break
        target = have + rng.randint(200, 1200)
        recorder = run_recorder(topic3, group, backend, record, max_poll_records=50, pause_ms=10)
        recorder.wait_for(lambda: len(recorded(record)) >= target, what=f"{target} records")
        recorder.kill()
        kills += 1
        assert_commits_covered(kafka_bootstrap, group, topic3, record)
    assert kills >= 3
    final = run_recorder(topic3, group, backend, record, max_poll_records=50)
    final.wait_for(lambda: set(recorded(record)) >= expected_ids(topic3, n), what="every event")
    assert final.stop() == 0
    ids = recorded(record)
    assert set(ids) == expected_ids(topic3, n)
    committed = assert_commits_covered(kafka_bootstrap, group, topic3, record)
    assert committed == {0: n // 3, 1: n // 3, 2: n // 3}  # a clean stop commits everything settled
    assert len(ids) - n < 4 * 3 * 50 * 16  # dupes: at most the uncommitted window of each kill


def test_two_consumers_split_the_partitions_and_reach_exactly_n(backend, kafka_bootstrap, topic3, run_recorder, tmp_path):
    """A second member joins while the first is reading (a rebalance mid-stream); together they see exactly N ids."""
    n = 4000
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n // 2)])
    group = unique_group()
    first_record, second_record = tmp_path / "a.txt", tmp_path / "b.txt"
    first = run_recorder(topic3, group, backend, first_record, max_poll_records=20)
    first.wait_for(lambda: len(recorded(first_record)) >= 300, what="the first member reading")
    second = run_recorder(topic3, group, backend, second_record, max_poll_records=20)
    second.wait_for(lambda: any(line.startswith("assigned") and line != "assigned 0" for line in second.lines), what="the second member's partitions")
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n // 2, n)], start=n // 2)

    def union() -> set[str]:
        return set(recorded(first_record)) | set(recorded(second_record))

    first.wait_for(lambda: union() >= expected_ids(topic3, n), what="every event across both members")
    assert first.stop() == 0 and second.stop() == 0
    assert union() == expected_ids(topic3, n)
    assert recorded(second_record), "the second member read nothing"
    assert "assigned 3" in first.lines and any(line in ("assigned 1", "assigned 2") for line in first.lines)  # it gave some up
    assert any(line in ("assigned 1", "assigned 2") for line in second.lines)
    committed = {p: o for (t, p), o in committed_offsets(kafka_bootstrap, group).items() if t == topic3}
    assert committed == {0: n // 3 + (1 if n % 3 > 0 else 0), 1: n // 3 + (1 if n % 3 > 1 else 0), 2: n // 3}


def test_unsettled_batches_are_not_committed_and_are_read_again(backend, kafka_bootstrap, topic3, kafka_source):
    """Batches of partition 0 held unsettled: closing commits the other partitions only; the next member reads partition 0 again."""
    n = 300
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n)])
    group = unique_group()
    from .conftest import Consumer

    source = kafka_source(topic3, group, backend, max_poll_records=25)
    consumer = Consumer(source, decide=lambda batch: None if place_of(batch.events[0].metadata["_porttrack"]).split("/")[1].startswith("0@") else DELIVERED)
    consumer.wait_for(lambda c: len(c.distinct()) == n, what="every event once")
    source.close()
    committed = {p: o for (t, p), o in committed_offsets(kafka_bootstrap, group).items() if t == topic3}
    assert committed.get(0) is None and committed[1] == n // 3 and committed[2] == n // 3
    again = Consumer(kafka_source(topic3, group, backend))
    again.wait_for(lambda c: len(c.distinct()) == n // 3, what="partition 0 again")
    assert again.distinct() == {f"{topic3}-0-{o}" for o in range(n // 3)}


def test_errored_batch_is_read_again_before_its_offsets_are_committed(backend, kafka_bootstrap, topic3, kafka_source):
    """A batch settled ERRORED is not committed; its partition is read again in the same process, then committed."""
    n = 300
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n)])
    group = unique_group()
    from .conftest import Consumer

    failed: list[str] = []

    def decide(batch):
        first = id_of(batch.events[0].metadata["_porttrack"])
        if first.endswith("-1-0") and not failed:
            failed.append(first)
            return ERRORED
        return DELIVERED

    source = kafka_source(topic3, group, backend, max_poll_records=25)
    consumer = Consumer(source, decide=decide)
    consumer.wait_for(lambda c: len(c.distinct()) == n and c.ids.count(f"{topic3}-1-0") >= 2, what="the errored batch read again")
    deadline = time.monotonic() + 60
    while committed_offsets(kafka_bootstrap, group).get((topic3, 1)) != n // 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    source.close()
    assert failed == [f"{topic3}-1-0"]
    assert source.stats.rewinds == 1
    committed = {p: o for (t, p), o in committed_offsets(kafka_bootstrap, group).items() if t == topic3}
    assert committed == {0: n // 3, 1: n // 3, 2: n // 3}


def test_errored_batch_blocks_commits_until_restart(backend, kafka_bootstrap, topic3, kafka_source):
    """While an ERRORED batch has not been read again and delivered, no offset of its partition past it is committed."""
    n = 90
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n)])
    group = unique_group()
    from .conftest import Consumer

    source = kafka_source(topic3, group, backend, max_poll_records=10)
    consumer = Consumer(source, decide=lambda batch: ERRORED if "/2@" in place_of(batch.events[0].metadata["_porttrack"]) else DELIVERED)
    others = {f"{topic3}-{p}-{o}" for p in (0, 1) for o in range(n // 3)}
    consumer.wait_for(
        lambda c: c.distinct() >= others and c.ids.count(f"{topic3}-2-0") >= 3 and source.stats.rewinds >= 2,
        what="partition 2 failing and read again from its start",
    )
    time.sleep(1)  # several commit intervals: a commit of partition 2 would have happened by now
    source.close()
    committed = {p: o for (t, p), o in committed_offsets(kafka_bootstrap, group).items() if t == topic3}
    assert committed.get(2) is None and committed[0] == n // 3 and committed[1] == n // 3
    again = Consumer(kafka_source(topic3, group, backend))
    again.wait_for(lambda c: len(c.distinct()) == n // 3, what="partition 2 again after restart")
    assert again.distinct() == {f"{topic3}-2-{o}" for o in range(n // 3)}


def test_non_json_values_are_tagged_and_counted(backend, kafka_bootstrap, topic3, kafka_source):
    """Values that are no JSON object become `message` events tagged _jsonparsefailure, with their bytes kept."""
    values = [filebeat_event(0), b"plain text line", b"\xff\xfe not utf-8", b"[1, 2]", filebeat_event(4), b""]
    produce(kafka_bootstrap, topic3, values, partitions=1)
    from .conftest import Consumer

    source = kafka_source(topic3, unique_group(), backend, decorate_events="basic")
    consumer = Consumer(source)
    consumer.wait_for(lambda c: len(c.events) == len(values), what="every value")
    by_offset = {e.metadata["kafka"]["offset"]: e for e in consumer.events}
    for offset in (1, 2, 3, 5):
        event = by_offset[offset]
        assert event.get("tags") == ["_jsonparsefailure"]
        assert event.metadata["_porttrack"]["original"] == values[offset]
        assert "not a JSON object" in event.metadata["_porttrack"]["error"]
    assert by_offset[1].get("message") == "plain text line"
    assert by_offset[2].get("message") == "\ufffd\ufffd not utf-8"
    assert by_offset[0].get("n") == 0 and by_offset[0].get("tags") is None
    assert by_offset[4].get("[kubernetes][pod][name]") == "porttrack-api-1"
    assert source.stats.json_failures == 4
    consumer.wait_for(lambda c: source.lag.get((topic3, 0)) == 0, what="the lag of a partition read and committed to its end")
    meta = by_offset[4].metadata["kafka"]
    assert meta["topic"] == topic3 and meta["partition"] == 0 and meta["key"] == "4" and meta["consumer_group"]
    assert isinstance(meta["timestamp"], int)


def test_auto_offset_reset_earliest_and_latest(backend, kafka_bootstrap, topic3, kafka_source):
    """A new group with `earliest` reads what was there before it; with `latest` only what comes after it joined."""
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(30)])
    from .conftest import Consumer

    late = kafka_source(topic3, unique_group(), backend, auto_offset_reset="latest")
    late_consumer = Consumer(late)
    deadline = time.monotonic() + 60
    while len(late.assignment()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(late.assignment()) == 3
    early_consumer = Consumer(kafka_source(topic3, unique_group(), backend, auto_offset_reset="earliest"))
    early_consumer.wait_for(lambda c: len(c.distinct()) == 30, what="the 30 earlier events")
    # latest resolves the position on the first fetch after assignment: give it the position before producing
    time.sleep(2)
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(30, 36)], start=30)
    late_consumer.wait_for(lambda c: len(c.distinct()) == 6, what="the 6 later events")
    early_consumer.wait_for(lambda c: len(c.distinct()) == 36, what="all 36")
    assert late_consumer.distinct() == {f"{topic3}-{i % 3}-{i // 3}" for i in range(30, 36)}


def test_partitions_pause_while_too_many_batches_are_unsettled(backend, kafka_bootstrap, topic3, kafka_source):
    """Holding every batch: the source stops after max_batches_in_flight (plus one fetch), and goes on once they settle."""
    n = 600
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n)])
    from .conftest import Consumer

    source = kafka_source(topic3, unique_group(), backend, max_poll_records=10, max_batches_in_flight=3)
    consumer = Consumer(source, decide=lambda batch: None)
    consumer.wait_for(lambda c: source.stats.paused >= 1 and len(c.held) >= 3, what="the source pausing")
    # lag is reported for the partitions fetched so far (kafka-python learns a high watermark from a fetch)
    consumer.wait_for(
        lambda c: source.lag and all(v == n // 3 for v in source.lag.values()), what="the lag of whole partitions (nothing committed)"
    )
    time.sleep(3)  # many poll intervals: a source that kept reading would hand over far more
    with consumer.lock:
        held = list(consumer.held)
        consumer.held.clear()
        consumer.decide = lambda batch: DELIVERED
    assert len(held) <= 3 + 3  # the bound, plus at most one fetch of each partition
    for batch in held:
        batch.ack.settle(0, len(batch), DELIVERED)
    consumer.wait_for(lambda c: len(c.distinct()) == n, what="every event after the release")


def test_settled_offsets_reach_the_group_while_the_runtime_only_calls_keepalive(backend, kafka_bootstrap, topic3, kafka_source):
    """Everything read, then settled while the source is no longer polled (the runtime waits for a
    blocked output and calls `keepalive` instead): the group's offsets reach the end all the same, from
    the consumer thread (kafka-python) or from keepalive on the caller's thread (confluent, which has no
    thread of its own)."""
    import threading

    n = 90
    produce(kafka_bootstrap, topic3, [filebeat_event(i) for i in range(n)])
    group = unique_group()
    source = kafka_source(topic3, group, backend, auto_commit_interval_ms=100)
    consumer_threads = [t for t in threading.enumerate() if t.name == f"{source.name}-consumer"]
    assert len(consumer_threads) == (0 if backend == "confluent" else 1)
    held, seen = [], set()
    deadline = time.monotonic() + 120
    while len(seen) < n and time.monotonic() < deadline:
        batch = source.poll(0.2)
        if batch is not None:
            held.append(batch)
            seen.update(id_of(e.metadata["_porttrack"]) for e in batch.events)
    assert seen == expected_ids(topic3, n)
    for batch in held:
        batch.ack.settle(0, len(batch), DELIVERED)
    expected = {p: n // 3 for p in range(3)}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if {p: o for (t, p), o in committed_offsets(kafka_bootstrap, group).items() if t == topic3} == expected:
            break
        source.keepalive()
        time.sleep(0.05)
    assert {p: o for (t, p), o in committed_offsets(kafka_bootstrap, group).items() if t == topic3} == expected
