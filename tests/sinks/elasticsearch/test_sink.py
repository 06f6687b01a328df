"""The elasticsearch sink's outcomes, read from real bulk answers (tests/data/es_responses/): one per event, in order."""

from __future__ import annotations

import logging
import threading

import pytest

from porttrack_logs.errors import DeliveryStopped
from porttrack_logs.sinks.base import PROVENANCE, Outcome
from porttrack_logs.sinks.elasticsearch.client import Unreachable
from porttrack_logs.sinks.elasticsearch.sink import BULK_PARAMS, fingerprint
from tests.sinks.elasticsearch.support import answer, event, load, refusal

INDEXED, DUPLICATE, DEAD = Outcome.INDEXED, Outcome.DUPLICATE, Outcome.DEAD_LETTERED


def sample(name, registry, **labels):
    value = registry.get_sample_value(name, {"plugin": "elasticsearch@3:5", **labels})
    return 0 if value is None else value


@pytest.mark.parametrize("major", ["es9", "es8"])
def test_all_created_answer_indexes_every_event_into_its_days_index_with_create_and_the_source_id(make_sink, major):
    """The default: `create` into porttrack-logs-<event's day>, `_id` the source's id, filter_path asked."""
    sink, conn = make_sink([load(f"all_created_{major}.json")])

    outcomes = sink.write([event(i, id=f"topic/0@{i}") for i in range(3)])

    assert outcomes == [INDEXED] * 3
    assert [action for action, _ in conn.documents()] == [
        {"create": {"_index": "porttrack-logs-2026.11.27", "_id": f"topic/0@{i}"}} for i in range(3)
    ]
    assert [doc["n"] for _, doc in conn.documents()] == [0, 1, 2] and conn.params == [BULK_PARAMS]


@pytest.mark.parametrize("major", ["es9", "es8"])
def test_mixed_answer_gives_each_event_its_own_outcome_and_dead_letters_the_rejected(make_sink, dead_letters, registry, major):
    """201, 409 on create, 400, 404, 201 on index, 400: indexed, duplicate, dead-lettered with status and reason."""
    sink, _ = make_sink([load(f"mixed_{major}.json")])
    events = [event(i, id=f"f@{i}", original=f"raw {i}".encode()) for i in range(6)]

    outcomes = sink.write(events)

    assert outcomes == [INDEXED, DUPLICATE, DEAD, DEAD, INDEXED, DEAD]
    entries = dead_letters.entries
    assert [(e["status"], e["error_type"]) for e in entries] == [
        (400, "document_parsing_exception"), (404, "index_not_found_exception"), (400, "document_parsing_exception"),
    ]
    assert "failed to parse field [n] of type [long]" in entries[0]["reason"]
    assert "caused by illegal_argument_exception: For input string" in entries[0]["reason"]
    assert "[require_alias] request flag is [true]" in entries[1]["reason"]
    assert [e["original"] for e in entries] == [b"raw 2", b"raw 3", b"raw 5"]
    assert [e["place"] for e in entries] == ["test@2", "test@3", "test@5"]
    assert all(e["stage"] == "output" and e["plugin"] == "elasticsearch@3:5" for e in entries)
    assert all(e["index"] == "porttrack-logs-2026.11.27" and e["event"] is events[i] for e, i in zip(entries, (2, 3, 5)))
    assert dead_letters.synced == 1 and dead_letters.synced_count == 3  # durable before the outcomes are returned
    assert (sample("porttrack_output_events_total", registry, outcome="indexed"),
            sample("porttrack_output_events_total", registry, outcome="duplicate"),
            sample("porttrack_output_events_total", registry, outcome="dead_lettered"),
            sample("porttrack_output_bulk_requests_total", registry, result="answered")) == (2, 1, 3, 1)


@pytest.mark.parametrize("major", ["es9", "es8"])
def test_item_level_429s_resend_only_those_documents_in_order(make_sink, registry, major):
    """A real answer with some items refused (429): the next request holds exactly those documents."""
    first = load(f"item_429_{major}.json")
    refused = [k for k, item in enumerate(first["items"]) if item["create"]["status"] == 429]
    sink, conn = make_sink([first, answer(*[201] * len(refused))])

    outcomes = sink.write([event(i, id=f"id-{i}") for i in range(len(first["items"]))])

    assert outcomes == [INDEXED] * len(first["items"])
    assert [action["create"]["_id"] for action, _ in conn.documents(1)] == [f"id-{k}" for k in refused]
    assert sample("porttrack_output_retries_total", registry, cause="document") == len(refused)


def test_item_level_503_is_retried_until_created(make_sink):
    """Unavailable shards (a real 503 answer) twice, then created: indexed, three requests, same documents."""
    sink, conn = make_sink([load("item_503_es9.json"), load("item_503_es9.json"), answer(201, 201)])

    outcomes = sink.write([event(0, id="a"), event(1, id="b")])

    assert outcomes == [INDEXED, INDEXED] and len(conn.bodies) == 3 and conn.bodies[0] == conn.bodies[2]


def test_dlq_custom_codes_send_those_statuses_to_the_dead_letter_queue_instead_of_retrying(make_sink, dead_letters):
    """dlq_custom_codes => [503]: the unavailable-shards answer dead-letters both documents at once."""
    sink, conn = make_sink([load("item_503_es9.json")], dlq_custom_codes=[503])

    outcomes = sink.write([event(0, id="a"), event(1, id="b")])

    assert outcomes == [DEAD, DEAD] and len(conn.bodies) == 1
    assert [(e["status"], e["error_type"]) for e in dead_letters.entries] == [(503, "unavailable_shards_exception")] * 2


def test_whole_request_429_is_sent_again_whole_and_logged_as_blocked(make_sink, registry, caplog):
    """The coordinating node refused the whole bulk (a real 8.19 429): the same body again, a warning saying why."""
    sink, conn = make_sink([refusal("request_429_es8.json"), refusal("request_429_es8.json"), answer(201, 201, 201)])

    with caplog.at_level(logging.WARNING, "porttrack_logs.sinks.elasticsearch"):
        outcomes = sink.write([event(i, id=str(i)) for i in range(3)])

    assert outcomes == [INDEXED] * 3 and conn.bodies[0] == conn.bodies[1] == conn.bodies[2]
    blocked = [r.getMessage() for r in caplog.records if "is blocked" in r.getMessage()]
    assert len(blocked) == 2 and "429 es_rejected_execution_exception" in blocked[0]
    assert sample("porttrack_output_retries_total", registry, cause="request") == 2


def test_no_answer_is_retried_with_growing_waits_and_nothing_is_dropped(make_sink, caplog):
    """Connection refused five times, then an answer: indexed; the logged waits never exceed retry_max_interval."""
    lost = Unreachable("ConnectionError: connection refused")
    sink, conn = make_sink([lost] * 5 + [answer(201)], retry_initial_interval=0.001, retry_max_interval=0.004)

    with caplog.at_level(logging.WARNING, "porttrack_logs.sinks.elasticsearch"):
        outcomes = sink.write([event(0, id="a")])

    assert outcomes == [INDEXED] and len(conn.bodies) == 6
    messages = [r.getMessage() for r in caplog.records if "is blocked" in r.getMessage()]
    assert len(messages) == 5 and all("did not answer: ConnectionError: connection refused" in m for m in messages)
    assert [r.args[2] for r in caplog.records if "is blocked" in r.getMessage()] == [1, 2, 3, 4, 5]
    assert all(r.args[4] <= 0.004 for r in caplog.records if "is blocked" in r.getMessage())


def test_stop_from_another_thread_ends_a_blocked_write_with_delivery_stopped(make_sink):
    """Elasticsearch never answers; stop() from another thread makes write raise DeliveryStopped."""
    sink, conn = make_sink([], forever=Unreachable("ConnectionTimeout: timed out"), retry_initial_interval=30, retry_max_interval=60)
    outcome: list = []

    def run():
        try:
            sink.write([event(0, id="a")])
        except DeliveryStopped as exc:
            outcome.append(exc)

    writer = threading.Thread(target=run)
    writer.start()
    conn.called.wait(10)
    sink.stop()
    writer.join(10)

    assert not writer.is_alive() and len(outcome) == 1 and "stopped" in str(outcome[0])


@pytest.mark.parametrize("major", ["es9", "es8"])
def test_413_splits_the_request_in_halves_and_a_single_document_refused_goes_to_the_dead_letter_queue(make_sink, dead_letters, major):
    """413 for 4 documents; halves of 2: the first indexed, the second 413 again, then 1 + 1: one 413 alone."""
    too_big = refusal(f"request_413_{major}.json")
    sink, conn = make_sink([too_big, answer(201, 201), too_big, answer(201), too_big])

    outcomes = sink.write([event(i, id=str(i)) for i in range(4)])

    assert outcomes == [INDEXED, INDEXED, INDEXED, DEAD]
    assert [len(conn.documents(k)) for k in range(5)] == [4, 2, 2, 1, 1]
    assert [(e["status"], e["event"].get("n")) for e in dead_letters.entries] == [(413, 3)]


def test_a_document_larger_than_max_content_length_is_dead_lettered_without_being_sent(make_sink, dead_letters):
    """The cluster takes 2 KB requests: a 5 KB document is never sent; the others are, in one request."""
    sink, conn = make_sink([answer(201, 201)], max_content_length=2048)

    outcomes = sink.write([event(0, id="a"), event(1, id="b", blob="x" * 5000), event(2, id="c")])

    assert outcomes == [INDEXED, DEAD, INDEXED]
    assert [a["create"]["_id"] for a, _ in conn.documents()] == ["a", "c"]
    assert dead_letters.entries[0]["status"] == 413 and "http.max_content_length (2048 bytes)" in dead_letters.entries[0]["reason"]


def test_requests_are_bounded_by_count_and_by_bytes(make_sink):
    """flush_size => 2 over 5 documents: 2 + 2 + 1; flush_bytes => 1024 with ~600-byte documents: one each."""
    sink, conn = make_sink([answer(201, 201), answer(201, 201), answer(201)], flush_size=2)
    assert sink.write([event(i, id=str(i)) for i in range(5)]) == [INDEXED] * 5
    assert [len(conn.documents(k)) for k in range(3)] == [2, 2, 1]

    sink, conn = make_sink([answer(201)] * 3, flush_bytes=1024)
    assert sink.write([event(i, id=str(i), pad="p" * 500) for i in range(3)]) == [INDEXED] * 3
    assert [len(conn.documents(k)) for k in range(3)] == [1, 1, 1]


def test_document_ids_come_from_document_id_then_the_source_then_a_fingerprint_of_the_input(make_sink):
    """document_id wins; else the provenance id; else a fingerprint of original bytes, [event][original], the document."""
    sink, conn = make_sink([answer(*[201] * 4)])
    plain = event(3)
    sink.write([
        event(0, id="src-0"),
        event(1, original=b"the raw line"),
        event(2, event={"original": "from the event"}),
        plain,
    ])
    ids = [a["create"]["_id"] for a, _ in conn.documents()]
    assert ids[:3] == ["src-0", fingerprint(b"the raw line"), fingerprint("from the event")]
    lines = conn.bodies[0].split(b"\n")
    assert ids[3] == fingerprint(lines[7])  # the document exactly as sent

    sink, conn = make_sink([answer(201)], document_id="%{message}-x")
    sink.write([event(5, id="ignored")])
    assert conn.documents()[0][0]["create"]["_id"] == "line 5-x"


def test_stream_events_are_sent_with_the_id_their_compact_provenance_reads_as(make_sink, dead_letters):
    """Files and Kafka stamp the offset and the stream's prefixes (no text per event): the `_id` is
    prefix + offset, in a batch of only such events and beside events of other forms alike; a
    rejected one's dead letter names its place."""
    def streamed(i):
        e = event(i)
        e.metadata[PROVENANCE] = {"offset": 80 * i, "original": b"line", "stream": "pod.log@", "stream_id": "abc-"}
        return e

    sink, conn = make_sink([answer(201, 201, 201)])
    sink.write([streamed(i) for i in range(3)])
    assert [a["create"]["_id"] for a, _ in conn.documents()] == ["abc-0", "abc-80", "abc-160"]

    two = [streamed(0), streamed(1), streamed(2)]  # two streams in one batch (a fetch of two partitions)
    two[1].metadata[PROVENANCE]["stream_id"] = "topic-1-"
    sink, conn = make_sink([answer(201, 201, 201)])
    sink.write(two)
    assert [a["create"]["_id"] for a, _ in conn.documents()] == ["abc-0", "topic-1-80", "abc-160"]

    odd = [streamed(1), streamed(2)]  # one stream whose prefix JSON escapes, with a "%" the line's format must not read
    for e in odd:
        e.metadata[PROVENANCE]["stream_id"] = '50%d-"q"-'
    sink, conn = make_sink([answer(201, 201)])
    sink.write(odd)
    assert [a["create"]["_id"] for a, _ in conn.documents()] == ['50%d-"q"-80', '50%d-"q"-160']

    sink, conn = make_sink([answer(201, 201, 201, 400)])  # one with no id at all: the per-event path
    assert sink.write([event(0, id="src-0"), event(3, original=b"raw"), streamed(1), streamed(2)]) == [INDEXED] * 3 + [DEAD]
    assert [a["create"]["_id"] for a, _ in conn.documents()] == ["src-0", fingerprint(b"raw"), "abc-80", "abc-160"]
    assert [(e["place"], e["event"].metadata[PROVENANCE]["offset"]) for e in dead_letters.entries] == [("pod.log@160", 160)]


def test_the_same_input_twice_gets_the_same_ids(make_sink):
    """Replaying: identical ids for identical input, different ids for different input."""
    sink, conn = make_sink([answer(201, 201), answer(201, 201)])
    sink.write([event(1, original=b"a"), event(2)])
    sink.write([event(1, original=b"a"), event(2)])
    first, second = ([a["create"]["_id"] for a, _ in conn.documents(k)] for k in (0, 1))
    assert first == second and first[0] != first[1]


def test_an_index_name_that_kept_a_reference_is_dead_lettered_without_being_sent(make_sink, dead_letters):
    """index => "app-%{service}": an event without `service` is dead-lettered (dlq_on_failed_indexname_interpolation)."""
    sink, conn = make_sink([answer(201)], index="app-%{service}")

    outcomes = sink.write([event(0, id="a", service="gate"), event(1, id="b")])

    assert outcomes == [INDEXED, DEAD]
    assert conn.documents()[0][0]["create"]["_index"] == "app-gate"
    assert dead_letters.entries[0]["error_type"] == "index_interpolation" and dead_letters.entries[0]["index"] == "app-%{service}"


def test_an_action_template_picks_index_or_create_per_event_and_anything_else_is_rejected(make_sink, dead_letters):
    """action => "%{op}": index and create as rendered; "delete" is dead-lettered, never sent."""
    sink, conn = make_sink([answer(201, 201)], action="%{op}")

    outcomes = sink.write([event(0, id="a", op="index"), event(1, id="b", op="delete"), event(2, id="c", op="create")])

    assert outcomes == [INDEXED, DEAD, INDEXED]
    assert [next(iter(a)) for a, _ in conn.documents()] == ["index", "create"]
    assert dead_letters.entries[0]["error_type"] == "action_interpolation"


def test_routing_and_pipeline_are_rendered_into_the_action_line(make_sink):
    """routing => "%{host}", pipeline => "audit": both in the action line beside _index and _id."""
    sink, conn = make_sink([answer(201)], routing="%{host}", pipeline="audit")

    sink.write([event(0, id='odd"id', host="h1")])

    assert conn.documents()[0][0] == {"create": {"_index": "porttrack-logs-2026.11.27", "_id": 'odd"id', "routing": "h1", "pipeline": "audit"}}


def test_data_stream_creates_into_the_stream_named_by_the_event_or_the_options(make_sink):
    """data_stream => true: logs-generic-default, or the event's own data_stream fields (auto routing), synced."""
    sink, conn = make_sink([answer(201, 201)], data_stream=True, data_stream_dataset="porttrack")
    routed = event(1, id="b", data_stream={"dataset": "gate"})

    sink.write([event(0, id="a"), routed])

    assert [a["create"]["_index"] for a, _ in conn.documents()] == ["logs-porttrack-default", "logs-gate-default"]
    assert conn.documents()[0][1]["data_stream"] == {"type": "logs", "dataset": "porttrack", "namespace": "default"}


def test_a_batch_with_nothing_to_send_makes_no_request(make_sink, dead_letters):
    """Every event rejected before sending: no bulk request, all dead-lettered, synced once."""
    sink, conn = make_sink([], index="x-%{missing}")

    assert sink.write([event(0, id="a"), event(1, id="b")]) == [DEAD, DEAD]
    assert conn.bodies == [] and dead_letters.synced == 1
    assert sink.write([]) == [] and conn.bodies == []


def test_daily_indices_follow_each_events_own_day_in_any_order(make_sink):
    """Days interleaved (27, 28, 27, 26, 28 late at night, 27 from another zone): each to its own UTC day."""
    from datetime import datetime, timedelta, timezone

    from porttrack_logs.event import Event

    stamps = [
        datetime(2026, 11, 27, 6, tzinfo=timezone.utc), datetime(2026, 11, 28, 0, tzinfo=timezone.utc),
        datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=timezone.utc), datetime(2026, 11, 26, 12, tzinfo=timezone.utc),
        datetime(2026, 11, 28, 23, 59, tzinfo=timezone.utc),
        datetime(2026, 11, 28, 1, tzinfo=timezone(timedelta(hours=3))),  # 2026-11-27T22:00Z
    ]
    sink, conn = make_sink([answer(*[201] * len(stamps))], index="audit-%{+yyyy.MM.dd}")

    sink.write([Event({"@timestamp": ts, "message": str(i)}, metadata={"_porttrack": {"id": str(i)}}) for i, ts in enumerate(stamps)])

    assert [a["create"]["_index"] for a, _ in conn.documents()] == [
        "audit-2026.11.27", "audit-2026.11.28", "audit-2026.11.27", "audit-2026.11.26", "audit-2026.11.28", "audit-2026.11.27",
    ]


def test_a_batch_within_one_utc_day_goes_to_that_days_index_and_one_past_midnight_to_the_next(make_sink):
    """The batch's index found once when all its events share a UTC day (zones converted); one event a
    microsecond past midnight, or an @timestamp a filter made text, sends the batch the per-event way."""
    from datetime import datetime, timedelta, timezone

    from porttrack_logs.event import Event, Template

    def events(stamps):
        return [Event({"@timestamp": ts, "message": str(i)}, metadata={"_porttrack": {"id": str(i)}}) for i, ts in enumerate(stamps)]

    one_day = [
        datetime(2026, 11, 27, 0, tzinfo=timezone.utc), datetime(2026, 11, 28, 1, tzinfo=timezone(timedelta(hours=3))),
        datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=timezone.utc),
    ]
    past_midnight = [*one_day, datetime(2026, 11, 28, 0, 0, 0, 1, tzinfo=timezone.utc)]
    sink, conn = make_sink([answer(*[201] * 3), answer(*[201] * 4), answer(*[201] * 3)], index="audit-%{+yyyy.MM.dd}")

    sink.write(events(one_day))
    sink.write(events(past_midnight))
    text = events(one_day)
    text[1].raw_fields()["@timestamp"] = "2026-11-25T10:00:00Z"  # as a filter may leave it
    sink.write(text)

    assert [a["create"]["_index"] for a, _ in conn.documents(0)] == ["audit-2026.11.27"] * 3
    assert [a["create"]["_index"] for a, _ in conn.documents(1)] == ["audit-2026.11.27"] * 3 + ["audit-2026.11.28"]
    assert [a["create"]["_index"] for a, _ in conn.documents(2)] == [
        "audit-2026.11.27", Template("audit-%{+yyyy.MM.dd}").render(text[1]), "audit-2026.11.27",
    ]


def test_enable_metric_false_keeps_the_outputs_counts_out_of_the_registry(make_sink, registry):
    """enable_metric => false, as Logstash's: nothing of this output appears in the context's registry."""
    sink, _ = make_sink([answer(201)], enable_metric=False)

    assert sink.write([event(0, id="a")]) == [INDEXED]
    assert registry.get_sample_value("porttrack_output_events_total", {"plugin": "elasticsearch@3:5", "outcome": "indexed"}) is None


def test_a_data_stream_event_whose_fields_cannot_be_synced_is_dead_lettered_alone(make_sink, dead_letters):
    """data_stream with sync_fields: an event whose `data_stream` is a string cannot take the stream's fields:
    that one is dead-lettered (EventError), the others are sent."""
    sink, conn = make_sink([answer(201, 201)], data_stream=True)

    outcomes = sink.write([event(0, id="a"), event(1, id="b", data_stream="not a hash"), event(2, id="c")])

    assert outcomes == [INDEXED, DEAD, INDEXED] and len(conn.documents()) == 2
    assert dead_letters.entries[0]["error_type"] == "EventError" and "data_stream" in dead_letters.entries[0]["reason"]


def test_a_dead_letter_keeps_the_id_the_document_was_sent_with(make_sink, dead_letters):
    """A rejected event without a source id: its provenance gets the fingerprint it was sent with (the DLQ
    record keeps it, so a replay sends the very same `_id`); a source id stays as it was."""
    sink, conn = make_sink([answer(400, 400)])
    plain, sourced = event(0), event(1, id="topic/0@7")

    assert sink.write([plain, sourced]) == [DEAD, DEAD]

    sent = [a["create"]["_id"] for a, _ in conn.documents()]
    assert [e["event"].metadata["_porttrack"]["id"] for e in dead_letters.entries] == sent
    assert sent[1] == "topic/0@7" and len(sent[0]) == 32


def test_a_delivery_prepared_in_pieces_sends_the_same_request_as_one_write(make_sink):
    """prepare(3 events) then prepare(2 more, into it), then send: one request, the bytes `write` sends for all 5."""
    events = [event(i, id=f"p@{i}") for i in range(5)]
    whole, whole_conn = make_sink([answer(201, 201, 201, 201, 201)])
    pieces, pieces_conn = make_sink([answer(201, 201, 201, 201, 201)])

    assert whole.write(events) == [INDEXED] * 5
    delivery = pieces.prepare(events[3:], pieces.prepare(events[:3]))
    assert pieces_conn.bodies == []  # prepared, nothing sent yet
    assert pieces.send(delivery) == [INDEXED] * 5

    assert pieces_conn.bodies == whole_conn.bodies and len(pieces_conn.bodies) == 1


def test_outcomes_of_a_delivery_in_pieces_are_placed_at_each_events_position(make_sink, dead_letters):
    """A piece whose index cannot render (dead-lettered at once) and a 400 in the next piece: each
    outcome lands at its event's position in the whole delivery, the rest are indexed."""
    sink, conn = make_sink([answer(201, 400, 201)], index="logs-%{[svc]}", dlq_on_failed_indexname_interpolation=True)
    first = [event(0, id="a", svc="x"), event(1, id="b")]  # b has no [svc]: its index keeps %{[svc]}
    second = [event(2, id="c", svc="x"), event(3, id="d", svc="x")]

    outcomes = sink.send(sink.prepare(second, sink.prepare(first)))

    assert outcomes == [INDEXED, DEAD, DEAD, INDEXED]
    assert [a["create"]["_id"] for a, _ in conn.documents()] == ["a", "c", "d"]
    assert [e["event"].get("n") for e in dead_letters.entries] == [1, 2]
