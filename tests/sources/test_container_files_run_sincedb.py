"""`porttrack-logs run -f` with a `file` input keeps an offsets record (Logstash's sincedb_path):
a second run reads nothing again; "/dev/null" keeps none; the default lives under out/sincedb."""

import os
import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
input {{ file {{ path => "{logs}/*.log" mode => "read" file_completed_action => "log" {sincedb} }} }}
output {{ file {{ path => "{out}" }} }}
"""


def run(conf: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "porttrack_logs.cli", "run", "-f", str(conf), "--dead-letters", str(cwd / "dlq")],
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120,
    )


def write_logs(logs: Path) -> None:
    """Two files of five lines, each longer than the 1 KiB that identifies a file (a shorter file is
    identified by all it has, so one that grows is another file: Filebeat's fingerprint rule)."""
    logs.mkdir()
    for name in ("a", "b"):
        lines = [orjson.dumps({"log": f"{name} {i} " + "z" * 300 + "\n", "stream": "stdout"}) + b"\n" for i in range(5)]
        (logs / f"{name}.log").write_bytes(b"".join(lines))


def test_a_second_run_reads_nothing_again_and_a_grown_file_only_its_new_lines(tmp_path):
    logs, out = tmp_path / "logs", tmp_path / "events.ndjson"
    write_logs(logs)
    conf = tmp_path / "p.conf"
    conf.write_text(CONFIG.format(logs=logs, out=out, sincedb=f'sincedb_path => "{tmp_path}/since.json"'))
    first = run(conf, tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(out.read_bytes().splitlines()) == 10
    second = run(conf, tmp_path)
    assert second.returncode == 0, second.stderr
    assert len(out.read_bytes().splitlines()) == 10
    assert second.stderr.decode().count("done before") == 2
    with (logs / "b.log").open("ab") as fh:
        fh.write(orjson.dumps({"log": "b late\n", "stream": "stdout"}) + b"\n")
    third = run(conf, tmp_path)
    assert third.returncode == 0, third.stderr
    messages = [orjson.loads(x)["message"] for x in out.read_bytes().splitlines()]
    assert len(messages) == 11 and messages[-1] == "b late" and len(set(messages)) == 11


def test_dev_null_keeps_no_record_and_the_default_is_under_out_sincedb(tmp_path):
    logs, out = tmp_path / "logs", tmp_path / "events.ndjson"
    write_logs(logs)
    conf = tmp_path / "p.conf"
    conf.write_text(CONFIG.format(logs=logs, out=out, sincedb='sincedb_path => "/dev/null"'))
    for _ in range(2):
        assert run(conf, tmp_path).returncode == 0
    assert len(out.read_bytes().splitlines()) == 20
    assert not (tmp_path / "out" / "sincedb").exists()
    conf.write_text(CONFIG.format(logs=logs, out=out, sincedb=""))
    assert run(conf, tmp_path).returncode == 0
    [record] = list((tmp_path / "out" / "sincedb").glob("file-*.json"))
    files = orjson.loads(record.read_bytes())["files"]
    assert sorted(Path(f["path"]).name for f in files.values()) == ["a.log", "b.log"]
    assert all(f["complete"] for f in files.values())


def test_a_file_input_path_that_is_a_directory_is_one_line_naming_it(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    conf = tmp_path / "p.conf"
    conf.write_text(f'input {{ file {{ path => "{logs}" mode => "read" }} }}')
    result = run(conf, tmp_path)
    assert result.returncode == 1
    assert result.stderr.decode() == f"porttrack-logs: {conf}:1:9: input file: path '{logs}' is a directory; name the files in it ('{logs}/*.log')\n"
