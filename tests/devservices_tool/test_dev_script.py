"""`./dev test` makes its virtual environment once, runs everything with that environment's Python, starts the
services not given from outside (es, es8, kafka; `all` when none is given) and stops them on every exit. Run with
PYTHON pointing at a recorder (which `-m venv` copies into the environment), so nothing is installed or started."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RECORDER = """#!/bin/sh
echo "$*" >> "$RECORD"
echo "$0" >> "$RECORD.who"
case "$*" in
    "-m venv"*) for last; do :; done; mkdir -p "$last/bin"; cp "$0" "$last/bin/python" ;;
    "-c import sysconfig"*) echo "$(dirname "$(dirname "$0")")/lib/site-packages"; mkdir -p "$(dirname "$(dirname "$0")")/lib/site-packages" ;;
    "-m pip install"*) exit "${PIP_STATUS:-0}" ;;
    "-m pytest"*) exit "${PYTEST_STATUS:-0}" ;;
esac
exit 0
"""
GIVEN = ("PORTTRACK_ES_URL", "PORTTRACK_ES8_URL", "PORTTRACK_KAFKA_BOOTSTRAP", "PORTTRACK_KEEP_SERVICES")


def run_dev(tmp_path: Path, command: str = "test", **env: str) -> tuple[int, list[str]]:
    """Run `./dev COMMAND -q` with the recorder as PYTHON and the environment in tmp_path/venv: its status and
    every call the recorder saw, in order."""
    recorder = tmp_path / "python"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    record = tmp_path / "calls"
    record.unlink(missing_ok=True)
    base = {k: v for k, v in os.environ.items() if k not in GIVEN}
    done = subprocess.run(
        [str(REPO / "dev"), command, "-q"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**base, "PYTHON": str(recorder), "RECORD": str(record), "PORTTRACK_VENV": str(tmp_path / "venv"), **env},
    )
    return done.returncode, record.read_text().splitlines() if record.exists() else []


def run_dev_test(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    """`./dev test -q`, the calls without those that make the environment."""
    status, calls = run_dev(tmp_path, **env)
    return status, [line for line in calls if "pip install" not in line and "-m venv" not in line]


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


def test_the_environment_is_made_once_and_everything_runs_in_it(tmp_path):
    """A first run makes the environment with $PYTHON and installs the package and its extras into it with
    the environment's own pip; devservices and pytest run with the environment's Python; a second run, with
    pyproject.toml unchanged, makes and installs nothing."""
    venv = tmp_path / "venv"
    status, calls = run_dev(tmp_path, PORTTRACK_ES_URL="x", PORTTRACK_ES8_URL="y", PORTTRACK_KAFKA_BOOTSTRAP="z")
    who = (tmp_path / "calls.who").read_text().splitlines()

    assert status == 0
    assert calls[:2] == [f"-m venv {venv}", "-m pip install --quiet --retries 10 -e .[test,bench,confluent]"]
    assert who[0] == str(tmp_path / "python")
    assert set(who[1:]) == {str(venv / "bin" / "python")}
    assert (venv / ".porttrack-installed").exists()

    (tmp_path / "calls.who").unlink()
    status, calls = run_dev(tmp_path, PORTTRACK_ES_URL="x", PORTTRACK_ES8_URL="y", PORTTRACK_KAFKA_BOOTSTRAP="z")
    assert (status, calls) == (0, ["-m pytest -q"])
    assert (tmp_path / "calls.who").read_text().splitlines() == [str(venv / "bin" / "python")]


def test_without_a_package_index_the_environment_reads_the_machines_packages(tmp_path):
    """When pip cannot install from the index, the environment is made again with --system-site-packages:
    the machine's packages are read, never changed (no pip install runs), and the checkout is put on the
    environment's path, with a porttrack-logs command that runs it."""
    venv = tmp_path / "venv"
    status, calls = run_dev(tmp_path, "install", PIP_STATUS="1")

    assert status == 0
    assert calls[:3] == [
        f"-m venv {venv}", "-m pip install --quiet --retries 10 -e .[test,bench,confluent]",
        f"-m venv --system-site-packages {venv}",
    ]
    assert not [c for c in calls[3:] if "pip" in c]
    [pth] = venv.rglob("porttrack-logs-checkout.pth")
    assert pth.read_text().strip() == str(REPO)
    assert "-m porttrack_logs.cli" in (venv / "bin" / "porttrack-logs").read_text()


def test_a_changed_pyproject_makes_the_environment_again(tmp_path):
    """The stamp records pyproject.toml's checksum: a stale one (dependencies changed) means a new environment."""
    venv = tmp_path / "venv"
    run_dev(tmp_path, "install")
    (venv / ".porttrack-installed").write_text("0 0 test,bench,confluent\n")

    _, calls = run_dev(tmp_path, "install")
    assert calls[0] == f"-m venv {venv}"
