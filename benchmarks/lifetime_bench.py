"""How long events live after they are encoded, and what it costs: the same decode, pipeline and
NDJSON encoding of PortTrack's events, with each pipeline batch freed at once, kept until 1000
events are held (as an Elasticsearch delivery holds them until its answer), or kept with their
field dicts dropped right after encoding (what stays: the event objects and their metadata).

    python benchmarks/lifetime_bench.py [--events 20000] [--rounds 10]

Best CPU µs an event of each, measured in alternation in one process (`time.process_time`), and
each against the first. Holding fields that went cold costs their later freeing and the cache the
next batch would have used; the benchmark shows how much on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # measure this checkout

from pipeline_bench import filebeat_ndjson  # noqa: E402

from porttrack_logs.codec import decode_event, encode_event_lines  # noqa: E402
from porttrack_logs.pipeline import BATCH_SIZE, Pipeline  # noqa: E402
from porttrack_logs.runtime.batch_job import tune_gc_for_throughput  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    lines = filebeat_ndjson(args.events)
    tune_gc_for_throughput()
    measured = runs(lines)
    best = [float("inf")] * len(measured)
    for _ in range(args.rounds):
        for i, (_, run) in enumerate(measured):
            start = time.process_time()
            run()
            best[i] = min(best[i], (time.process_time() - start) * 1e6 / len(lines))
    for (name, _), us in zip(measured, best):
        print(f"{name:<60} {us:6.2f} µs an event  {us / best[0]:.2f}x")


if __name__ == "__main__":
    main()
