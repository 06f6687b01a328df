"""`porttrack-logs reprocess` to NDJSON files (no service needed): the report, plain progress off a
terminal, resuming after Ctrl-C, the errors a user meets first."""

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from porttrack_logs.cli import main

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
filter {
  grok {
    id => "line"
    match => { "message" => "^%{TIMESTAMP_ISO8601:[@metadata][t]}\\s+%{LOGLEVEL:[log][level]}\\s+%{GREEDYDATA:message}$" }
    overwrite => ["message"]
  }
  if [log][level] == "DEBUG" { drop {} }
}
output { stdout {} }
"""


def archive(directory: Path, files: int = 4, lines: int = 400) -> list[str]:
    directory.mkdir()
    texts = []
    for f in range(files):
        out = []
        for n in range(lines):
            level = ("INFO", "DEBUG", "ERROR", "WARN")[n % 4] if n % 25 != 3 else "NOTICE-ish"
            text = f"2026-11-27T06:00:{n % 60:02d}Z {level} file {f} line {n}"
            texts.append(text)
            if f % 2:
                out.append(f"2026-11-27T06:00:00Z stdout F {text}\n".encode())
            else:
                out.append(orjson.dumps({"log": text + "\n", "stream": "stdout"}) + b"\n")
        data = b"".join(out) + b'{"log": broken\n'
        name = directory / f"pod{f}.log"
        if f == 3:
            (directory / "pod3.log.gz").write_bytes(gzip.compress(data))
        else:
            name.write_bytes(data)
    return texts


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "porttrack_logs.cli", "reprocess", *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)


def test_reprocess_to_files_reports_outcomes_failures_explained_and_stages(tmp_path):
    """Four files (Docker, CRI, one gzipped, a broken line each) on 2 processes to NDJSON: every
    event once across the per-process files; the report counts outcomes, drops and rejects, names
    the grok failure with grok --explain's reason, and gives time per stage; progress as plain lines."""
    texts = archive(tmp_path / "logs")
    conf = tmp_path / "p.conf"
    conf.write_text(CONFIG)
    result = cli(f"{tmp_path}/logs/*.log*", "-f", str(conf), "-o", str(tmp_path / "out" / "events.ndjson"), "-p", "2",
                 "--offsets", str(tmp_path / "offsets.json"), "--dead-letters", str(tmp_path / "dlq"),
                 "--progress-interval", "0.1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = [orjson.loads(x) for p in sorted((tmp_path / "out").glob("events-*.ndjson")) for x in p.read_bytes().splitlines()]
    kept = [t for t in texts if " DEBUG " not in t]
    assert len(written) == len(kept) and len({(e["log"]["file"]["path"], e["log"]["offset"]) for e in written}) == len(kept)
    err = result.stderr
    failures = sum(1 for t in texts if "NOTICE-ish" in t)
    assert f"indexed {len(kept):,}" in err
    assert f"dropped by filters {len(texts) - len(kept):,}," in err
    assert "rejected to the dead letter queue 4" in err
    assert f"parse failures: {failures:,}" in err
    assert f"{failures:>5}x  grok line at {conf}:3:3 on [message]: no match:" in err
    assert "matched up to column 27; then the text '\\\\s+' failed at column 28, where the line has '-ish file" in err
    assert "time per stage (summed over processes): read/decode" in err and "filters" in err and "output" in err
    assert "reprocess: 4/4 files" in err  # the plain progress line (stderr is no terminal)
    assert err.count("dlq/reprocess-") == 2


def test_a_second_run_reads_nothing_and_a_stopped_one_resumes(tmp_path):
    """Run again with the same offsets record: every file was done before, nothing is written.
    A run stopped with Ctrl-C (SIGINT to the process group) resumes; together: each event once."""
    texts = archive(tmp_path / "logs", files=2, lines=60_000)
    conf = tmp_path / "p.conf"
    conf.write_text(CONFIG.replace('if [log][level] == "DEBUG" { drop {} }', ""))
    args = [sys.executable, "-m", "porttrack_logs.cli", "reprocess", f"{tmp_path}/logs/*.log*", "-f", str(conf),
            "-o", str(tmp_path / "out.ndjson"), "-p", "1", "--offsets", str(tmp_path / "offsets.json"),
            "--dead-letters", str(tmp_path / "dlq"), "--progress", "off"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True)
    out = tmp_path / "out.ndjson"
    while proc.poll() is None and (not out.exists() or out.stat().st_size < 2_000_000):
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read()  # still running: stop it in the middle
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    first = len(out.read_bytes().splitlines())
    assert 0 < first < len(texts)
    again = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resumed at byte" in again.stderr
    events = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    places = [(e["log"]["file"]["path"], e["log"]["offset"]) for e in events]
    assert len(places) == len(texts) == len(set(places))  # Ctrl-C wrote the record: nothing twice
    third = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0 and "2 files (2 done before, 0 resumed), 0 records" in third.stderr
    assert len(out.read_bytes().splitlines()) == len(texts)


def test_paths_that_name_nothing_or_a_directory_are_one_line_each(tmp_path, capsys):
    (tmp_path / "logs").mkdir()
    assert main(["reprocess", str(tmp_path / "missing.log"), "-o", str(tmp_path / "o.ndjson")]) == 1
    assert capsys.readouterr().err == f"porttrack-logs: input {tmp_path}/missing.log: no such file\n"
    assert main(["reprocess", f"{tmp_path}/logs/*.gz", "-o", str(tmp_path / "o.ndjson")]) == 1
    assert capsys.readouterr().err == f"porttrack-logs: input {tmp_path}/logs/*.gz: matches no file\n"
    assert main(["reprocess", str(tmp_path / "logs"), "-o", str(tmp_path / "o.ndjson")]) == 1
    assert "is a directory; name the log files in it" in capsys.readouterr().err
    assert main(["reprocess", str(tmp_path), "--processes", "0"]) == 1
    assert "--processes" in capsys.readouterr().err
