"""Reading container log files into events: CPU µs per line for Docker json-file, CRI and Filebeat NDJSON.

    python benchmarks/files_bench.py [--lines 20000] [--rounds 15] [--checkout PATH]

Writes one file of each format (and the Docker one gzipped) from the PortTrack corpus (every 40th Docker and CRI record split in
partial pieces, as runtimes split long lines), then times `read_batches` over each file, the
three interleaved, best of `--rounds`, in CPU time of this process (`time.process_time`: the
machines are shared, wall-clock swings with the load). `decode_event` on the same NDJSON lines in
batches is the floor row. `--checkout` measures another checkout's `porttrack_logs` (a before/after).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

import orjson


def _checkout() -> str:
    args = sys.argv[1:]
    if "--checkout" in args:
        return str(Path(args[args.index("--checkout") + 1]).resolve())
    return str(Path(__file__).resolve().parent.parent)


sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, _checkout())  # measure this checkout (or the one named), whatever is installed

from _timing import table  # noqa: E402
from porttrack_corpus import filebeat_ndjson, lines as corpus_lines  # noqa: E402

from porttrack_logs.codec import decode_event  # noqa: E402
from porttrack_logs.sources.container_files import open_log, read_batches  # noqa: E402

TIME = "2026-11-27T06:00:00.123456789Z"


def docker_file(path: Path, n: int) -> None:
    out = []
    for i, (_, text) in enumerate(corpus_lines(n)):
        if i % 40 == 7:
            out += [orjson.dumps({"log": text[:20], "stream": "stdout", "time": TIME}),
                    orjson.dumps({"log": text[20:] + "\n", "stream": "stdout", "time": TIME})]
        else:
            out.append(orjson.dumps({"log": text + "\n", "stream": "stderr" if i % 9 == 0 else "stdout", "time": TIME}))
    path.write_bytes(b"\n".join(out) + b"\n")


def cri_file(path: Path, n: int) -> None:
    out = []
    for i, (_, text) in enumerate(corpus_lines(n)):
        if i % 40 == 7:
            out += [f"{TIME} stdout P {text[:20]}".encode(), f"{TIME} stdout F {text[20:]}".encode()]
        else:
            out.append(f"{TIME} {'stderr' if i % 9 == 0 else 'stdout'} F {text}".encode())
    path.write_bytes(b"\n".join(out) + b"\n")


def reader(path: Path, n: int):
    def run() -> int:
        count = 0
        with open_log(path) as fh:
            for batch in read_batches(fh, str(path)):
                count += len(batch.events)
                assert not batch.rejected
        assert count == n, count
        return count

    return run


def floor(lines: list[bytes]):
    def run() -> int:
        for start in range(0, len(lines), 125):
            [decode_event(line) for line in lines[start : start + 125]]
        return len(lines)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--checkout", default=None, help="measure this checkout's porttrack_logs")
    args = parser.parse_args()
    from porttrack_logs.runtime.batch_job import tune_gc_for_throughput

    work = Path(tempfile.mkdtemp(prefix="files_bench-"))
    n = args.lines
    docker_file(work / "docker.log", n)
    cri_file(work / "cri.log", n)
    (work / "docker.log.gz").write_bytes(gzip.compress((work / "docker.log").read_bytes(), 6))
    ndjson = filebeat_ndjson(n)
    (work / "filebeat.ndjson").write_bytes(b"\n".join(ndjson) + b"\n")
    tune_gc_for_throughput()
    runs = {
        "Docker json-file (read_batches)": reader(work / "docker.log", n),
        "Docker json-file, .gz (read_batches)": reader(work / "docker.log.gz", n),
        "CRI (read_batches)": reader(work / "cri.log", n),
        "Filebeat NDJSON (read_batches)": reader(work / "filebeat.ndjson", n),
        "floor: decode_event on the NDJSON lines, batches of 125": floor(ndjson),
    }
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    print(f"porttrack_logs from {sys.modules['porttrack_logs'].__file__.rsplit('/', 2)[0]}, {n:,} lines a file")
    print(table(("file read into events", "µs/line (CPU)"), [(name, f"{seconds * 1e6 / n:.2f}") for name, seconds in best.items()]))


if __name__ == "__main__":
    main()
