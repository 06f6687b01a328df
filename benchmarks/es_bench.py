"""Indexing into a real Elasticsearch: client CPU per document and documents/s, ours beside `helpers.bulk`.

    python benchmarks/es_bench.py [--url http://127.0.0.1:19200 | --throwaway] [--docs 100000] [--batch 5000]

`--throwaway` starts a private Elasticsearch 9 node for the run (devservices, about 30 s), so that other
work on the shared node does not move the documents/s.

The same PortTrack-shaped events (Filebeat container events from `porttrack_corpus`), in one run:

- `ceiling`: `_bulk` bodies encoded before the clock starts, sent by `Connection.bulk` in a loop: what
  the node takes when the client does nearly nothing (run first and again last, after a warm-up; the
  faster of the two is kept);
- `helpers.bulk`: the official helper with its default serializer, `create` actions with our ids, the
  documents as dicts (decoded before the clock starts);
- `ours`: `ElasticsearchSink.write` on decoded events (as the pipeline hands them over), ids from the
  source's provenance (file and offset, as the file and Kafka sources stamp them), and once more with no
  provenance, so that every `_id` is a fingerprint of the encoded document; and with two threads calling
  `write` on alternate batches (two output workers), so that encoding overlaps the node's work.

Client CPU is `time.process_time()` of this process around the whole run (the node runs elsewhere);
for `ours` it is split into encode (building the body), response (reading the items) and the rest (the
client's request path: HTTP, headers, urllib3). Each run writes into its own new index, deleted after.
The machine's one-minute load average is printed beside each run: documents/s move with it (the node
shares the cores), CPU per document much less.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # measure this checkout, whatever is installed

import orjson  # noqa: E402
from _timing import table  # noqa: E402
from porttrack_corpus import filebeat_ndjson  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

from porttrack_logs.codec import decode_event, encode_event  # noqa: E402
from porttrack_logs.runtime.batch_job import tune_gc_for_throughput  # noqa: E402
from porttrack_logs.sinks.base import PROVENANCE, SinkContext  # noqa: E402
from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput  # noqa: E402
from porttrack_logs.sinks.elasticsearch.client import connect  # noqa: E402
from porttrack_logs.sinks.elasticsearch.sink import BULK_PARAMS  # noqa: E402


class _NoDeadLetters:
    """The benchmark's documents are all valid; any dead letter is counted and reported as a failure."""

    def __init__(self) -> None:
        self.count = 0

    def put(self, reason: str, **_: Any) -> None:
        self.count += 1

    def sync(self) -> None:
        pass


def events_from(lines: list[bytes], *, with_ids: bool) -> list:
    events = []
    for i, line in enumerate(lines):
        event = decode_event(line)
        if with_ids:
            event.metadata[PROVENANCE] = {"id": f"porttrack.log@{i * 160}", "place": f"porttrack.log@{i * 160}"}
        events.append(event)
    return events


LOAD: dict[str, float] = {}  # run name -> the one-minute load average when it ended


def measure(run: Callable[[], None]) -> tuple[float, float]:
    """(client CPU seconds, wall seconds) of `run()`."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("PORTTRACK_ES_URL", "http://127.0.0.1:19200"))
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--throwaway", action="store_true", help="run against a private node started for this run")
    parser.add_argument("--batch", type=int, default=5000, help="documents per write (and per bulk request: under the 5 MiB bound)")
    parser.add_argument("--pairs", type=int, default=0, help="then this many (ceiling, ours) runs back to back: the ratio of "
                        "each pair, whose two runs saw nearly the same load, and their median")
    args = parser.parse_args()

    if args.throwaway:
        import tempfile

        from devservices.testing import throwaway_elasticsearch

        with tempfile.TemporaryDirectory() as directory:
            with throwaway_elasticsearch(Path(directory), major=9, heap="1g") as node:
                args.url = node.url
                run(args)
    else:
        run(args)


def run(args: argparse.Namespace) -> None:
    lines = filebeat_ndjson(args.docs)
    tune_gc_for_throughput()  # as the `porttrack-logs` command tunes its process, for every run alike
    conn = connect(args.url, request_timeout=120)
    stem = f"pt-bench-{uuid.uuid4().hex[:8]}"
    indices: list[str] = []

    def new_index(name: str) -> str:
        index = f"{stem}-{name}"
        conn.request("PUT", f"/{index}", body={"settings": {"number_of_shards": 1, "number_of_replicas": 0}})
        indices.append(index)
        return index

    def count(index: str) -> int:
        conn.request("POST", f"/{index}/_refresh")
        return conn.request("GET", f"/{index}/_count")["count"]

    rows = []
    results: dict[str, tuple[float, float]] = {}
    batch = args.batch
    n = len(lines)
    try:
        # -- ceiling: bodies built before the clock; measured first and again last, the faster kept --------
        def ceiling_bodies(index: str) -> list[bytes]:
            bodies = []
            for start in range(0, n, batch):
                parts = []
                for i in range(start, min(start + batch, n)):
                    action = orjson.dumps({"create": {"_index": index, "_id": f"porttrack.log@{i * 160}"}})
                    parts.append(action + b"\n" + lines[i] + b"\n")
                bodies.append(b"".join(parts))
            return bodies

        def ceiling_run(name: str) -> None:
            index = new_index(name)
            bodies = ceiling_bodies(index)

            def send() -> None:
                for body in bodies:
                    if conn.bulk(body, params=BULK_PARAMS).get("errors"):
                        raise SystemExit("the ceiling run had errors")

            cpu, wall = measure(send)
            assert count(index) == n, "ceiling: not every document was indexed"
            if "ceiling" not in results or wall < results["ceiling"][1]:
                results["ceiling"] = (cpu, wall)
                LOAD["ceiling"] = os.getloadavg()[0]

        warm = new_index("warm-up")  # the node's first bulk requests are slower (JIT, caches): not measured
        for body in ceiling_bodies(warm)[: max(1, n // batch // 5)]:
            conn.bulk(body, params=BULK_PARAMS)
        ceiling_run("ceiling")

        # -- helpers.bulk, default serializer ---------------------------------------------------------
        from elasticsearch import Elasticsearch, helpers

        client = Elasticsearch(args.url, request_timeout=120)
        if conn.major != 9:
            from devservices.testing import client_for  # the 9.x client needs 8.x headers against an 8.x node

            client = client_for(args.url, conn.major, request_timeout=120)
        index = new_index("helpers")
        docs = [orjson.loads(line) for line in lines]

        def with_helpers() -> None:
            actions = (
                {"_op_type": "create", "_index": index, "_id": f"porttrack.log@{i * 160}", "_source": doc}
                for i, doc in enumerate(docs)
            )
            ok, errors = helpers.bulk(client, actions, chunk_size=batch, max_chunk_bytes=5 * 1024 * 1024)
            if errors or ok != n:
                raise SystemExit(f"helpers.bulk: {ok} ok, errors {errors!r:.300}")

        results["helpers.bulk"] = measure(with_helpers)
        LOAD["helpers.bulk"] = os.getloadavg()[0]
        assert count(index) == n, "helpers.bulk: not every document was indexed"
        del docs
        client.close()

        # -- ours --------------------------------------------------------------------------------------
        breakdown = {}
        for name, with_ids in (("ours", True), ("ours, fingerprint ids", False)):
            index = new_index("ours" if with_ids else "ours-fp")
            events = events_from(lines, with_ids=with_ids)
            registry = CollectorRegistry()
            dead = _NoDeadLetters()
            options = ElasticsearchOutput(hosts=[args.url], index=index, manage_template=False, flush_size=max(batch, 1))
            sink = options.build(SinkContext(dead, "elasticsearch@bench", registry))

            def write(sink=sink, events=events) -> None:
                for start in range(0, n, batch):
                    sink.write(events[start : start + batch])

            results[name] = measure(write)
            LOAD[name] = os.getloadavg()[0]
            assert dead.count == 0 and count(index) == n, f"{name}: not every document was indexed"
            label = {"plugin": "elasticsearch@bench"}
            encode_cpu = registry.get_sample_value("porttrack_output_cpu_seconds_total", {**label, "stage": "encode"}) or 0.0
            response_cpu = registry.get_sample_value("porttrack_output_cpu_seconds_total", {**label, "stage": "response"}) or 0.0
            # the same encoding again with the node idle (no merges or refreshes beside it), one batch at a time
            def encode_only(sink=sink, events=events) -> None:
                for start in range(0, n, batch):
                    sink._encode_batch(events[start : start + batch])  # built and dropped, as write does

            idle = min(measure(encode_only)[0] for _ in range(3))
            breakdown[name] = (encode_cpu, response_cpu, idle)
            sink.close()
            del events

        # -- ours with two writers: what a runtime gets from two output workers (one encodes while the
        # other's request is at the node); the sink is safe to share between threads
        import threading

        index = new_index("ours-2w")
        events = events_from(lines, with_ids=True)
        dead = _NoDeadLetters()
        sink = ElasticsearchOutput(hosts=[args.url], index=index, manage_template=False, flush_size=max(batch, 1)).build(
            SinkContext(dead, "elasticsearch@bench2", CollectorRegistry())
        )

        def two_writers() -> None:
            def worker(first: int) -> None:
                for start in range(first * batch, n, 2 * batch):
                    sink.write(events[start : start + batch])

            threads = [threading.Thread(target=worker, args=(w,)) for w in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        results["ours, 2 writers"] = measure(two_writers)
        LOAD["ours, 2 writers"] = os.getloadavg()[0]
        assert dead.count == 0 and count(index) == n, "ours, 2 writers: not every document was indexed"
        sink.close()
        del events

        ceiling_run("ceiling-again")
        sample = decode_event(lines[0])
        size = len(encode_event(sample))

        # -- pairs: the ceiling, then ours at once, each pair's ratio (the node's speed moves with the load)
        pairs = []
        events = events_from(lines, with_ids=True) if args.pairs else []
        for p in range(args.pairs):
            index = new_index(f"pair{p}-ceiling")
            bodies = ceiling_bodies(index)
            ceiling_cpu, ceiling_wall = measure(lambda: [conn.bulk(body, params=BULK_PARAMS) for body in bodies])
            del bodies
            index = new_index(f"pair{p}-ours")
            sink = ElasticsearchOutput(hosts=[args.url], index=index, manage_template=False, flush_size=max(batch, 1)).build(
                SinkContext(dead, "elasticsearch@pairs", CollectorRegistry())
            )
            cpu, wall = measure(lambda: [sink.write(events[start : start + batch]) for start in range(0, n, batch)])
            sink.close()
            assert dead.count == 0 and count(index) == n, "pairs: not every document was indexed"
            pairs.append((ceiling_wall / wall, cpu / n * 1e6, ceiling_cpu / n * 1e6, n / wall, os.getloadavg()[0]))
            for name in (f"pair{p}-ceiling", f"pair{p}-ours"):  # keep the node's disk small
                conn.request("DELETE", f"/{stem}-{name}")
                indices.remove(f"{stem}-{name}")
        del events
    finally:
        for index in indices:
            conn.request("DELETE", f"/{index}")
        conn.close()

    ceiling_rate = n / results["ceiling"][1]
    for name, (cpu, wall) in results.items():
        rows.append([name, f"{cpu / n * 1e6:.2f}", f"{n / wall:,.0f}", f"{n / wall / ceiling_rate:.0%}", f"{LOAD.get(name, 0.0):.1f}"])
    print(f"{n:,} PortTrack events (~{size} bytes each), {batch} per bulk request, into {args.url} ({conn.version})\n")
    print(table(["run", "client CPU µs/doc", "docs/s", "of the ceiling", "load"], rows))
    print()
    split_rows = []
    for name, (encode_cpu, response_cpu, idle) in breakdown.items():
        cpu = results[name][0]
        rest = cpu - encode_cpu - response_cpu
        split_rows.append([
            name, f"{encode_cpu / n * 1e6:.2f}", f"{rest / n * 1e6:.2f}", f"{response_cpu / n * 1e6:.2f}",
            f"{cpu / n * 1e6:.2f}", f"{idle / n * 1e6:.2f}",
        ])
    print("where our client CPU goes (µs/doc; the last column: the encoding again, the node idle):\n")
    print(table(["run", "encode (body, ids)", "send (client, HTTP)", "response (items)", "total", "encode, node idle"], split_rows))
    if pairs:
        print(f"\n{len(pairs)} pairs (the ceiling, then ours with source ids, back to back):\n")
        print(table(
            ["pair", "ours of the ceiling", "ours client CPU µs/doc", "ceiling client CPU µs/doc", "ours docs/s", "load"],
            [[str(i), f"{r:.0%}", f"{c:.2f}", f"{cc:.2f}", f"{d:,.0f}", f"{load:.1f}"] for i, (r, c, cc, d, load) in enumerate(pairs)],
        ))
        ratios, cpus = sorted(r for r, *_ in pairs), sorted(c for _, c, *_ in pairs)
        print(f"\nmedian: {ratios[len(ratios) // 2]:.0%} of the ceiling ({ratios[0]:.0%} to {ratios[-1]:.0%}), "
              f"{cpus[len(cpus) // 2]:.2f} µs/doc of client CPU ({cpus[0]:.2f} to {cpus[-1]:.2f})")


if __name__ == "__main__":
    main()
