"""replay(): records sent again through a sink of our interface (optionally a pipeline first);
afterwards the queue holds exactly what is still rejected, once each."""

import orjson
import pytest

from porttrack_logs import Event, Pipeline
from porttrack_logs.errors import DeliveryError
from porttrack_logs.pipeline.steps import fail_event
from porttrack_logs.sinks.base import Outcome, provenance
from porttrack_logs.sinks.dead_letter import DeadLetterQueue, read, replay


class FakeSink:
    """A sink of OUR interface (sinks/base.py): rejects what `rejects` says, dead-lettering it into
    `queue` as a real output does when `puts` (else it only answers DEAD_LETTERED)."""

    name = "fake"

    def __init__(self, queue, rejects, *, puts=True, fail_on_call=None):
        self.queue, self.rejects, self.puts, self.fail_on_call = queue, rejects, puts, fail_on_call
        self.delivered: list[Event] = []
        self.calls = 0

    def write(self, events):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise DeliveryError("destination gone")
        outcomes = []
        for event in events:
            if self.rejects(event):
                if self.puts:
                    self.queue.put("still rejected: " + str(event.get("message")), stage="output", event=event,
                                   plugin="fake@1:1", error_type="mapper_parsing_exception", status=400, index="idx")
                outcomes.append(Outcome.DEAD_LETTERED)
            else:
                self.delivered.append(event)
                outcomes.append(Outcome.INDEXED if event.get("n") != 0 else Outcome.DUPLICATE)
        self.queue.sync()
        return outcomes

    def stop(self):
        pass

    def close(self):
        pass


def _output_record(queue, message, n):
    original = orjson.dumps({"message": message, "n": n})
    event = Event({"message": message, "n": n})
    provenance(event).update({"id": f"doc-{n}", "original": original, "place": f"pod.log@{n * 100}"})
    queue.put("mapping conflict", stage="output", event=event, plugin="es@3:1", status=400, index="idx",
              error_type="mapper_parsing_exception")


def _messages(directory):
    return [(r.stage, (r.event or {}).get("message"), r.reason) for r in read(directory)]


def test_replay_removes_what_is_delivered_and_keeps_each_still_rejected_once_with_its_new_reason(tmp_path):
    """Output records are sent as they were rejected; the fake sink rejects the 'bad' ones again:
    the queue then holds exactly those, once each, with the sink's new reason, plus the decode
    record that cannot be replayed without a pipeline, untouched."""
    with DeadLetterQueue(tmp_path) as queue:
        for n, message in enumerate(["ok", "bad", "ok", "bad", "ok"]):
            _output_record(queue, f"{message} {n}", n)
        queue.put("invalid JSON", stage="decode", original=b"\xff{broken", place="pod.log@9")
        decode_line = list(queue.read())[-1].line
        sink = FakeSink(queue, lambda e: e.get("message").startswith("bad"))
        summary = replay(queue, sink.write, batch_size=2)
        assert queue.size == sum(p.stat().st_size for p in tmp_path.glob("*.dlq"))
    assert (summary.read, summary.delivered, summary.rejected, summary.kept, summary.remaining) == (6, 3, 2, 1, 3)
    assert summary.why_kept == {"stage decode: replay it through a pipeline (-f)": 1}
    left = list(read(tmp_path))
    assert [(r.stage, r.reason) for r in left] == [
        ("output", "still rejected: bad 1"), ("output", "still rejected: bad 3"), ("decode", "invalid JSON")]
    assert left[-1].line == decode_line
    # the rejected again keep their original bytes, document id and place (from the replayed event's provenance)
    assert [r.original for r in left[:2]] == [orjson.dumps({"message": f"bad {n}", "n": n}) for n in (1, 3)]
    assert [(r.doc_id, r.place, r.plugin) for r in left[:2]] == [("doc-1", "pod.log@100", "fake@1:1"), ("doc-3", "pod.log@300", "fake@1:1")]
    # what was delivered went with its id and original, and no failure left over
    assert [e.get("message") for e in sink.delivered] == ["ok 0", "ok 2", "ok 4"]
    assert [provenance(e)["id"] for e in sink.delivered] == ["doc-0", "doc-2", "doc-4"]
    assert all("error" not in provenance(e) for e in sink.delivered)

    with DeadLetterQueue(tmp_path) as queue:  # the template fixed: everything goes
        again = replay(queue, FakeSink(queue, lambda e: False).write)
    assert (again.delivered, again.remaining) == (2, 1)
    assert [r.stage for r in read(tmp_path)] == ["decode"]


def test_a_sink_that_rejects_without_a_record_of_its_own_leaves_the_old_record_as_it_was(tmp_path):
    """DEAD_LETTERED with no new record put: the old record stays, byte for byte, not doubled."""
    with DeadLetterQueue(tmp_path) as queue:
        for n in range(3):
            _output_record(queue, f"m {n}", n + 1)
        before = [r.line for r in queue.read()]
        summary = replay(queue, FakeSink(queue, lambda e: e.get("n") != 2, puts=False).write)
    assert (summary.delivered, summary.rejected) == (1, 2)
    assert [r.line for r in read(tmp_path)] == [before[0], before[2]]


def test_replay_through_a_pipeline_reruns_the_original_input(tmp_path):
    """With a pipeline, each record's ORIGINAL input is decoded and filtered again (e.g. after a grok
    fix): parsed events are delivered, dropped ones removed, still undecodable input stays with the
    new reason, and the replayed events carry the fixed fields and their document id."""
    pipeline = Pipeline.from_config("""filter {
      if [message] =~ /^debug/ { drop {} }
      grok { match => { "message" => "%{WORD:verb} %{INT:code:int}" } }
    }""")
    with DeadLetterQueue(tmp_path) as queue:
        queue.put("grok failed", stage="filter", original=b'{"message": "GET 200"}', place="a.log@0")
        queue.put("invalid JSON", stage="decode", original=b'{"message": broken', place="a.log@30")
        _output_record(queue, "PUT 201", 7)  # rejected by an output, its original input re-run too
        queue.put("noise", stage="filter", original=b'{"message": "debug tick"}', place="a.log@60")
        queue.put("no original", stage="filter", event={"message": "x"})
        sink = FakeSink(queue, lambda e: False)
        summary = replay(queue, sink.write, pipeline=pipeline)
    assert (summary.delivered, summary.dropped, summary.rejected, summary.kept) == (2, 1, 1, 1)
    assert [(e.get("verb"), e.get("code")) for e in sink.delivered] == [("GET", 200), ("PUT", 201)]
    assert provenance(sink.delivered[1])["id"] == "doc-7"
    assert sink.delivered[0].metadata["_porttrack"]["original"] == b'{"message": "GET 200"}'
    left = list(read(tmp_path))
    assert [(r.stage, r.original) for r in left] == [("decode", b'{"message": broken'), ("filter", None)]
    assert left[0].reason != "invalid JSON" and left[0].place == "a.log@30"


class FailingPipeline:
    """A pipeline of our interface whose filter raises on 'boom' events (as steps.fail_event records it)."""

    def process(self, events):
        for event in events:
            if "boom" in event.get("message"):
                fail_event(event, "ruby@4:3", ZeroDivisionError("divided by 0"))
        return list(events)


def test_an_event_the_pipeline_fails_again_replaces_its_record_with_the_new_failure(tmp_path):
    """A filter that still fails the event: one record, stage filter, the filter's new reason, the original kept."""
    with DeadLetterQueue(tmp_path) as queue:
        queue.put("old failure", stage="filter", original=b'{"message": "boom 1"}')
        queue.put("old failure", stage="filter", original=b'{"message": "fine"}')
        summary = replay(queue, FakeSink(queue, lambda e: False).write, pipeline=FailingPipeline())
    assert (summary.delivered, summary.rejected) == (1, 1)
    [left] = read(tmp_path)
    assert left.stage == "filter" and left.plugin == "ruby@4:3"
    assert left.reason == "ruby@4:3 raised ZeroDivisionError: divided by 0"
    assert left.original == b'{"message": "boom 1"}' and "_filter_error" in left.event["tags"]


def test_a_sink_failing_midway_commits_what_was_settled_and_keeps_the_rest(tmp_path):
    """The destination fails on the second batch: the first batch's delivered records are gone, the
    second batch's and the rest stay as they were, and the error reaches the caller."""
    with DeadLetterQueue(tmp_path) as queue:
        for n in range(6):
            _output_record(queue, f"m {n}", n + 1)
        lines = [r.line for r in queue.read()]
        with pytest.raises(DeliveryError, match="destination gone"):
            replay(queue, FakeSink(queue, lambda e: e.get("n") == 2, fail_on_call=2).write, batch_size=2)
    assert [r.line for r in read(tmp_path)][1:] == lines[2:]
    [first] = [r for r in read(tmp_path)][:1]
    assert first.reason == "still rejected: m 1"
    assert not (tmp_path / ".compaction").exists()


def test_a_sink_answering_the_wrong_number_of_outcomes_loses_nothing(tmp_path):
    """A sink breaking the interface (fewer outcomes than events) is an error; every record stays."""
    with DeadLetterQueue(tmp_path) as queue:
        for n in range(3):
            _output_record(queue, f"m {n}", n + 1)
        lines = [r.line for r in queue.read()]
        with pytest.raises(ValueError, match="2 outcomes for 3 events"):
            replay(queue, lambda events: [Outcome.INDEXED] * (len(events) - 1))
    assert [r.line for r in read(tmp_path)] == lines


def test_a_sink_putting_plain_dicts_is_linked_by_document_id(tmp_path):
    """A sink that dead-letters `event=` a plain dict (fields and @metadata) still replaces the
    record of that document, found by its id, instead of adding a second one."""

    class DictSink(FakeSink):
        def write(self, events):
            outcomes = []
            for event in events:
                self.queue.put("dict reject", stage="output", status=404,
                               event={**event.to_dict(), "@metadata": dict(event.metadata)})
                outcomes.append(Outcome.DEAD_LETTERED)
            return outcomes

    with DeadLetterQueue(tmp_path) as queue:
        for n in range(3):
            _output_record(queue, f"m {n}", n + 1)
        replay(queue, DictSink(queue, None).write)
    left = list(read(tmp_path))
    assert [(r.reason, r.doc_id, r.status) for r in left] == [("dict reject", f"doc-{n}", 404) for n in (1, 2, 3)]
