"""The sidecar's loop over sources (fakes of OUR Source and Sink interfaces): acknowledgements only
after delivery, nothing acknowledged that was not delivered, bounded reads, drain and shutdown."""

from __future__ import annotations

import tempfile
import threading

import pytest

from porttrack_logs.acks import DELIVERED, REJECTED, Ack
from porttrack_logs.errors import DeliveryStopped
from porttrack_logs.event import Event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.steps import fail_event
from porttrack_logs.runtime.intake import Intake
from porttrack_logs.runtime.loop import run_loop
from porttrack_logs.runtime.routing import Router
from porttrack_logs.runtime.sidecar import EXIT_ABANDONED, EXIT_OK, EXIT_SOURCE_ENDED, Sidecar, SidecarOptions
from porttrack_logs.runtime.telemetry import Telemetry
from porttrack_logs.sinks.base import PROVENANCE, Outcome
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
from porttrack_logs.sources.base import Batch, SourceClosed


class FakeSource:
    """Our Source interface: `batches` batches of `size` events (endless when None), each Ack
    recording what it committed and its final status in `log`."""

    def __init__(self, name="fake", batches=3, size=4, log=None, messages=None):
        self.name, self.left, self.size = name, batches, size
        self.log = log if log is not None else []
        self.messages = messages
        self.polled = 0
        self.acks: list[Ack] = []
        self.closed = threading.Event()
        self.started = False

    def start(self):
        self.started = True

    def poll(self, timeout=None):
        if self.closed.is_set():
            raise SourceClosed(f"{self.name} is closed")
        if self.left is not None and self.left <= 0:
            self.closed.wait(timeout)
            return None
        if self.left is not None:
            self.left -= 1
        n = self.polled
        self.polled += 1
        events = []
        for i in range(self.size):
            text = self.messages[i % len(self.messages)] if self.messages else f"m{n}-{i}"
            event = Event({"message": text})
            event.metadata[PROVENANCE] = {"id": f"{self.name}-{n}-{i}", "original": text.encode(), "place": f"{self.name}/{n}@{i}"}
            events.append(event)
        ack = Ack(len(events), lambda count, n=n: self.log.append(("commit", self.name, n, count)),
                  lambda a, n=n: self.log.append(("finished", self.name, n, a.status)))
        self.acks.append(ack)
        return Batch(events, ack)

    def close(self):
        self.closed.set()


class FakeSink:
    """Our Sink interface: logs each write; answers `outcome` (or a function of the event); can block
    until released or stopped (then raises DeliveryStopped, as the Elasticsearch sink does)."""

    def __init__(self, log, name="out", outcome=Outcome.INDEXED, block=False, delivery_size=None, background=False):
        self.name, self.log, self.outcome = name, log, outcome
        self.background = background  # the sidecar writes it on a thread of its own, as an Elasticsearch output
        self.delivery_size = delivery_size
        self.block = block
        self.entered = threading.Event()
        self.release = threading.Event()
        self.stopped = threading.Event()
        self.written = 0
        self.messages = []

    def write(self, events):
        self.entered.set()
        if self.block:
            while not self.release.wait(0.05):
                if self.stopped.is_set():
                    raise DeliveryStopped(f"{self.name}: stopped with {len(events)} events not delivered")
        outcomes = [self.outcome(e) if callable(self.outcome) else self.outcome for e in events]
        self.written += len(events)
        self.messages.extend(e.get("message") for e in events)
        self.log.append(("write", self.name, len(events)))
        return outcomes

    def stop(self):
        self.stopped.set()

    def close(self):
        pass


class SyncLog(DeadLetterQueue):
    def __init__(self, log):
        super().__init__(tempfile.mkdtemp(prefix="pt-sc-dlq-"))
        self.log = log

    def sync(self):
        super().sync()
        self.log.append(("sync",))


def drain_source(source, stop_after):
    """The batches of a fake source, as the intake gives them, until `stop_after` were polled."""
    intake = Intake([source], poll_timeout=0.01)
    for item in intake:
        yield item
        if source.polled >= stop_after and source.left == 0:
            intake.stop()


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_a_source_batch_is_acknowledged_only_after_its_output_wrote_it(background):
    """Each batch's Ack commits after the write that carried its events, never before; every
    event settled DELIVERED."""
    log = []
    source = FakeSource(batches=3, size=4, log=log)
    sink = FakeSink(log, delivery_size=8)
    run_loop(drain_source(source, 3), Pipeline.from_config("filter { }"), Router([sink], (0,)), SyncLog(log), background=[background])
    writes = [i for i, entry in enumerate(log) if entry[0] == "write"]
    commits = {entry[2]: i for i, entry in enumerate(log) if entry[0] == "commit"}
    assert sorted(commits) == [0, 1, 2]
    # batches 0 and 1 went out in the first write of 8, batch 2 in the next
    assert commits[0] > writes[0] and commits[1] > writes[0] and commits[2] > writes[1]
    assert all(a.committed == 4 and a.status == DELIVERED for a in source.acks)


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_dead_lettered_events_settle_rejected_after_the_dead_letter_queue_synced(background):
    """An output's DEAD_LETTERED settles its position REJECTED (committed all the same), and only
    after the queue is synced; the others DELIVERED."""
    log = []
    source = FakeSource(batches=1, size=4, log=log, messages=["ok", "bad", "ok", "bad"])
    sink = FakeSink(log, outcome=lambda e: Outcome.DEAD_LETTERED if e.get("message") == "bad" else Outcome.INDEXED)
    sink_dlq = SyncLog(log)
    sink_dlq.put("mapping conflict", stage="output")  # what a sink does before it answers DEAD_LETTERED
    run_loop(drain_source(source, 1), Pipeline.from_config("filter { }"), Router([sink], (0,)), sink_dlq, background=[background])
    sync = log.index(("sync",))
    commit = next(i for i, entry in enumerate(log) if entry[0] == "commit")
    assert sync < commit
    [ack] = source.acks
    assert ack.committed == 4 and ack.status == REJECTED
    assert ("finished", "fake", 0, REJECTED) in log


class FailingSecond:
    """A pipeline (the loop's view of one) whose filter fails the second event of each batch."""

    def process(self, events):
        fail_event(events[1], "mutate@1:1", ValueError("no such thing"))
        return list(events)


def test_a_filter_failure_goes_to_the_queue_and_settles_rejected_the_rest_delivered():
    """A filter that fails an event: stage filter in the queue, its position REJECTED, the batch committed."""
    log = []
    source = FakeSource(batches=1, size=3, log=log, messages=["a", "b", "c"])
    sink = FakeSink(log)
    dlq = SyncLog(log)
    summary = run_loop(drain_source(source, 1), FailingSecond(), Router([sink], (0,)), dlq)
    [ack] = source.acks
    assert ack.committed == 3 and ack.status == REJECTED
    assert summary.by_stage == {"filter": 1} and sink.written == 2
    dlq.flush()
    [record] = list(dlq.read())
    assert record.stage == "filter" and record.place == "fake/0@1"


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_a_write_stopped_at_shutdown_acknowledges_nothing(background):
    """DeliveryStopped from an output ends the loop with it; no Ack of the held events commits."""
    log = []
    source = FakeSource(batches=2, size=4, log=log)
    sink = FakeSink(log, block=True)
    sink.stop()
    with pytest.raises(DeliveryStopped):
        run_loop(drain_source(source, 2), Pipeline.from_config("filter { }"), Router([sink], (0,)), SyncLog(log), background=[background])
    assert [e for e in log if e[0] == "commit"] == []
    assert all(a.committed == 0 and a.pending == 4 for a in source.acks)


def _sidecar(sources, sink, log, *, timeout=30.0, capacity=4):
    telemetry = Telemetry()
    options = SidecarOptions(shutdown_timeout=timeout, install_signals=False, intake_capacity=capacity)
    return Sidecar(Pipeline.from_config("filter { }"), sources, Router([sink], (0,)), SyncLog(log), telemetry, options)


def _run_in_thread(sidecar):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", sidecar.run()), daemon=True)
    thread.start()
    return thread, result


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_a_blocked_output_bounds_what_is_read_from_every_source(background):
    """While the output blocks, the sources are polled no further than the bound: the batches of
    one delivery (three with a writer thread: one in flight, one waiting, one the loop holds while
    it waits to hand it over), plus the intake's hand-over and one per poller; nothing acknowledged."""
    log = []
    sources = [FakeSource(name=f"s{k}", batches=None, size=10, log=log) for k in range(2)]
    sink = FakeSink(log, block=True, delivery_size=50, background=background)
    sidecar = _sidecar(sources, sink, log, timeout=0.5, capacity=3)
    thread, result = _run_in_thread(sidecar)
    assert sink.entered.wait(30)
    polled_at_write = sum(s.polled for s in sources)
    # let the pollers run as far as they can: they fill the hand-over and then wait
    for _ in range(40):
        threading.Event().wait(0.025)
    polled = sum(s.polled for s in sources)
    assert polled_at_write >= 5  # the write came when 50 events (5 batches) were held
    assert polled <= 5 * (3 if background else 1) + 3 + 2  # the held batches, the hand-over's 3, one in each poller's hand
    sidecar.request_stop("test")
    thread.join(30)
    assert result["code"] == EXIT_ABANDONED
    assert [e for e in log if e[0] == "commit"] == []


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_stop_drains_what_is_in_flight_then_closes_the_sources_and_exits_0(background):
    """A stop while an output is slow (not stuck): the held events are written, every batch read is
    acknowledged, then the sources are closed; exit 0."""
    log = []
    source = FakeSource(batches=None, size=5, log=log)
    sink = FakeSink(log, block=True, delivery_size=20, background=background)
    sidecar = _sidecar([source], sink, log, timeout=60)
    thread, result = _run_in_thread(sidecar)
    assert sink.entered.wait(30)
    sidecar.request_stop("test")
    sink.release.set()
    thread.join(60)
    assert result["code"] == EXIT_OK
    assert source.closed.is_set()
    assert sidecar.summary.read == sidecar.summary.settled == sink.written
    assert sum(a.committed for a in source.acks) == sink.written


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_past_the_shutdown_timeout_the_outputs_are_stopped_and_nothing_held_is_acknowledged(background):
    """An output that never recovers: after --shutdown-timeout its write is stopped, the process
    reports what it abandoned (exit 3), and no Ack of it commits."""
    log = []
    source = FakeSource(batches=3, size=4, log=log)
    sink = FakeSink(log, block=True, delivery_size=8, background=background)
    sidecar = _sidecar([source], sink, log, timeout=0.3)
    thread, result = _run_in_thread(sidecar)
    assert sink.entered.wait(30)
    sidecar.request_stop("test")
    assert sidecar.health.ready() == (False, "draining")
    thread.join(30)
    assert result["code"] == EXIT_ABANDONED
    assert sink.stopped.is_set()
    assert [e for e in log if e[0] == "commit"] == []
    assert sidecar.summary.settled == 0 and sidecar.summary.read == (12 if background else 8)


def test_a_source_that_closes_on_its_own_ends_the_run_with_4():
    """A source that ends without being asked (its consumer failed) is not a clean exit."""
    log = []
    source = FakeSource(batches=1, size=2, log=log)
    sink = FakeSink(log)
    sidecar = _sidecar([source], sink, log)
    original = source.poll

    def poll(timeout=None):
        if source.polled >= 1:
            raise SourceClosed("fake stopped: broker gone")
        return original(timeout)

    source.poll = poll
    code = sidecar.run()
    assert code == EXIT_SOURCE_ENDED
    assert source.acks[0].committed == 2  # what it read before was still delivered and acknowledged


class Recording:
    """A pipeline (the loop's view of one) that passes events through and notes each call's size."""

    def __init__(self):
        self.sizes = []

    def process(self, events):
        self.sizes.append(len(events))
        return list(events)


def test_a_large_read_goes_through_the_pipeline_a_batch_size_at_a_time_in_order():
    """A 300-event read (a Kafka fetch) is processed 125 events at a time, comes out in read order,
    and its one Ack is settled once for all 300."""
    log = []
    source = FakeSource(batches=1, size=300, log=log)
    sink = FakeSink(log, delivery_size=1000)
    pipeline = Recording()
    run_loop(drain_source(source, 1), pipeline, Router([sink], (0,)), SyncLog(log), batch_size=125)
    assert pipeline.sizes == [125, 125, 50]
    assert sink.messages == [f"m0-{i}" for i in range(300)]
    [ack] = source.acks
    assert ack.committed == 300 and [e for e in log if e[0] == "commit"] == [("commit", "fake", 0, 300)]


def test_health_is_live_while_the_loop_turns_or_an_output_writes_and_not_when_stuck():
    """/healthz fails only when the loop made no turn for STALL_SECONDS outside a write; /readyz
    also while starting, draining, or an output blocked past BLOCKED_SECONDS."""
    import time

    from porttrack_logs.runtime.telemetry import BLOCKED_SECONDS, STALL_SECONDS, Health

    health = Health()
    assert health.live()[0] and health.ready() == (False, "starting")
    health.started = True
    assert health.ready() == (True, "ok")
    health.beat = time.monotonic() - STALL_SECONDS - 1
    assert health.live()[0] is False and "no turn" in health.live()[1] and health.ready()[0] is False
    health.writing_to("elasticsearch@9:3")
    assert health.live()[0] is True  # an output retrying is not a stuck loop
    health.writing_since = time.monotonic() - BLOCKED_SECONDS - 1
    assert health.ready()[0] is False and "blocked" in health.ready()[1]
    health.writing_to(None)
    health.beat = time.monotonic()
    health.draining = True
    assert health.ready() == (False, "draining")


def test_file_inputs_beside_a_network_source_are_read_through_the_same_loop(tmp_path):
    """A file input next to a source: its records go through the loop as file batches (positions to
    on_done), the source's batches are acknowledged, both reach the output."""
    import orjson

    from porttrack_logs.runtime.batch_job import read_paths
    from porttrack_logs.runtime.intake import FileFeed

    path = tmp_path / "pod.log"
    data = b"".join(orjson.dumps({"log": f"line {i}\n", "stream": "stdout", "time": "2026-11-27T06:00:00Z"}) + b"\n" for i in range(7))
    path.write_bytes(data)
    log = []
    source = FakeSource(batches=2, size=3, log=log)
    files = FileFeed("files", lambda: read_paths([str(path)]))
    sink = FakeSink(log)
    done = []
    telemetry = Telemetry()
    sidecar = Sidecar(Pipeline.from_config("filter { }"), [source, files], Router([sink], (0,)), SyncLog(log), telemetry,
                      SidecarOptions(install_signals=False), on_done=done.append)
    thread, result = _run_in_thread(sidecar)
    wait = threading.Event()
    for _ in range(600):
        if sink.written == 13:
            break
        wait.wait(0.05)
    sidecar.request_stop("test")
    thread.join(30)
    assert result["code"] == EXIT_OK
    assert sink.written == 13 and sum(a.committed for a in source.acks) == 6
    assert done and done[-1] == {str(path): len(data)}


class KeptAliveSource(FakeSource):
    """A source polled on the loop's thread that must be served while it is not polled (as Kafka's
    confluent backend is): counts the keepalives and the thread they came on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.keepalives = 0
        self.threads = set()

    def keepalive(self):
        self.keepalives += 1
        self.threads.add(threading.get_ident())


def test_while_a_writer_thread_blocks_the_loop_serves_its_source_and_acknowledges_nothing(monkeypatch):
    """An output blocked on its writer thread: the loop, waiting to hand it more, calls the source's
    keepalive (on the loop's own thread) instead of polling; nothing is acknowledged until the output
    answers; then every batch read is written and acknowledged, exit 0."""
    import porttrack_logs.runtime.loop as loop_module

    monkeypatch.setattr(loop_module, "KEEPALIVE_SECONDS", 0.02)
    log = []
    source = KeptAliveSource(batches=None, size=4, log=log)
    sink = FakeSink(log, block=True, delivery_size=8, background=True)
    sidecar = _sidecar([source], sink, log)
    loop_thread, result = _run_in_thread(sidecar)
    assert sink.entered.wait(30)
    for _ in range(500):
        if source.keepalives >= 3:
            break
        threading.Event().wait(0.01)
    polled_while_blocked = source.polled
    assert source.keepalives >= 3 and source.threads == {loop_thread.ident}
    assert [e for e in log if e[0] == "commit"] == []
    threading.Event().wait(0.1)
    assert source.polled == polled_while_blocked  # served, not read
    sink.release.set()
    sidecar.request_stop("test")
    loop_thread.join(30)
    assert result["code"] == EXIT_OK
    assert sink.written == 4 * source.polled and all(a.committed == 4 for a in source.acks)
