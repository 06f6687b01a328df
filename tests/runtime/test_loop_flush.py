"""The loop calls `Pipeline.flush()` every `FLUSH_SECONDS` (Logstash's periodic flush): elapsed's
expired starts reach the outputs, on a turn with events and on an idle turn alike, and a source's
Ack still covers exactly its own events."""

import tempfile

import pytest

from porttrack_logs.acks import Ack
from porttrack_logs.event import Event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.loop import IDLE, run_loop
from porttrack_logs.runtime.routing import Router
from porttrack_logs.sinks.base import Outcome
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
from porttrack_logs.sources.base import Batch

CONFIG = """
filter {
  elapsed { start_tag => "taskStarted" end_tag => "taskTerminated" unique_id_field => "task_id" timeout => 10 }
}
"""


class KeepingSink:
    """A fake of our Sink interface that keeps every event written."""

    name = "keep"

    def __init__(self):
        self.events = []

    def write(self, events):
        self.events.extend(events)
        return [Outcome.INDEXED] * len(events)

    def stop(self):
        pass

    def close(self):
        pass


def _batch(events, commits):
    events = [Event(e) for e in events]
    return Batch(events, Ack(len(events), commits.append))


@pytest.mark.parametrize("turns", ["events", "idle"])
def test_expired_starts_are_flushed_to_the_outputs(monkeypatch, turns):
    monkeypatch.setattr(Pipeline, "FLUSH_SECONDS", 0)  # every turn is a flush; elapsed ages 5 s a flush
    pipeline = Pipeline.from_config(CONFIG)
    sink = KeepingSink()
    commits: list[int] = []
    start = {"tags": ["taskStarted"], "task_id": "t1", "@timestamp": "2026-12-01T10:00:00Z"}
    other = {"message": "unrelated", "@timestamp": "2026-12-01T10:00:01Z"}
    later = [_batch([other], commits) for _ in range(3)] if turns == "events" else [IDLE, IDLE, IDLE]
    summary = run_loop([_batch([start], commits), *later], pipeline, Router([sink], (0,)),
                       DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")))
    expired = [e for e in sink.events if "elapsed_expired_error" in e.tags]
    assert len(expired) == 1 and expired[0].get("task_id") == "t1"
    assert sink.events[0].get("task_id") == "t1" and "elapsed_expired_error" not in sink.events[0].tags
    assert summary.emitted == len(sink.events) == (1 if turns == "idle" else 4) + 1
    # every source read committed whole, and only its own events (the flushed one is nobody's)
    assert commits == [1] * (4 if turns == "events" else 1)


def test_a_pipeline_without_flushing_filters_is_never_flushed(monkeypatch):
    monkeypatch.setattr(Pipeline, "FLUSH_SECONDS", 0)
    pipeline = Pipeline.from_config('filter { mutate { add_tag => ["x"] } }')
    calls = []
    monkeypatch.setattr(Pipeline, "flush", lambda self: calls.append(1) or [])
    sink = KeepingSink()
    run_loop([_batch([{"message": "a"}], []), IDLE], pipeline, Router([sink], (0,)),
             DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")))
    assert calls == [] and len(sink.events) == 1
