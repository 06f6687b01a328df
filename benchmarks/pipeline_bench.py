"""Pipeline throughput: Filebeat JSON bytes in, Elasticsearch bulk-ready bytes out.

    python benchmarks/pipeline_bench.py [--rounds 5] [--events 20000]

Runs `pipelines/porttrack.conf` through porttrack_logs in batches of `BATCH_SIZE` events, as the
`porttrack-logs` command and the sidecar do, and the same work written the naive way (json +
pygrok + datetime, one line at a time) as the baseline, interleaved in the same run. Reports
events/s on one core and the ratio to the baseline; one more row runs every event as a single
batch, to show what cache locality is worth. The process's garbage collector is
tuned as the `porttrack-logs` command tunes it (`tune_gc_for_throughput`), for both sides alike.
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # measure this checkout, whatever is installed

from _timing import interleaved, table  # noqa: E402
from porttrack_corpus import filebeat_ndjson  # noqa: E402

from porttrack_logs.codec import decode_event  # noqa: E402
from porttrack_logs.event import Template  # noqa: E402
from porttrack_logs.pipeline import BATCH_SIZE, Pipeline  # noqa: E402
from porttrack_logs.runtime.batch_job import run_batch, tune_gc_for_throughput  # noqa: E402
from porttrack_logs.sinks.dead_letter import DeadLetterQueue  # noqa: E402
from porttrack_logs.sinks.bulk import ActionLines, BulkBody  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ALERT_LEVELS = {"ERROR", "ERR", "FATAL", "CRITICAL", "CRIT", "SEVERE", "ALERT", "EMERG", "EMERGENCY"}


def ours(lines: list[bytes], batch_size: int = BATCH_SIZE):
    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    index = Template("porttrack-logs-%{+yyyy.MM.dd}")
    action = ActionLines("index")

    def run() -> int:
        body = BulkBody()
        for start in range(0, len(lines), batch_size):
            for event in pipeline.process([decode_event(line) for line in lines[start : start + batch_size]]):
                body.add(action(index.render(event)), event)
        assert body.to_bytes()
        return len(lines)

    return run


#: Where the command row writes its output: a memory file system when there is one, so the row
#: measures the command, not the disk's file system (on ext4, truncating and rewriting the 20 MB
#: every round cost another 1.2 µs an event of kernel CPU time, measured 2026-12; `--out-dir` to choose).
MEMORY_DIR = "/dev/shm"


def command(lines: list[bytes], workdir: str, out_dir: str | None = None):
    """`run_batch` as the command runs it: the events in a file, NDJSON out to a file."""
    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    source = Path(workdir) / "events.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    if out_dir is None and Path(MEMORY_DIR).is_dir():
        out_dir = tempfile.mkdtemp(prefix="pipeline_bench-", dir=MEMORY_DIR)
        atexit.register(shutil.rmtree, out_dir, True)  # memory: give it back
    out_dir = out_dir or workdir
    out = open(Path(out_dir) / "out.ndjson", "wb")  # noqa: SIM115
    dead_letters = DeadLetterQueue(Path(workdir) / "dead_letter_queue")

    def run() -> int:
        out.seek(0)
        out.truncate()
        summary = run_batch(pipeline, [str(source)], out, dead_letters)
        assert summary.emitted == len(lines)
        return len(lines)

    return run


def hand_fused(lines: list[bytes]):
    """The same rule written by hand as one function over the same lazily decoded events: the floor
    a code generator for pipelines could approach (not a product path: it knows this one rule)."""
    from porttrack_logs.event import decode_lazy

    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    grok_filter = next(f for f in pipeline.filters if f.name == "grok")
    search = grok_filter.groks[0][1][0].search  # the groups of the first match, or None
    index = Template("porttrack-logs-%{+yyyy.MM.dd}")
    action = ActionLines("index")
    utc = timezone.utc

    def run() -> int:
        body = BulkBody()
        for line in lines:
            event = decode_event(line)
            data, meta = event.raw_fields(), event.metadata
            message = data["message"] = decode_lazy(data["message"])
            original = decode_lazy(data.get("event"))
            if not (isinstance(original, dict) and original.get("original")):
                if isinstance(original, dict):
                    original["original"] = message
                else:
                    data["event"] = {"original": message}
            groups = search(message)
            if groups is None:
                data.setdefault("tags", []).append("_grokparsefailure")
            else:
                stamp, level, rest = groups
                meta["log_time"], level = stamp, level.upper()
                log = data["log"] = decode_lazy(data.get("log")) or {}
                log["level"] = level
                data["message"] = rest
                moment = datetime.fromisoformat(stamp)
                data["@timestamp"] = moment.astimezone(utc) if moment.tzinfo else moment.replace(tzinfo=utc)
                if level in ALERT_LEVELS:
                    data.setdefault("tags", []).append("alert")
            body.add(action(index.render(event)), event)
        assert body.to_bytes()
        return len(lines)

    return run


def baseline(lines: list[bytes]):
    import pygrok

    grok = pygrok.Grok(r"^%{TIMESTAMP_ISO8601:log_time}\s+%{LOGLEVEL:level}\s+%{GREEDYDATA:message}$")

    def run() -> int:
        out = []
        for line in lines:
            doc = json.loads(line)
            doc.setdefault("event", {})["original"] = doc["message"]
            fields = grok.match(doc["message"])
            if fields is None:
                doc.setdefault("tags", []).append("_grokparsefailure")
            else:
                doc["message"] = fields["message"]
                level = fields["level"].upper()
                doc.setdefault("log", {})["level"] = level
                stamp = datetime.fromisoformat(fields["log_time"]).astimezone(timezone.utc)
                doc["@timestamp"] = stamp.isoformat().replace("+00:00", "Z")
                if level in ALERT_LEVELS:
                    doc.setdefault("tags", []).append("alert")
            index = "porttrack-logs-" + doc["@timestamp"][:10].replace("-", ".")
            out.append(json.dumps({"index": {"_index": index}}))
            out.append(json.dumps(doc))
        body = ("\n".join(out) + "\n").encode()
        assert body
        return len(lines)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--out-dir", default=None, help=f"where the command row writes (default {MEMORY_DIR} if present)")
    args = parser.parse_args()
    lines = filebeat_ndjson(args.events)
    tune_gc_for_throughput()
    workdir = tempfile.mkdtemp(prefix="pipeline_bench-")
    runs = [ours(lines), baseline(lines), hand_fused(lines), ours(lines, batch_size=len(lines)), command(lines, workdir, args.out_dir)]
    out_where = args.out_dir or (MEMORY_DIR if Path(MEMORY_DIR).is_dir() else "temp dir")
    a, b, c, one, cmd = interleaved(runs, args.rounds, min_seconds=0.5)
    print(
        table(
            ("pipeline", "events/s (one core)", "ratio to baseline"),
            [
                (f"porttrack_logs, pipelines/porttrack.conf, batches of {BATCH_SIZE}", f"{a:,.0f}", f"{a / b:.2f}x"),
                ("baseline: json + pygrok + datetime", f"{b:,.0f}", "1.00x"),
                ("floor: the same rule hand-fused on porttrack_logs' codec", f"{c:,.0f}", f"{c / b:.2f}x"),
                (f"porttrack_logs, one batch of {len(lines):,}", f"{one:,.0f}", f"{one / b:.2f}x"),
                (f"run_batch (the command): file in, NDJSON file out ({out_where}), batches of {BATCH_SIZE}", f"{cmd:,.0f}", f"{cmd / b:.2f}x"),
            ],
        )
    )
    print(f"run_batch / Pipeline.process row: {cmd / a:.2f}")


if __name__ == "__main__":
    main()
