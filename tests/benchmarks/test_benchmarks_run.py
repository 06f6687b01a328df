"""The benchmarks still run: each one on a tiny input, so a change to an API they use cannot leave
them broken until someone next measures (their numbers are not checked here; no timed asserts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMALL_RUNS = {
    "pipeline_bench.py": ["--events", "300", "--rounds", "1"],
    "grok_bench.py": ["--lines", "200", "--rounds", "1"],
    "filters_bench.py": ["--events", "200", "--rounds", "1"],
    "files_bench.py": ["--lines", "200", "--rounds", "1"],
    "lifetime_bench.py": ["--events", "600", "--rounds", "1"],
}
PRINTS = {"lifetime_bench.py": "fields released"}  # what a run prints besides a table (default: a table row)


@pytest.mark.parametrize("script", sorted(SMALL_RUNS))
def test_benchmark_runs_on_a_small_input(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *SMALL_RUNS[script]],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stderr[-3000:]}"
    marker = PRINTS.get(script, "|")
    assert marker in done.stdout, f"{script} printed no {marker!r}:\n{done.stdout[-2000:]}"
