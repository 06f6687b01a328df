"""`./dev test` starts the services not given from outside (es, es8, kafka; `all` when none is given) and stops
them on every exit. Run with PYTHON pointing at a recorder, so nothing is installed or started."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RECORDER = """#!/bin/sh
echo "$*" >> "$RECORD"
case "$*" in
    "-m pytest"*) exit "${PYTEST_STATUS:-0}" ;;
esac
exit 0
"""
GIVEN = ("PORTTRACK_ES_URL", "PORTTRACK_ES8_URL", "PORTTRACK_KAFKA_BOOTSTRAP", "PORTTRACK_KEEP_SERVICES")


def run_dev_test(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    recorder = tmp_path / "python"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    record = tmp_path / "calls"
    base = {k: v for k, v in os.environ.items() if k not in GIVEN}
    done = subprocess.run(
        [str(REPO / "dev"), "test", "-q"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**base, "PYTHON": str(recorder), "RECORD": str(record), **env},
    )
    calls = [line for line in record.read_text().splitlines() if "pip install" not in line]
    return done.returncode, calls


def test_nothing_given_starts_all_three_and_stops_them(tmp_path):
    """With no service given, `start all` (es, es8, kafka side by side), pytest, then `stop all`."""
    assert run_dev_test(tmp_path) == (0, ["-m devservices start all", "-m pytest -q", "-m devservices stop all"])


def test_a_given_es8_url_is_not_started(tmp_path):
    """PORTTRACK_ES8_URL set: only es and kafka are started, and only they are stopped."""
    status, calls = run_dev_test(tmp_path, PORTTRACK_ES8_URL="http://127.0.0.1:9201")

    assert (status, calls) == (0, [
        "-m devservices start es", "-m devservices start kafka", "-m pytest -q",
        "-m devservices stop es", "-m devservices stop kafka",
    ])


@pytest.mark.parametrize("pytest_status", ["1", "5"])
def test_failing_tests_still_stop_the_services_and_keep_the_status(tmp_path, pytest_status):
    """A pytest failure (or no tests) exits with pytest's status after stopping what was started."""
    status, calls = run_dev_test(tmp_path, PYTEST_STATUS=pytest_status, PORTTRACK_ES_URL="http://127.0.0.1:9200")

    assert (status, calls) == (int(pytest_status), [
        "-m devservices start es8", "-m devservices start kafka", "-m pytest -q",
        "-m devservices stop es8", "-m devservices stop kafka",
    ])
