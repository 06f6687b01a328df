"""Each example under examples/ runs as written, in a copy of the checkout's files it reads, with
`porttrack-logs` on the PATH as an installed package puts it, and prints what it says it does."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "pipelines" / "samples" / "porttrack-containers.ndjson"


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """examples/, pipelines/ and index_templates/ copied into tmp_path, and an environment whose PATH has a
    `porttrack-logs` command running this checkout's package."""
    for folder in ("examples", "pipelines", "index_templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    command = bin_dir / "porttrack-logs"
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m porttrack_logs.cli "$@"\n')
    command.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    return tmp_path, env


def run(checkout: tuple[Path, dict[str, str]], *command: str) -> subprocess.CompletedProcess:
    root, env = checkout
    done = subprocess.run(list(command), cwd=root, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_library_service(checkout):
    """Pipeline.process on three lines: the ERROR line is tagged alert with its own time, the line without
    a timestamp is tagged _grokparsefailure and kept."""
    lines = run(checkout, sys.executable, "examples/library_service.py").stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("2026-11-27 06:00:01.250000+00:00") and "ERROR" in lines[0] and "alert" in lines[0]
    assert "INFO" in lines[1] and lines[1].endswith("Vessel MAERSK-ELBA moored at berth B07")
    assert "_grokparsefailure" in lines[2] and lines[2].endswith("crane QC-3 telemetry gap")


def test_batch_job(checkout):
    """The sample file through examples/batch.conf: every event in one of the two daily files, the alerts
    (ERROR, FATAL, CRITICAL lines of the sample, counted here from the sample itself) in their own."""
    root, _ = checkout
    done = run(checkout, "examples/batch_job.sh")
    messages = [json.loads(line)["message"] for line in SAMPLES.read_text().splitlines()]
    alerts = sum(1 for m in messages if re.match(r"^\S+\s+(ERROR|FATAL|CRITICAL)\s", m, re.IGNORECASE))
    assert alerts > 0
    counts = {p.name: len(p.read_text().splitlines()) for p in (root / "out" / "examples").glob("*.ndjson")}
    assert counts == {"alerts-2026.11.27.ndjson": alerts, "events-2026.11.27.ndjson": len(messages) - alerts}
    assert f"out/examples/alerts-2026.11.27.ndjson: {alerts} events" in done.stdout
    assert all("alert" in json.loads(line)["tags"] for line in (root / "out" / "examples" / "alerts-2026.11.27.ndjson").read_text().splitlines())


def test_grok_debugger(checkout):
    """The matching line's captures as JSON; the other's reason, at the column where LOGLEVEL gave up."""
    lines = run(checkout, "examples/grok_debugger.sh").stdout.splitlines()
    assert json.loads(lines[0]) == {"ts": "2026-11-27T06:00:00Z", "level": "WARN", "msg": "crane QC-1 slowing"}
    assert lines[1].startswith("line 1: no match:") and "failed at column 28" in lines[1] and "'-ish crane stalled'" in lines[1]
    assert lines[2] == "(exit status 1: a line did not match)"


def test_check(checkout):
    """The plan's rule: OK with the [message] warning; PortTrack's rule: strict OK; the template check: no
    sample document would be rejected."""
    done = run(checkout, "examples/check.sh")
    out = done.stdout + done.stderr
    assert "grok captures %{...:message} into [message], which already holds a value" in out
    assert "Configuration OK: 2 filters, 1 warning(s)" in out and "Configuration OK: 5 filters, 0 warning(s)" in out
    assert re.search(r"Mappings: (\d+) sample events, \1 documents, 0 would be rejected", out)


def test_every_example_has_a_test():
    """A new example needs a test here: the runnable files of examples/ are the ones above."""
    runnable = {p.name for p in (ROOT / "examples").iterdir() if p.suffix in (".py", ".sh")}
    assert runnable == {"library_service.py", "batch_job.sh", "grok_debugger.sh", "check.sh"}
