"""What a new user meets first: --version, one-line path errors, --strict's last line, help text."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "porttrack_logs.cli", *args], cwd=ROOT, input=stdin, capture_output=True)


def test_version_names_the_installed_version():
    from importlib.metadata import version

    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"porttrack-logs {version('porttrack-logs')}"


def test_grok_on_a_missing_file_is_one_line_naming_it():
    result = cli("grok", "%{WORD:w}", "/no/such/file.log")
    assert result.returncode == 1
    [line] = result.stderr.decode().strip().splitlines()
    assert "/no/such/file.log" in line and "no such file" in line and "Traceback" not in line


def test_grok_help_shows_the_pattern_syntax_once_escaped():
    out = cli("grok", "--help").stdout.decode()
    assert "%{...}" in out and "%%" not in out


def test_check_strict_with_warnings_ends_in_a_line_that_says_it_failed():
    result = cli("check", "-f", "pipelines/porttrack-seed.conf", "--strict")
    assert result.returncode == 1
    last = result.stderr.decode().strip().splitlines()[-1]
    assert last.startswith("Configuration failed --strict") and "1 warning(s)" in last
    relaxed = cli("check", "-f", "pipelines/porttrack-seed.conf")
    assert relaxed.returncode == 0 and relaxed.stderr.decode().strip().splitlines()[-1].startswith("Configuration OK")
