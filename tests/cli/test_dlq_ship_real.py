"""`porttrack-logs dlq ship --es URL` against the real Elasticsearch: the dead letter queue's records become
documents of the dead-letter index, once each however often it runs, and the Kibana chart
"Dead letters over time by reason" aggregates them there."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from porttrack_logs.kibana import saved_objects
from porttrack_logs.sinks.dead_letter import DeadLetterQueue, read
from tests.cli._dlq_queue import BROKEN, MAPPING_REASON, write_queue

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def ship(queue_dir: Path, es_url: str, prefix: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "porttrack_logs.cli", "dlq", "ship", "--dir", str(queue_dir), "--es", es_url,
         "--replicas", "0", "--prefix", prefix],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def queue_dir(tmp_path):
    """A decode record (input that is no UTF-8) and two output records, as the runtime writes them."""
    return write_queue(tmp_path / "dlq")


def _documents(es_client, prefix: str) -> list[dict]:
    es_client.indices.refresh(index=f"{prefix}porttrack-deadletters-*")
    answer = es_client.search(index=f"{prefix}porttrack-deadletters-*", size=100, sort=[{"place": "asc"}])
    return [hit | {"_source": hit["_source"]} for hit in answer["hits"]["hits"]]


def test_ship_indexes_each_record_once_with_its_fields(queue_dir, es_url, es_client, es_index_prefix):
    """Three records, three documents in the daily dead-letter index of their own time, with reason,
    stage, plugin, place, status, error type and the original (as base64 when it is no UTF-8); the
    template maps the original unindexed."""
    done = ship(queue_dir, es_url, es_index_prefix)
    assert done.returncode == 0, done.stderr
    assert "shipped 3 records" in done.stderr and "3 indexed" in done.stderr

    docs = _documents(es_client, es_index_prefix)
    records = {r.place: r for r in read(queue_dir)}
    assert [d["_source"]["place"] for d in docs] == ["pod.log@120", "pod.log@200", "pod.log@201"]
    for doc in docs:
        record = records[doc["_source"]["place"]]
        assert doc["_index"] == f"{es_index_prefix}porttrack-deadletters-{record.time[:10].replace('-', '.')}"
        assert doc["_source"]["dlq"]["id"] == record.id
        assert doc["_source"]["@timestamp"] == record.time
    decode, first, _ = (d["_source"] for d in docs)
    assert decode["stage"] == "decode" and "status" not in decode and "original" not in decode
    import base64

    assert base64.b64decode(decode["original_base64"]) == BROKEN
    assert (first["stage"], first["plugin"], first["status"], first["error_type"], first["reason"]) == (
        "output", "elasticsearch@9:3", 400, "mapper_parsing_exception", MAPPING_REASON)
    assert first["original"] == '{"message":"GET 200"}' and first["document_id"] == "doc-0"
    assert first["event"]["message"] == "GET 200"

    mapping = es_client.indices.get_mapping(index=docs[0]["_index"])[docs[0]["_index"]]["mappings"]["properties"]
    assert mapping["original"]["index"] is False and mapping["reason"]["type"] == "keyword"
    with pytest.raises(Exception, match="not indexed|index"):  # the original is kept, not searchable
        es_client.search(index=f"{es_index_prefix}porttrack-deadletters-*", query={"term": {"original": first["original"]}})


def test_shipping_again_or_after_a_renumbering_adds_nothing(queue_dir, es_url, es_client, es_index_prefix):
    """A second ship creates nothing (409 on every create: 'already there'); after removing a record (which
    renumbers the queue) and adding one, a third ship indexes only the new record."""
    assert ship(queue_dir, es_url, es_index_prefix).returncode == 0
    again = ship(queue_dir, es_url, es_index_prefix)
    assert again.returncode == 0, again.stderr
    assert "3 already there" in again.stderr and "indexed" not in again.stderr
    assert len(_documents(es_client, es_index_prefix)) == 3

    with DeadLetterQueue(queue_dir) as queue:
        [first] = [r.id for r in queue.read() if r.place == "pod.log@120"]
        assert queue.remove([first]) == 1
        queue.put("grok timeout", stage="filter", original=b"slow line", place="pod.log@300", plugin="grok@4:3")
    third = ship(queue_dir, es_url, es_index_prefix)
    assert third.returncode == 0, third.stderr
    assert "1 indexed, 2 already there" in third.stderr
    docs = _documents(es_client, es_index_prefix)
    assert Counter(d["_source"]["place"] for d in docs) == Counter(["pod.log@120", "pod.log@200", "pod.log@201", "pod.log@300"])


def test_the_dead_letter_chart_aggregates_the_shipped_records(queue_dir, es_url, es_client, es_index_prefix):
    """The Lens chart's buckets, read from the export (terms on reason nested outside the date histogram,
    as Lens orders them), count every shipped record by its reason."""
    assert ship(queue_dir, es_url, es_index_prefix).returncode == 0
    es_client.indices.refresh(index=f"{es_index_prefix}porttrack-deadletters-*")
    [lens] = [o for o in saved_objects("9.x") if o["attributes"].get("title") == "Dead letters over time by reason"]
    [layer] = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
    split, x = (layer["columns"][cid] for cid in layer["columnOrder"][:2])
    answer = es_client.search(index=f"{es_index_prefix}porttrack-deadletters-*", size=0, aggs={
        "split": {"terms": {"field": split["sourceField"], "size": split["params"]["size"]},
                  "aggs": {"x": {"date_histogram": {"field": x["sourceField"], "fixed_interval": "1h"}}}},
    })
    by_reason = {b["key"]: sum(h["doc_count"] for h in b["x"]["buckets"]) for b in answer["aggregations"]["split"]["buckets"]}
    assert by_reason == {MAPPING_REASON: 2, "invalid JSON: unexpected end of data at byte 22": 1}


def test_ship_without_a_queue_is_one_line(tmp_path, es_url):
    """A directory that is no queue: one line naming it, exit 1, nothing sent."""
    done = ship(tmp_path / "none", es_url, "x-")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"porttrack-logs: {tmp_path / 'none'}: no dead letter queue here (no such directory)"


def test_a_record_elasticsearch_refuses_is_named_and_the_exit_status_is_1(queue_dir, es_url, es_client, es_index_prefix):
    """A record whose time is no date (written by hand: the queue never writes one) is refused by the
    template's @timestamp mapping: named on stderr with Elasticsearch's error type, exit 1; the others are
    indexed all the same."""
    from porttrack_logs.sinks.dead_letter._record import frame

    with DeadLetterQueue(queue_dir) as queue:
        queue.append(frame(orjson.dumps({"v": 1, "time": "yesterday", "stage": "output", "reason": "odd", "place": "pod.log@999"})))
    [odd] = [r.id for r in read(queue_dir) if r.place == "pod.log@999"]
    done = ship(queue_dir, es_url, es_index_prefix)
    assert done.returncode == 1
    assert re.search(rf"porttrack-logs: not shipped: {re.escape(odd)}: 400 \w*(parsing|mapper)\w*_exception: ", done.stderr), done.stderr
    assert "3 indexed, 1 failed" in done.stderr
    assert len(_documents(es_client, es_index_prefix)) == 3
