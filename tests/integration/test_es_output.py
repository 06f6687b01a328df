"""The elasticsearch output against the real shared nodes, 9.x and 8.x side by side (`es_node`): exact counts.

The mapping-conflict and replay tests write the durable dead letter queue and read it back; the others
record what the sink puts (a stand-in for our own DLQ interface). Everything is sent to the real Elasticsearch.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from porttrack_logs.event import Event
from porttrack_logs.sinks.base import PROVENANCE, Outcome, SinkContext
from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput
from tests.sinks.elasticsearch.support import RecordingDeadLetters

pytestmark = pytest.mark.integration

INDEXED, DUPLICATE, DEAD = Outcome.INDEXED, Outcome.DUPLICATE, Outcome.DEAD_LETTERED


def build(node: Any, dead_letters: RecordingDeadLetters, **options: Any):
    options.setdefault("manage_template", False)
    options.setdefault("retry_initial_interval", 0.05)
    options.setdefault("retry_max_interval", 0.5)
    context = SinkContext(dead_letters, "elasticsearch@1:1", CollectorRegistry())
    return ElasticsearchOutput(hosts=[node.url], **options).build(context)


def count(node: Any, index: str) -> int:
    node.client.indices.refresh(index=index)
    return node.client.count(index=index)["count"]


def modules(node: Any) -> set[str]:
    answer = node.client.nodes.info(node_id="_local", metric="plugins", filter_path="nodes.*.modules.name")
    return {m["name"] for n in answer["nodes"].values() for m in n["modules"]}


def audit_event(i: int, *, day: int = 27, with_id: bool = True, **fields: Any) -> Event:
    line = f"2026-11-{day:02d}T06:{i // 60 % 60:02d}:{i % 60:02d}Z gate-{i % 5} crane moved container C{i}"
    data = {"message": line, "@timestamp": f"2026-11-{day:02d}T06:00:00Z", "n": i, "service": f"gate-{i % 5}", **fields}
    meta = {PROVENANCE: {"original": line.encode(), "place": f"gate.log@{i * 80}"}}
    if with_id:
        meta[PROVENANCE]["id"] = f"gate.log@{i * 80}"
    return Event(data, metadata=meta)


def test_mapping_conflicts_mixed_in_indexed_plus_dead_lettered_equals_n(es_node, tmp_path):
    """600 events, every 7th a string in a long and every 11th an object in a keyword: index + records in the
    (durable) dead letter queue == 600, each with status 400, the parse error type, the field in its reason,
    the original input and the place."""
    from porttrack_logs.sinks.dead_letter import DeadLetterQueue

    index = es_node.index_prefix + "conflicts"
    es_node.client.indices.create(index=index, mappings={"properties": {"n": {"type": "long"}, "service": {"type": "keyword"}}})
    dlq = DeadLetterQueue(tmp_path / "dlq")
    sink = build(es_node, dlq, index=index)
    events = []
    for i in range(600):
        if i % 7 == 3:
            events.append(audit_event(i, n=f"not a number {i}"))
        elif i % 11 == 5:
            events.append(audit_event(i, service={"name": "gate"}))
        else:
            events.append(audit_event(i))
    expected_rejects = {i for i in range(600) if i % 7 == 3 or i % 11 == 5}

    outcomes = [o for start in range(0, 600, 125) for o in sink.write(events[start : start + 125])]

    records = list(dlq.read())
    assert count(es_node, index) + len(records) == 600
    assert {i for i, o in enumerate(outcomes) if o is DEAD} == expected_rejects
    assert outcomes.count(INDEXED) == count(es_node, index) == 600 - len(expected_rejects)
    assert sorted(int(r.place.split("@")[1]) // 80 for r in records) == sorted(expected_rejects)
    for record in records:
        i = int(record.place.split("@")[1]) // 80
        field, kind = ("n", "long") if i % 7 == 3 else ("service", "keyword")
        assert (record.status, record.error_type, record.index, record.plugin) == (400, "document_parsing_exception", index, "elasticsearch@1:1")
        assert f"failed to parse field [{field}] of type [{kind}]" in record.reason, record.reason
        assert record.original == events[i].metadata[PROVENANCE]["original"] and record.doc_id == f"gate.log@{i * 80}"
    sink.close()
    dlq.close()


@pytest.mark.parametrize("with_id", [True, False], ids=["source-id", "fingerprint"])
def test_the_same_input_twice_gives_the_same_count(es_node, with_id):
    """300 events written, then the same 300 again (from the source's ids, or fingerprints of the input): 300."""
    index = es_node.index_prefix + "replay"
    dead = RecordingDeadLetters()
    sink = build(es_node, dead, index=index)

    first = sink.write([audit_event(i, with_id=with_id) for i in range(300)])
    second = sink.write([audit_event(i, with_id=with_id) for i in range(300)])

    assert (first, second, count(es_node, index), dead.entries) == ([INDEXED] * 300, [DUPLICATE] * 300, 300, [])
    sink.close()


def test_the_event_timestamp_picks_the_daily_index_so_a_late_replay_lands_beside_its_original(es_node):
    """Events of three days go to three daily indices; replaying day 2 later adds nothing there."""
    pattern = es_node.index_prefix + "logs-%{+yyyy.MM.dd}"
    sink = build(es_node, RecordingDeadLetters(), index=pattern)

    sink.write([audit_event(i, day=day) for day in (26, 27, 28) for i in range(40)])
    replay = sink.write([audit_event(i, day=27) for i in range(40)])

    days = {d: count(es_node, f"{es_node.index_prefix}logs-2026.11.{d}") for d in (26, 27, 28)}
    assert (days, replay) == ({26: 40, 27: 40, 28: 40}, [DUPLICATE] * 40)
    sink.close()


def test_a_users_template_file_is_put_once_and_kept_unless_overwrite(es_node, tmp_path):
    """manage_template with template => file: PUT at build; a second build keeps it; template_overwrite puts it again."""
    name = es_node.index_prefix + "tpl"
    path = tmp_path / "audit.json"

    def write_template(shards: int) -> None:
        path.write_bytes(orjson.dumps({
            "index_patterns": [es_node.index_prefix + "tpl-*"],
            "template": {"settings": {"number_of_shards": shards}, "mappings": {"properties": {"n": {"type": "long"}}}},
        }))

    def shards() -> str:
        found = es_node.client.indices.get_index_template(name=name)["index_templates"][0]
        return found["index_template"]["template"]["settings"]["index"]["number_of_shards"]

    write_template(1)
    options = {"manage_template": True, "template": str(path), "template_name": name, "index": es_node.index_prefix + "tpl-a"}
    build(es_node, RecordingDeadLetters(), **options).close()
    write_template(2)
    build(es_node, RecordingDeadLetters(), **options).close()
    kept = shards()
    build(es_node, RecordingDeadLetters(), **options, template_overwrite=True).close()

    assert (kept, shards()) == ("1", "2")
    sink = build(es_node, RecordingDeadLetters(), index=es_node.index_prefix + "tpl-a")
    assert sink.write([audit_event(1, n="text in a long")]) == [DEAD]  # the template's mapping is in force
    sink.close()


def test_the_sink_reads_the_nodes_max_content_length(es_node):
    """A node with no setting of its own: Elasticsearch's default, 100mb."""
    sink = build(es_node, RecordingDeadLetters(), index=es_node.index_prefix + "x")
    assert sink.max_content_length == 100 * 1024 * 1024
    sink.close()


def test_data_stream_creates_into_the_stream(es_node):
    """data_stream => true on a cluster with the data streams module: the documents are in logs-<dataset>-default."""
    if "data-streams" not in modules(es_node):
        pytest.skip(f"Elasticsearch at {es_node.url} has no data-streams module (integ-test-zip); point PORTTRACK_ES_URL (PORTTRACK_ES8_URL) at a full cluster")
    dataset = es_node.index_prefix.rstrip("-").replace("-", "_")
    stream = f"logs-{dataset}-default"
    es_node.client.indices.put_index_template(
        name=es_node.index_prefix + "ds", index_patterns=[stream], data_stream={}, priority=500,
    )
    try:
        sink = build(es_node, RecordingDeadLetters(), data_stream=True, data_stream_dataset=dataset)
        first = sink.write([audit_event(i) for i in range(50)])
        again = sink.write([audit_event(i) for i in range(50)])
        assert (first, again, count(es_node, stream)) == ([INDEXED] * 50, [DUPLICATE] * 50, 50)
        sink.close()
    finally:
        es_node.client.options(ignore_status=404).indices.delete_data_stream(name=stream)


def test_an_ingest_pipeline_runs_on_each_document(es_node):
    """pipeline => name on a cluster with ingest-common: the pipeline's `set` processor wrote its field."""
    if "ingest-common" not in modules(es_node):
        pytest.skip(f"Elasticsearch at {es_node.url} has no ingest-common module (integ-test-zip); point PORTTRACK_ES_URL (PORTTRACK_ES8_URL) at a full cluster")
    name = es_node.index_prefix + "pipe"
    es_node.client.ingest.put_pipeline(id=name, processors=[{"set": {"field": "stamped", "value": "yes"}}])
    index = es_node.index_prefix + "piped"
    sink = build(es_node, RecordingDeadLetters(), index=index, pipeline=name)
    assert sink.write([audit_event(i) for i in range(10)]) == [INDEXED] * 10
    es_node.client.indices.refresh(index=index)
    hits = es_node.client.search(index=index, query={"term": {"stamped": "yes"}}, size=0)["hits"]["total"]["value"]
    assert hits == 10
    sink.close()


def test_replaying_dead_letters_after_a_fix_indexes_each_rejected_event_once(es_node, tmp_path):
    """200 events without source ids, every 4th with text in the long `n`: 50 records in the real dead letter
    queue. Replayed from the records (the event as rejected, with the `_id` it was sent with) with the fix
    applied (the text moved to `n_text`): 50 indexed; replayed once more: 50 duplicates; the index holds 200."""
    from porttrack_logs.sinks.dead_letter import DeadLetterQueue

    index = es_node.index_prefix + "replay-fix"
    es_node.client.indices.create(index=index, mappings={"properties": {"n": {"type": "long"}}})
    dlq = DeadLetterQueue(tmp_path / "dlq")
    sink = build(es_node, dlq, index=index)
    first = sink.write([audit_event(i, with_id=False, n=f"text {i}" if i % 4 == 0 else i) for i in range(200)])
    records = list(dlq.read())
    assert first.count(DEAD) == len(records) == 50
    assert {(r.status, r.error_type, r.index, r.stage) for r in records} == {(400, "document_parsing_exception", index, "output")}
    assert all(r.doc_id is not None and len(r.doc_id) == 32 for r in records)

    def replay() -> list[Outcome]:
        events = []
        for record in records:
            fields = dict(record.event)
            fields["n_text"] = fields.pop("n")  # the fix
            events.append(Event(fields))  # its @metadata comes along: provenance, with the id it was sent with
        replayer = build(es_node, RecordingDeadLetters(), index=index)
        try:
            return replayer.write(events)
        finally:
            replayer.close()

    assert (replay(), replay(), count(es_node, index)) == ([INDEXED] * 50, [DUPLICATE] * 50, 200)
    found = es_node.client.mget(index=index, ids=[r.doc_id for r in records])["docs"]
    assert [d["found"] for d in found] == [True] * 50  # under the very ids the first attempt used
    sink.close()
    dlq.close()
