"""`porttrack-logs reprocess` end to end, into the real Elasticsearch: interrupted, resumed, counted.

    python benchmarks/reprocess_bench.py [--es http://127.0.0.1:19200] [--files 50] [--lines 1000000]

Generates an archive (Docker json-file and CRI files, a third gzipped, partial lines: Docker's
pieces and CRI's P/F), then:

1. reprocesses it on 2 processes, kill -9 of the whole process tree twice mid-run, resumed each
   time; at the end the index must hold exactly one document per logical line (counted);
2. measures events/s on 1 process and on 2: over the whole archive into NDJSON files (our side
   alone), and over a smaller archive (--es-scaling-lines) into a fresh index; prints each ratio
   beside the load average and the CPU time an event cost (the machine is shared, and the node
   runs on the same cores: a ratio is only as good as the cores that were free; the CPU per event
   says whether a second process costs more per event). --skip-scaling leaves this out.

`make_archive` is also what tests/runtime/test_reprocess_es.py generates its smaller archive with.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LEVELS = ("INFO", "INFO", "DEBUG", "WARN", "ERROR", "INFO", "TRACE", "INFO")


def _message(file: int, n: int) -> str:
    """A PortTrack-style line, unique per (file, n); one in 50 does not match the pipeline's grok."""
    level = LEVELS[n % len(LEVELS)]
    stamp = f"2026-11-{1 + file % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z"
    body = f"vessel MV-{file:03d}-{n:07d} berth B{n % 40:02d} crane {n % 7} moved {n % 997} TEU"
    if n % 50 == 7:
        return f"{stamp} NOTICE-ish {body}"  # no LOGLEVEL: a _grokparsefailure to explain
    return f"{stamp} {level} {body}"


def make_archive(directory: Path, files: int, lines: int) -> list[str]:
    """`files` log files holding `lines` logical lines between them; returns every message.

    Even files are Docker json-file, odd ones CRI; every third file is gzipped. One line in 11
    is split: into 2-3 Docker pieces (no trailing newline but the last) or CRI P, P, F pieces."""
    directory.mkdir(parents=True, exist_ok=True)
    messages: list[str] = []
    per_file = [lines // files + (1 if i < lines % files else 0) for i in range(files)]
    for f, count in enumerate(per_file):
        docker = f % 2 == 0
        out: list[bytes] = []
        for n in range(count):
            text = _message(f, n)
            messages.append(text)
            stream = "stderr" if n % 13 == 0 else "stdout"
            stamp = f"2026-11-27T06:00:{n % 60:02d}.{n:09d}Z"
            pieces = [text] if n % 11 != 5 else [text[:20], text[20:45], text[45:]]
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                if docker:
                    out.append(json.dumps({"log": piece + ("\n" if last else ""), "stream": stream, "time": stamp}).encode() + b"\n")
                else:
                    out.append(f"{stamp} {stream} {'F' if last else 'P'} {piece}\n".encode())
        data = b"".join(out)
        name = f"pod-{f:03d}-{'docker' if docker else 'cri'}.log"
        if f % 3 == 2:
            (directory / (name + ".gz")).write_bytes(gzip.compress(data, compresslevel=1))
        else:
            (directory / name).write_bytes(data)
    return messages


CONFIG = """
filter {{
  grok {{
    id => "porttrack-line"
    ecs_compatibility => "v1"
    match => {{ "message" => "^%{{TIMESTAMP_ISO8601:[@metadata][t]}}\\s+%{{LOGLEVEL:[log][level]}}\\s+%{{GREEDYDATA:message}}$" }}
    overwrite => ["message"]
  }}
}}
output {{
  elasticsearch {{ hosts => ["{es}"] index => "{index}" manage_template => false }}
}}
"""


def command(archive: Path, conf: Path, state: Path, processes: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "porttrack_logs.cli", "reprocess", f"{archive}/*.log*", "-f", str(conf),
            "--processes", str(processes), "--offsets", str(state / "offsets.json"),
            "--dead-letters", str(state / "dlq"), "--progress", "plain", "--progress-interval", "5", *extra]


def start(argv: list[str], log: Path) -> subprocess.Popen:
    """The reprocess command in its own process group (so kill -9 reaches every worker)."""
    return subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=log.open("ab"))


def recorded(state: Path) -> tuple[int, int]:
    """(bytes recorded as done, files complete) in the offsets record, (0, 0) before its first write."""
    try:
        doc = json.loads((state / "offsets.json").read_bytes())
    except (FileNotFoundError, ValueError):
        return 0, 0
    files = doc["files"].values()
    return sum(f["offset"] for f in files), sum(1 for f in files if f["complete"])


def kill_when(proc: subprocess.Popen, state: Path, done_bytes: int, timeout: float = 600) -> bool:
    """kill -9 the process group once the record says `done_bytes` are done; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if recorded(state)[0] >= done_bytes:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.05)
    raise TimeoutError("reprocess made no progress")


def es(url: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def count(url: str, index: str) -> int:
    es(url, "POST", f"/{index}/_refresh")
    return es(url, "GET", f"/{index}/_count")["count"]


def content_bytes(archive: Path) -> int:
    total = 0
    for path in archive.iterdir():
        total += len(gzip.decompress(path.read_bytes())) if path.suffix == ".gz" else path.stat().st_size
    return total


def events_per_second(log: Path) -> float:
    for line in reversed(log.read_text().splitlines()):
        if line.startswith("reprocess: ") and "events/s" in line and " on " in line:
            return float(line.rsplit(": ", 1)[1].split()[0].replace(",", ""))
    raise ValueError(f"no final line in {log}")


def scale(into: str, archive: Path, lines: int, tmp_path: Path, args: argparse.Namespace, indices: list, stamp: str) -> None:
    """events/s of the whole archive on 1 process and on 2, into NDJSON files or into the node."""
    rates = {}
    for processes in (1, 2):
        index = f"{stamp}-{into}-p{processes}"
        conf = tmp_path / f"{into}-p{processes}.conf"
        conf.write_text(CONFIG.format(es=args.es, index=index))
        state, log = tmp_path / f"{into}-p{processes}-state", tmp_path / f"{into}-p{processes}.log"
        extra = ("-o", str(tmp_path / f"{into}-p{processes}" / "events.ndjson")) if into == "files" else ()
        if into != "files":
            indices.append(index)
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = subprocess.run(command(archive, conf, state, processes, *extra), cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its workers, all waited for
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        log.write_text(run.stderr)
        rates[processes] = events_per_second(log)
        if into == "files":
            written = sum(len(p.read_bytes().splitlines()) for p in (tmp_path / f"{into}-p{processes}").glob("*.ndjson"))
        else:
            written = count(args.es, index)
        assert written == lines, run.stderr
        stages = next(x for x in run.stderr.splitlines() if x.startswith("time per stage"))
        print(f"into {into}, {lines:,} lines, {processes} process(es): {rates[processes]:,.0f} events/s, "
              f"{cpu / lines * 1e6:.1f} CPU us an event in all (start-up included) "
              f"(load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}); {stages}")
    print(f"into {into}: 2 processes / 1 = {rates[2] / rates[1]:.2f}x (target 1.7x), load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--es", default=os.environ.get("PORTTRACK_ES_URL", "http://127.0.0.1:19200"))
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--phases", default="resume,files,es", help="which of resume (interrupted twice, counted), "
                        "files and es (1 vs 2 processes) to run (default: %(default)s)")
    parser.add_argument("--es-scaling-lines", type=int, default=200_000, help="lines of the archive the 1-vs-2 "
                        "processes run into Elasticsearch uses (the node shares the cores; default %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reprocess-bench-") as tmp:
        tmp_path = Path(tmp)
        archive = tmp_path / "archive"
        t0 = time.monotonic()
        messages = make_archive(archive, args.files, args.lines)
        total = content_bytes(archive)
        print(f"archive: {args.files} files, {len(messages):,} logical lines, {total / 1e6:.1f} MB of content, "
              f"made in {time.monotonic() - t0:.1f} s")
        stamp = f"pt-bench-{os.getpid()}"
        indices = []
        try:
            phases = set(args.phases.split(","))
            # 1. interrupted twice, resumed, counted
            index = f"{stamp}-resume"
            if "resume" in phases:
                indices.append(index)
            conf = tmp_path / "resume.conf"
            conf.write_text(CONFIG.format(es=args.es, index=index))
            state, log = tmp_path / "resume-state", tmp_path / "resume.log"
            t0 = time.monotonic()
            kills = 0
            for share in (0.25, 0.6) if "resume" in phases else ():
                proc = start(command(archive, conf, state, 2), log)
                if kill_when(proc, state, int(total * share)):
                    kills += 1
                    print(f"kill -9 at {recorded(state)[0] / total:.0%} recorded "
                          f"({recorded(state)[1]} files complete), {count(args.es, index):,} documents so far")
            final = None
            if "resume" in phases:
                final = subprocess.run(command(archive, conf, state, 2), cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                       capture_output=True, text=True)
            if final is not None:
                log.open("a").write(final.stderr)
                indexed = count(args.es, index)
                print(final.stderr.strip().splitlines()[-8] if final.stderr else "")
                print(f"interrupted {kills} times, resumed: {indexed:,} documents for {len(messages):,} logical lines "
                      f"({'exact' if indexed == len(messages) else 'WRONG'}), {time.monotonic() - t0:.1f} s in all")
                if final.returncode != 0 or indexed != len(messages):
                    print(final.stderr)
                    return 1
            # 2. events/s on 1 and 2 processes: into NDJSON files (our side alone), and into the node
            if not args.skip_scaling:
                if "files" in phases:
                    scale("files", archive, len(messages), tmp_path, args, indices, stamp)
                if "es" in phases:
                    small = tmp_path / "archive-small"
                    small_count = len(make_archive(small, args.files, args.es_scaling_lines))
                    scale("elasticsearch", small, small_count, tmp_path, args, indices, stamp)
        finally:
            for index in indices:
                try:
                    es(args.es, "DELETE", f"/{index}")
                except Exception as exc:  # noqa: BLE001
                    print(f"could not delete {index}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
