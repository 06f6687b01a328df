"""Put on PYTHONPATH by benchmarks/sidecar_bench.py only: every Python process it starts (the sidecar
and the worker processes the sidecar starts itself) gets the `elasticsearch_discard` output of
benchmarks/_sidecar_discard.py registered before `porttrack_logs.cli` reads its configuration."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _sidecar_discard  # noqa: E402,F401  (registers the output)
