"""`porttrack-logs check`: lint errors are printed as errors and fail the check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    conf = tmp_path / "p.conf"
    conf.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "porttrack_logs.cli", "check", "-f", str(conf)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_bad_capture_name_fails_check_with_its_place(tmp_path: Path):
    """The error names file:line:col and check exits 1."""
    done = _check(tmp_path, 'filter {\n  grok { match => { "message" => "%{DATA:[a][b} x" } }\n}\n')
    assert done.returncode == 1
    assert f"error: {tmp_path / 'p.conf'}:2:10:" in done.stderr


def test_every_ruby_filter_is_listed_at_once(tmp_path: Path):
    """Two ruby filters: both places in one run."""
    done = _check(tmp_path, "filter {\n  ruby { code => 'a' }\n  ruby { code => 'b' }\n}\n")
    assert done.returncode != 0
    assert ":2:3" in done.stderr and ":3:3" in done.stderr and done.stderr.count("cannot run here") == 2
