"""How long events live after they are encoded, and what it costs: the same decode, pipeline and
NDJSON encoding of PortTrack's events, with each pipeline batch freed at once, kept until 1000
events are held (as an Elasticsearch delivery holds them until its answer), or kept with their
field dicts dropped right after encoding (what stays: the event objects and their metadata).
Then the runtime's own path: `run_loop` over source batches of 500 (a Kafka read: events with
their provenance and Ack) into the `elasticsearch` output on a connection that discards each body
(benchmarks/_sidecar_discard.py), written on its own thread as in the sidecar: the read decoded
at once or a pipeline batch at a time as the loop reaches it (`Batch.deferred`, as the Kafka and
Beats sources hand reads over), the fields released at `prepare` (what the loop does for a lone
Elasticsearch output) or kept until the answer (the same sink, told not to release).

    python benchmarks/lifetime_bench.py [--events 20000] [--rounds 10]

Best CPU µs an event of each, measured in alternation in one process (`time.process_time`), and
each against the first of its group. Holding fields that went cold costs their later freeing and
the cache the next batch would have used; the benchmark shows how much on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # measure this checkout

from pipeline_bench import filebeat_ndjson  # noqa: E402

from _sidecar_discard import DiscardConnection  # noqa: E402

from porttrack_logs.acks import Ack  # noqa: E402
from porttrack_logs.codec import decode_event, decode_events, encode_event_lines  # noqa: E402
from porttrack_logs.pipeline import BATCH_SIZE, Pipeline  # noqa: E402
from porttrack_logs.runtime.batch_job import tune_gc_for_throughput  # noqa: E402
from porttrack_logs.runtime.loop import run_loop  # noqa: E402
from porttrack_logs.runtime.routing import Router  # noqa: E402
from porttrack_logs.sinks.base import PROVENANCE, SinkContext  # noqa: E402
from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput  # noqa: E402
from porttrack_logs.sources.base import Batch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def runs(lines: list[bytes], held: int = 1000) -> list[tuple[str, object]]:
    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    n = len(lines)

    def batches():
        for start in range(0, n, BATCH_SIZE):
            events = pipeline.process([decode_event(line) for line in lines[start:start + BATCH_SIZE]])
            encode_event_lines(events)
            yield events

    def freed() -> None:
        for _ in batches():
            pass

    def kept(drop_fields: bool) -> None:
        keep: list[list] = []
        count = 0
        for events in batches():
            if drop_fields:
                for event in events:
                    event._data = None  # the fields go while still in the caches; the object and metadata stay
            keep.append(events)
            count += len(events)
            if count >= held:
                keep, count = [], 0

    return [
        ("freed after encoding", freed),
        (f"kept until {held} are held", lambda: kept(False)),
        (f"kept until {held} are held, fields dropped after encoding", lambda: kept(True)),
    ]


class _Keeping:
    """The Elasticsearch sink as it was before `release`: `prepare` keeps the events' fields."""

    def __init__(self, sink) -> None:
        self.sink, self.name = sink, sink.name

    def prepare(self, events, batch=None, release=False):
        return self.sink.prepare(events, batch)

    def send(self, batch):
        return self.sink.send(batch)


class _NoDeadLetters:
    def put(self, reason, **where) -> None:
        raise AssertionError(f"nothing is dead-lettered here: {reason}")

    def sync(self) -> None:
        pass


def loop_runs(lines: list[bytes], read: int = 500) -> list[tuple[str, object]]:
    """`run_loop` into the discarding Elasticsearch output, source reads of `read` events."""
    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    sink = ElasticsearchOutput(index="porttrack-logs-%{+yyyy.MM.dd}", manage_template=False).build(
        SinkContext(_NoDeadLetters(), "elasticsearch@bench", None), connection=DiscardConnection())
    keeping = _Keeping(sink)

    def stamped(start: int, values: list[bytes]) -> list:
        events = decode_events(values)
        for k, (event, value) in enumerate(zip(events, values)):  # as the Kafka source stamps them
            event._meta[PROVENANCE] = {"offset": start + k, "original": value, "stream": "bench/0@", "stream_id": "bench-0-"}
        return events

    def batches(deferred: bool):
        for start in range(0, len(lines), read):
            values = lines[start:start + read]
            ack = Ack(len(values), lambda count: None)
            if deferred:  # as the Kafka and Beats sources hand a read over: decoded slice by slice
                yield Batch.deferred(lambda a, b, start=start, values=values: stamped(start + a, values[a:b]), ack)
            else:
                yield Batch(stamped(start, values), ack)

    def run(output, deferred: bool) -> None:
        summary = run_loop(batches(deferred), pipeline, Router([output], (0,)), _NoDeadLetters(), background=[True])
        assert summary.outputs[output.name].total() == len(lines)

    return [
        (f"run_loop -> elasticsearch, reads of {read} decoded at once, fields kept", lambda: run(keeping, False)),
        (f"run_loop -> elasticsearch, reads of {read} decoded at once, fields released", lambda: run(sink, False)),
        (f"run_loop -> elasticsearch, reads of {read} decoded a slice at a time, fields kept", lambda: run(keeping, True)),
        (f"run_loop -> elasticsearch, reads of {read} decoded a slice at a time, fields released", lambda: run(sink, True)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    lines = filebeat_ndjson(args.events)
    tune_gc_for_throughput()
    for measured in (runs(lines), loop_runs(lines)):
        best = [float("inf")] * len(measured)
        for _ in range(args.rounds):
            for i, (_, run) in enumerate(measured):
                start = time.process_time()
                run()
                best[i] = min(best[i], (time.process_time() - start) * 1e6 / len(lines))
        for (name, _), us in zip(measured, best):
            print(f"{name:<84} {us:6.2f} µs an event  {us / best[0]:.2f}x")


if __name__ == "__main__":
    main()
