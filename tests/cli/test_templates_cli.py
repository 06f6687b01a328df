"""`porttrack-logs templates` and `check --template` as a user runs them."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from porttrack_logs.cli import main
from porttrack_logs.templates import documents, render

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "porttrack_logs.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_export_writes_the_template_files(tmp_path):
    """`templates export DIR` writes the same files as the committed index_templates/."""
    assert main(["templates", "export", str(tmp_path)]) == 0
    for relative, body in documents().items():
        assert (tmp_path / relative).read_text() == render(body)


def test_install_on_an_unreachable_cluster_is_one_line_and_exit_1():
    """No node listening: one line naming the URL, exit 1, no traceback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run("templates", "install", "--es", f"http://127.0.0.1:{port}")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}" in done.stderr and "did not answer" in done.stderr


def test_negative_replicas_is_a_usage_error():
    """--replicas takes 0 or more."""
    done = run("templates", "install", "--es", "http://127.0.0.1:9", "--replicas", "-1")
    assert done.returncode == 2 and "expected 0 or more" in done.stderr


def test_check_with_templates_passes_porttrack_conf():
    """PortTrack's pipeline over the sample logs: nothing would be rejected, exit 0."""
    done = run("check", "-f", "pipelines/porttrack.conf", "--template", "index_templates")
    assert done.returncode == 0, done.stderr
    assert "240 documents, 0 would be rejected" in done.stderr


def test_check_with_templates_reports_conflicts_with_field_filter_and_example(tmp_path):
    """A pipeline that writes text into log.offset: exit 1, and the error names the field, the mutate's
    file:line:col and an example event from the sample."""
    config = tmp_path / "bad.conf"
    config.write_text('filter {\n  mutate { replace => { "[log][offset]" => "n/a" } }\n}\n')
    sample = tmp_path / "one.ndjson"
    sample.write_text('{"message": "x", "log": {"offset": 3}}\n{"message": "y"}\n')
    done = run("check", "-f", str(config), "--template", "index_templates", "--sample", str(sample))
    assert done.returncode == 1
    [error] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "field log.offset" in error and f"mutate at {config}:2:3" in error
    assert f"{sample} record 1" in error and "2 of 2 documents" in error
    assert "2 documents, 2 would be rejected" in done.stderr


def test_check_with_a_missing_sample_names_it(tmp_path):
    """--sample that does not exist: a one-line error naming it."""
    done = run("check", "-f", "pipelines/porttrack.conf", "--template", "index_templates", "--sample", str(tmp_path / "nope"))
    assert done.returncode == 1 and "no such file" in done.stderr and "Traceback" not in done.stderr
