"""Beats input throughput: go-lumber (Filebeat's client library) sending, our server decoding.

    python benchmarks/beats_bench.py [--events 200000] [--conns 2] [--size 450]

Builds the test client in tests/sources/beats/golumber (needs Go), starts a `BeatsServer` in this
process with a consumer that settles every batch at once (no pipeline, no output), and lets the
client send Filebeat's way: windows of 2048 events (`bulk_max_size`), 2 in flight per connection
(`pipelining`), zlib level 3 (`compression_level`), then once more without compression, and once
with ids hashed from the raw bytes instead of the canonical form (`canonical_ids=False`). Reports
events/s (first batch handed over to last batch settled; the Go client shares the machine, so this
is a floor) and the CPU the server spends per event:
the asyncio thread's own clock (read, inflate, parse frames, decode events, stamp provenance,
write acks) and the whole process's. One run each; the machine is shared, so read it as a size,
not a verdict.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # measure this checkout, whatever is installed

from _timing import table  # noqa: E402

from porttrack_logs.acks import DELIVERED  # noqa: E402
from porttrack_logs.sinks.base import provenance  # noqa: E402
from porttrack_logs.sources.base import SourceClosed  # noqa: E402
from porttrack_logs.sources.beats import BeatsServer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "tests" / "sources" / "beats" / "golumber"


def build_client(directory: Path) -> Path:
    go = shutil.which("go")
    if go is None:
        sys.exit("beats_bench: go is not installed (the client is built from tests/sources/beats/golumber)")
    binary = directory / "golumber"
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=CLIENT, check=True)
    return binary


def thread_cpu(thread: threading.Thread) -> float:
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def one_run(binary: Path, events: int, conns: int, size: int, compress: int, canonical_ids: bool) -> dict:
    server = BeatsServer(host="127.0.0.1", port=0, canonical_ids=canonical_ids)
    server.start()
    seen = [0, 0]  # events, bytes
    first_last = [0.0, 0.0]  # when the first batch was polled, when the last was settled

    def consume() -> None:
        while True:
            try:
                batch = server.poll(0.5)
            except SourceClosed:
                return
            if batch is None:
                continue
            if not seen[0]:
                first_last[0] = time.perf_counter()
            seen[0] += len(batch)
            seen[1] += sum(len(provenance(e)["original"]) for e in batch.events)
            batch.ack.settle(0, len(batch), DELIVERED)
            first_last[1] = time.perf_counter()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    loop_thread = server._thread
    cpu_loop, cpu_process = thread_cpu(loop_thread), time.process_time()
    out = subprocess.run(
        [str(binary), "-addr", f"127.0.0.1:{server.address[1]}", "-n", str(events), "-conns", str(conns),
         "-window", "2048", "-pipelining", "2", "-compress", str(compress), "-size", str(size)],
        capture_output=True, text=True, check=True,
    )
    cpu_loop, cpu_process = thread_cpu(loop_thread) - cpu_loop, time.process_time() - cpu_process
    summary = json.loads(out.stdout.splitlines()[-1])
    server.close()
    consumer.join()
    assert summary["acked"] == events == seen[0], (summary, seen)
    return {
        "events/s": events / (first_last[1] - first_last[0]),
        "loop µs/event": cpu_loop / events * 1e6,
        "process µs/event": cpu_process / events * 1e6,
        "bytes/event": seen[1] / events,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--conns", type=int, default=2)
    parser.add_argument("--size", type=int, default=450, help="pad each message to this many bytes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        binary = build_client(Path(directory))
        rows = []
        for compress, canonical in ((3, True), (0, True), (3, False)):
            result = one_run(binary, args.events, args.conns, args.size, compress, canonical)
            rows.append([
                (f"zlib {compress}" if compress else "no compression") + (", canonical ids" if canonical else ", ids of the raw bytes"),
                f"{result['events/s']:,.0f}",
                f"{result['loop µs/event']:.2f}",
                f"{result['process µs/event']:.2f}",
                f"{result['bytes/event']:.0f}",
            ])
    print(f"{args.events:,} events, {args.conns} connections, windows of 2048, pipelining 2 (go-lumber client)")
    print(table(["wire", "events/s", "server loop CPU µs/event", "process CPU µs/event", "JSON bytes/event"], rows))


if __name__ == "__main__":
    main()
