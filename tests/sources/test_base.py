"""`sources.base.Batch`: a read handed over decoded, or deferred and built a slice at a time."""

from __future__ import annotations

import pytest

from porttrack_logs.acks import Ack
from porttrack_logs.event import Event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.loop import run_loop
from porttrack_logs.runtime.routing import Router
from porttrack_logs.sinks.base import PROVENANCE, Outcome
from porttrack_logs.sources.base import Batch


class Recorder:
    """A deferred read of `n` records whose builds are logged."""

    def __init__(self, n: int, log: list) -> None:
        self.n, self.log = n, log

    def build(self, start: int, stop: int) -> list[Event]:
        self.log.append(("build", start, stop))
        return [Event({"n": k}, metadata={PROVENANCE: {"place": f"r@{k}"}}) for k in range(start, stop)]


def test_a_deferred_batch_builds_each_slice_when_it_is_reached_and_events_builds_the_rest():
    log: list = []
    batch = Batch.deferred(Recorder(7, log).build, Ack(7, lambda count: None))
    assert len(batch) == 7 and log == []  # nothing built when handed over

    slices = batch.slices(3)
    first = next(slices)
    assert [e.get("n") for e in first] == [0, 1, 2] and log == [("build", 0, 3)]
    assert [e.get("n") for e in batch.events] == list(range(7))  # the rest, at once
    assert log == [("build", 0, 3), ("build", 3, 7)]
    assert [[e.get("n") for e in s] for s in slices] == [[3, 4, 5], [6]]  # already built: sliced, not built again
    assert len(log) == 2


def test_a_decoded_batch_is_sliced_and_a_small_one_handed_out_whole():
    events = [Event({"n": k}) for k in range(5)]
    batch = Batch(events, Ack(5, lambda count: None))
    assert [len(s) for s in batch.slices(2)] == [2, 2, 1]
    assert next(batch.slices(125)) is events


def test_a_build_that_makes_another_count_of_events_is_an_error_naming_the_records():
    batch = Batch.deferred(lambda start, stop: [Event({})], Ack(4, lambda count: None))
    with pytest.raises(ValueError, match="built 1 events for records 0 to 3"):
        list(batch.slices(125))


class Preparing:
    """An output that encodes on `prepare` (as Elasticsearch does) and logs each call."""

    name = "preparing"

    def __init__(self, log: list) -> None:
        self.log = log

    def prepare(self, events, delivery=None, release=False):
        self.log.append(("prepare", [e.get("n") for e in events], release))
        return (delivery or []) + list(events)

    def send(self, delivery):
        self.log.append(("send", len(delivery)))
        return [Outcome.INDEXED] * len(delivery)


def test_the_loop_takes_each_slice_of_a_deferred_read_to_its_output_before_building_the_next():
    log: list = []
    committed: list[int] = []
    batch = Batch.deferred(Recorder(5, log).build, Ack(5, committed.append))

    summary = run_loop([batch], Pipeline.from_config("filter { }"), Router([Preparing(log)], (0,)), _NoDeadLetters(), batch_size=2)

    assert log == [
        ("build", 0, 2), ("prepare", [0, 1], True), ("build", 2, 4), ("prepare", [2, 3], True),
        ("build", 4, 5), ("prepare", [4], True), ("send", 5),
    ]
    assert summary.read == 5 and summary.settled == 5 and committed == [5]


class _NoDeadLetters:
    def put(self, reason, **where):
        raise AssertionError(reason)

    def sync(self):
        pass
