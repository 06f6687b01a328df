"""Walk the README from a clean clone: `git clone` this checkout into a temporary directory, run every shell
block marked `<!-- walk -->` in order in one bash session (the first is `./dev run`, which makes the clone's
.venv/ and installs into it from the package index, then runs the main job), and run the command of every
block marked `<!-- walk: output -->`, comparing what it prints with what the README shows.

Integration: it installs from the package index (the test took 2.6 and 3.4 minutes here, most of it downloads;
offline, ./dev's fallback). The full test suite is not walked (that is .ci/run itself)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"<!-- walk(?P<output>: output)? -->\n```[a-z]*\n(?P<body>.*?)\n```", re.S)


def _blocks(readme: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The shell blocks to run, and the (command, shown output lines) of the output blocks, in order."""
    shell, shown = [], []
    for match in _BLOCK.finditer(readme):
        if match.group("output"):
            first, *rest = match.group("body").splitlines()
            assert first.startswith("$ "), first
            shown.append((first[2:], rest))
        else:
            shell.append(match.group("body"))
    return shell, shown


def _clean_environment() -> dict[str, str]:
    """The environment of a new user's shell: no virtual environment active, no project variables."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PORTTRACK_VENV", "PYTHONPATH", "PYTHONHOME")}
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(active))
    return env


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, list[tuple[str, list[str]]]]:
    clone = tmp_path_factory.mktemp("walk") / "porttrack-logs"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    shell, shown = _blocks((clone / "README.md").read_text(encoding="utf-8"))
    assert shell[0].splitlines()[0].startswith("./dev run"), "the first walked block starts with ./dev run"
    script = "set -euo pipefail\n" + "\n".join(shell) + "\n"
    done = subprocess.run(["bash", "-c", script], cwd=clone, env=_clean_environment(), capture_output=True,
                          text=True, timeout=1200)
    return clone, done, shown


def test_the_walked_blocks_run_from_a_clean_clone(walked):
    """Every walked command succeeds: ./dev run installs into the clone's .venv and writes the 240 sample
    events; the activated environment has porttrack-logs; dlq list reads the run's queue; the batch job
    example writes its two daily files."""
    clone, done, _ = walked
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (clone / ".venv" / ".porttrack-installed").exists()
    assert len((clone / "out" / "events.ndjson").read_text().splitlines()) == 240
    assert "porttrack-logs 0.1.0" in done.stdout
    assert re.search(r"^\d+ records, \d+ bytes in out/dead_letter_queue", done.stdout, re.M)
    assert sorted(p.name for p in (clone / "out" / "examples").glob("*.ndjson")) == [
        "alerts-2026.11.27.ndjson", "events-2026.11.27.ndjson"]


def test_the_outputs_the_readme_shows_are_what_the_commands_print(walked):
    """Each `$ command` block, run in the clone with its .venv active, prints exactly the lines shown."""
    clone, done, shown = walked
    assert done.returncode == 0, "the walk failed; see the test above"
    assert len(shown) >= 2
    env = _clean_environment()
    env["PATH"] = f"{clone / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    for command, lines in shown:
        result = subprocess.run(["bash", "-c", f"{command} 2>&1"], cwd=clone, env=env, capture_output=True, text=True, timeout=120)
        assert result.stdout.splitlines() == lines, command
