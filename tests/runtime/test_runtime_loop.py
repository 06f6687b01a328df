"""The runtime loop: batches -> pipeline -> dead letters and outputs -> outcomes -> done."""

import io
import tempfile

import orjson
import pytest

from porttrack_logs.errors import DeliveryError
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.batch_job import run_batch
from porttrack_logs.runtime.loop import run_loop
from porttrack_logs.runtime.routing import Router
from porttrack_logs.sinks.base import PROVENANCE, Outcome, id_of, place_of
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
from porttrack_logs.sources.container_files import read_batches


class RecordingSink:
    """A fake of our Sink interface: keeps what it was given, answers a chosen outcome, and
    records what the dead letter queue had synced when each write came."""

    def __init__(self, name, log, outcome=Outcome.INDEXED):
        self.name, self.log, self.outcome = name, log, outcome
        self.writes = []

    def write(self, events):
        self.writes.append(list(events))
        self.log.append(("write", self.name, len(events)))
        return [self.outcome] * len(events)

    def stop(self):
        pass

    def close(self):
        pass


class SyncLog(DeadLetterQueue):
    """Our dead letter queue, in a fresh directory, noting each sync in the shared log."""

    def __init__(self, log):
        super().__init__(tempfile.mkdtemp(prefix="pt-dlq-"))
        self.log = log

    def sync(self):
        super().sync()
        self.log.append(("sync",))

    def entries(self):
        self.flush()
        return [
            {"stage": r.stage, "place": r.place, "reason": r.reason, "event": r.event,
             "original": None if r.original is None else r.original.decode("utf-8", "replace")}
            for r in self.read()
        ]


def lines(*texts: str) -> bytes:
    return b"".join(orjson.dumps({"log": t + "\n", "stream": "stdout", "time": "2026-11-27T06:00:00Z"}) + b"\n" for t in texts)


def batches(data: bytes, size=125, source="pod.log"):
    return read_batches(io.BytesIO(data), source, batch_size=size)


def test_on_done_comes_after_every_write_and_the_dead_letter_sync():
    """A batch counts as done only after each output answered for it and the DLQ synced;
    on_done then gets the offset just past the last record, per source."""
    log = []
    sink = RecordingSink("out", log)
    data = lines("a", "b") + b"{broken\n" + lines("c")
    run_loop(batches(data), Pipeline.from_config("filter { }"), Router([sink], (0,)), SyncLog(log),
             on_done=lambda positions: log.append(("done", positions)))
    assert log == [("write", "out", 3), ("sync",), ("done", {"pod.log": len(data)})]


def test_with_nothing_dead_lettered_there_is_no_sync_to_wait_for():
    """A sync of nothing would still cost an fsync per batch: without entries, done follows the write."""
    log = []
    data = lines("a", "b")
    run_loop(batches(data), Pipeline.from_config("filter { }"), Router([RecordingSink("out", log)], (0,)), SyncLog(log),
             on_done=lambda positions: log.append(("done", positions)))
    assert log == [("write", "out", 2), ("done", {"pod.log": len(data)})]


def test_an_output_that_dead_letters_makes_the_queue_sync_before_done():
    """DEAD_LETTERED outcomes mean the output put records: they are synced before the batch is done."""
    log = []
    run_loop(batches(lines("a")), Pipeline.from_config("filter { }"),
             Router([RecordingSink("refusing", log, Outcome.DEAD_LETTERED)], (0,)), SyncLog(log),
             on_done=lambda positions: log.append(("done", positions)))
    assert log == [("write", "refusing", 1), ("sync",), ("done", {"pod.log": len(lines("a"))})]


def test_delivery_batches_hold_up_to_the_delivery_size_and_positions_advance_per_delivery():
    """With a delivery size of 4 and pipeline batches of 2, the output writes 4, 4, 2 events and
    each on_done names the offset past the last record delivered."""
    log = []
    sink = RecordingSink("out", log)
    texts = [f"n{i}" for i in range(10)]
    data = lines(*texts)
    line_len = len(data) // 10
    done = []
    run_loop(batches(data, size=2), Pipeline.from_config("filter { }"), Router([sink], (0,)), SyncLog(log),
             delivery_size=4, on_done=done.append)
    assert [len(w) for w in sink.writes] == [4, 4, 2]
    assert done == [{"pod.log": 4 * line_len}, {"pod.log": 8 * line_len}, {"pod.log": 10 * line_len}]


def test_decode_rejects_go_to_the_dead_letters_with_exact_bytes_and_place():
    """A line that does not decode is a "decode" dead letter with its bytes and path@offset."""
    log = []
    good = lines("ok")
    data = good + b'{"log": nope\n' + good
    dlq = SyncLog(log)
    summary = run_loop(batches(data), Pipeline.from_config("filter { }"), Router([RecordingSink("o", log)], (0,)), dlq)
    [entry] = dlq.entries()
    assert entry["stage"] == "decode" and entry["place"] == f"pod.log@{len(good)}"
    assert entry["original"] == '{"log": nope'
    assert summary.read == 3 and summary.rejected == 1 and summary.emitted == 2


def test_events_a_filter_fails_go_to_the_dead_letters_with_original_and_place_not_to_outputs():
    """A filter that fails an event (here: a template that cannot render, on one-word lines): a
    "filter" dead letter carrying the line as read and its place; the output gets only the others."""
    log = []
    sink = RecordingSink("o", log)
    pipeline = Pipeline.from_config('filter { grok { match => { "message" => "^%{WORD:w}$" } add_field => { "k" => "%{w[0]}" } } }')
    data = lines("fine here", "boom", "fine too")
    dlq = SyncLog(log)
    summary = run_loop(batches(data), pipeline, Router([sink], (0,)), dlq)
    assert [e.get("message") for e in sink.writes[0]] == ["fine here", "fine too"]
    [entry] = dlq.entries()
    first_len = len(lines("fine here"))
    assert entry["stage"] == "filter" and entry["place"] == f"pod.log@{first_len}"
    assert entry["original"] == lines("boom")[:-1].decode()
    assert "%{w[0]}" in entry["reason"] and entry["event"]["message"] == "boom"
    assert summary.rejected == 1 and summary.emitted == 2


def test_outcomes_are_counted_per_output():
    """The summary counts each output's outcomes; an output answering DEAD_LETTERED is counted so."""
    log = []
    kept, refused = RecordingSink("kept", log), RecordingSink("refused", log, Outcome.DEAD_LETTERED)
    summary = run_loop(batches(lines("a", "b")), Pipeline.from_config("filter { }"), Router([kept, refused], (0, 1)), SyncLog(log))
    assert summary.outputs["kept"][Outcome.INDEXED] == 2
    assert summary.outputs["refused"][Outcome.DEAD_LETTERED] == 2
    assert "output refused: dead lettered 2" in summary.render()


def test_an_output_answering_the_wrong_number_of_outcomes_stops_the_run_before_done():
    """One outcome per event is the contract; a short answer is an error and nothing is done."""

    class Short(RecordingSink):
        def write(self, events):
            return []

    done = []
    with pytest.raises(DeliveryError, match="0 outcomes for 2 events"):
        run_loop(batches(lines("a", "b")), Pipeline.from_config("filter { }"), Router([Short("s", [])], (0,)), SyncLog([]), on_done=done.append)
    assert done == []


def test_dropped_events_are_counted_and_not_delivered():
    """A filter's drop is counted as dropped; the output sees only what came through."""
    log = []
    sink = RecordingSink("o", log)
    pipeline = Pipeline.from_config('filter { if [message] == "noise" { drop {} } }')
    summary = run_loop(batches(lines("noise", "signal")), pipeline, Router([sink], (0,)), SyncLog(log))
    assert [e.get("message") for e in sink.writes[0]] == ["signal"]
    assert summary.dropped == 1 and summary.emitted == 1


def test_run_batch_events_carry_their_provenance_to_the_outputs(tmp_path):
    """What the outputs receive still holds id, original and place in [@metadata][_porttrack]."""
    path = tmp_path / "pod.log"
    path.write_bytes(lines("x"))
    log = []
    sink = RecordingSink("o", log)
    run_batch(Pipeline.from_config("filter { }"), [str(path)], Router([sink], (0,)), SyncLog(log))
    [[event]] = sink.writes
    info = event.metadata[PROVENANCE]
    assert place_of(info) == f"{path}@0" and info["original"] == lines("x") and id_of(info).endswith("-0")


def test_a_batch_is_done_only_when_every_output_has_written_it():
    """An output that writes each batch (delivery_size 1) beside one holding 4 events: the first
    writes every batch, but a batch is done only when the slower one has written it too."""
    log = []
    fast, slow = RecordingSink("fast", log), RecordingSink("slow", log)
    fast.delivery_size = 1
    data = lines(*[f"n{i}" for i in range(6)])
    line_len = len(data) // 6
    done = []
    run_loop(batches(data, size=2), Pipeline.from_config("filter { }"), Router([fast, slow], (0, 1)), SyncLog(log),
             delivery_size=4, on_done=lambda p: (log.append(("done", p)), done.append(p)))
    assert [len(w) for w in fast.writes] == [2, 2, 2]
    assert [len(w) for w in slow.writes] == [4, 2]
    assert log.index(("write", "slow", 4)) < log.index(("done", {"pod.log": 4 * line_len}))
    assert done == [{"pod.log": 4 * line_len}, {"pod.log": 6 * line_len}]


def test_a_batch_whose_events_were_all_dropped_is_done_after_the_dead_letter_sync():
    """Nothing to deliver (every event dropped or dead-lettered) still acknowledges, after the sync."""
    log = []
    pipeline = Pipeline.from_config("filter { drop {} }")
    done = []
    run_loop(batches(lines("a") + b"{broken\n"), pipeline, Router([RecordingSink("o", log)], (0,)), SyncLog(log),
             on_done=lambda p: (log.append(("done", p)), done.append(p)))
    assert log == [("sync",), ("done", {"pod.log": len(lines("a")) + len(b"{broken\n")})]


class _Events(list):
    """A batch's event list that a weak reference can follow (a plain list cannot be)."""


def test_the_loop_lets_go_of_a_written_batch_before_it_reads_the_next():
    """Once a batch is written and done, nothing of the loop holds it while the next one is read, so
    the next is decoded into the memory the last one used (held, two batches take turns in twice the
    memory, and fall out of the CPU caches). Checked with a weak reference to each batch's events."""
    import weakref

    from porttrack_logs.sinks.ndjson import NdjsonSink
    from porttrack_logs.sources.container_files import ReadBatch

    alive_at_next_read = []

    def reads():
        previous = None
        for batch in batches(lines(*[f"n{i}" for i in range(6)]), size=2):
            if previous is not None:
                alive_at_next_read.append(previous() is not None)
            batch.events = _Events(batch.events)
            previous = weakref.ref(batch.events)
            yield batch

    out = io.BytesIO()
    summary = run_loop(reads(), Pipeline.from_config("filter { mutate { add_tag => ['seen'] } }"),
                       Router([NdjsonSink(out)], (0,)), SyncLog([]))
    assert summary.emitted == 6 and out.getvalue().count(b'"seen"') == 6
    assert alive_at_next_read == [False, False]
