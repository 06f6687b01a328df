"""A delivery prepared with `release=True` (the runtime loop's lone output): the events' fields are
dropped once encoded, and every answer is read as for `write`: the same requests, outcomes and dead
letters, a rejected event's fields decoded back from the body as they were sent."""

from __future__ import annotations

from typing import Callable

import pytest

from porttrack_logs.acks import Ack
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.loop import run_loop
from porttrack_logs.runtime.routing import Router
from porttrack_logs.sinks.base import Outcome
from porttrack_logs.sources.base import Batch
from tests.sinks.elasticsearch.support import RecordingDeadLetters, answer, event, load, refusal

INDEXED, DUPLICATE, DEAD = Outcome.INDEXED, Outcome.DUPLICATE, Outcome.DEAD_LETTERED


def _mixed(major: str) -> tuple[list, dict, Callable[[], list]]:
    return [load(f"mixed_{major}.json")], {}, lambda: [event(i, id=f"f@{i}", original=f"raw {i}".encode()) for i in range(6)]


SCENARIOS: dict[str, Callable[[], tuple[list, dict, Callable[[], list]]]] = {
    # 201, 409, 400, 404, 201, 400 from a real node: three dead letters read back from the body
    "mixed answer": lambda: _mixed("es9"),
    # some items 429: only those sent again, cut out of the released body
    "item 429s": lambda: (
        [first := load("item_429_es9.json"), answer(*[201] * sum(i["create"]["status"] == 429 for i in first["items"]))],
        {}, lambda: [event(i, id=f"t@{i}") for i in range(len(first["items"]))],
    ),
    # 413: halves, quarters, one document alone refused
    "413 halves": lambda: (
        [refusal("request_413_es9.json"), answer(201, 201), refusal("request_413_es9.json"), answer(201), refusal("request_413_es9.json")],
        {}, lambda: [event(i, id=str(i)) for i in range(4)],
    ),
    # a document over the cluster's limit: in the body, never sent, dead-lettered with its fields
    "oversized": lambda: (
        [answer(201, 201)], {"max_content_length": 2048},
        lambda: [event(0, id="a"), event(1, id="b", blob="x" * 5000), event(2, id="c")],
    ),
    # requests cut by count
    "flush_size 2": lambda: (
        [answer(201, 201), answer(201, 400), answer(201)], {"flush_size": 2}, lambda: [event(i, id=str(i)) for i in range(5)],
    ),
    # no source id: fingerprints, and a 400 whose dead letter keeps the id it was sent with
    "fingerprinted ids": lambda: ([answer(400, 201)], {}, lambda: [event(0), event(1, pad="p")]),
    # a general-path option (document_id rendered per event)
    "document_id": lambda: ([answer(201, 400)], {"document_id": "%{[n]}-x"}, lambda: [event(0), event(1)]),
}


def _dead_letter_view(entries: list[dict]) -> list[tuple]:
    return [
        (e["reason"], e["status"], e["error_type"], e["place"], e["index"], e["original"],
         e["event"].to_dict(), e["event"].metadata)
        for e in entries
    ]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_released_delivery_sends_and_dead_letters_exactly_what_write_does(make_sink, name):
    answers, options, make_events = SCENARIOS[name]()
    limit = options.pop("max_content_length", 100 * 1024 * 1024)
    whole, whole_conn = make_sink(list(answers), max_content_length=limit, **options)
    whole_events = make_events()
    expected = whole.write(whole_events)
    expected_letters = _dead_letter_view(whole._dlq.entries)
    whole._dlq.entries.clear()  # both sinks put into the one recording queue

    released, released_conn = make_sink(list(answers), max_content_length=limit, **options)
    events = make_events()
    delivery = released.prepare(events, release=True)
    assert all(e._data is None for e in events)  # every one of these was encoded into the body
    outcomes = released.send(delivery)

    assert outcomes == expected
    assert released_conn.bodies == whole_conn.bodies
    assert _dead_letter_view(released._dlq.entries) == expected_letters
    # what was delivered stays released; what went to the dead letter queue has its fields back
    assert [e._data is None for e in events] == [o != DEAD for o in outcomes]


def test_an_event_rejected_while_preparing_keeps_its_fields_and_later_pieces_still_read_back(make_sink):
    """Index interpolation fails for one event of the first piece (never in the body, never released);
    the second piece gets a 400: both dead letters carry the fields, the others stay released."""
    sink, conn = make_sink([answer(201, 400, 201)], index="logs-%{[svc]}", dlq_on_failed_indexname_interpolation=True)
    first = [event(0, id="a", svc="x"), event(1, id="b")]
    second = [event(2, id="c", svc="x"), event(3, id="d", svc="x")]
    before = [dict(e.to_dict()) for e in first + second]

    outcomes = sink.send(sink.prepare(second, sink.prepare(first, release=True), release=True))

    assert outcomes == [INDEXED, DEAD, DEAD, INDEXED]
    letters = sink._dlq.entries
    assert [e["event"].to_dict() for e in letters] == [before[1], before[2]]
    assert [e["index"] for e in letters] == ["logs-%{[svc]}", "logs-x"]  # the one that did not render, the one sent
    assert [e._data is None for e in first + second] == [True, False, False, True]


def test_read_back_fields_keep_nanoseconds_and_undecoded_values_as_sent(make_sink):
    """A rejected event's `@timestamp` with nine fraction digits and a nested object come back equal."""
    from porttrack_logs.codec import decode_event

    line = b'{"@timestamp":"2026-11-27T06:00:00.123456789Z","message":"m","kubernetes":{"pod":{"name":"p-1"}},"n":7}'
    sink, conn = make_sink([answer(400)])
    reference = decode_event(line).to_dict()
    released = decode_event(line)
    assert sink.send(sink.prepare([released], release=True)) == [DEAD]

    assert released.to_dict() == reference
    assert str(released.get("@timestamp")) == str(reference["@timestamp"])
    assert sink._dlq.entries[0]["event"] is released


class _Recording:
    """A second output that keeps what it was given (a plain `write`, no `prepare`)."""

    name = "recording"

    def __init__(self) -> None:
        self.seen: list[dict] = []

    def write(self, events):
        self.seen.extend(dict(e.to_dict()) for e in events)
        return [INDEXED] * len(events)


def _source_batches(n: int, committed: list[int]) -> list[Batch]:
    return [Batch([event(i, id=f"s@{i}") for i in range(k, k + 5)], Ack(5, committed.append)) for k in range(0, n, 5)]


def test_the_loop_releases_fields_only_when_the_prepared_output_is_its_only_one(make_sink):
    """One Elasticsearch output: the events are delivered and settled with their fields released.
    Beside a second output, nothing is released: that output still reads every field."""
    pipeline = Pipeline.from_config("filter { mutate { add_field => { \"seen\" => \"%{n}\" } } }")
    sink, conn = make_sink([answer(*[201] * 10)])
    committed: list[int] = []
    batches = _source_batches(10, committed)
    summary = run_loop(batches, pipeline, Router([sink], (0,)), RecordingDeadLetters())
    assert summary.outputs[sink.name][INDEXED] == 10 and summary.settled == 10 and committed == [5, 5]
    assert [doc["seen"] for _, doc in conn.documents()] == [str(i) for i in range(10)]
    assert all(e._data is None for b in batches for e in b.events)

    sink, conn = make_sink([answer(*[201] * 10)])
    other = _Recording()
    batches = _source_batches(10, [])
    run_loop(batches, pipeline, Router([sink, other], (0, 1)), RecordingDeadLetters())
    assert [doc["n"] for doc in other.seen] == list(range(10)) and len(conn.documents()) == 10
    assert all(e._data is not None for b in batches for e in b.events)
