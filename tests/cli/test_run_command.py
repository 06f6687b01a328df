"""`porttrack-logs run` end to end, as a subprocess: the embedded default, -f with its own
inputs and outputs, conditional routing, start-up errors; outputs byte-identical to before."""

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from porttrack_logs.cli import main
from porttrack_logs.cli.defaults import DEFAULT_SAMPLES

ROOT = Path(__file__).resolve().parents[2]

#: sha256 of what `run` wrote before the runtime loop (commit 654c875) for the sample logs and for
#: the same messages as Docker json-file, CRI and plain lines (`_container_copies`), with the
#: input path written as /tmp/rtbefore/<name>.log
BEFORE = {
    "samples": "1a8ccfa1c8107b2ea335907ad5c712678a9b763190717dc7a1c9d97ba7121181",
    # docker and cri: the runtime's nine-digit times now keep their nanoseconds in @timestamp (only that changed)
    "docker": "ebb16a5bca2a74fd139cda4d6d545f6c3391a16918f2f997f6e3f4f446d6e462",
    "cri": "162dcde8744cf8381cee7311a80b844a49f63de623ebf7f6f63466cb8a7b3cbf",
    "plain": "8cc20d85e82883cbd9f7bd1e64eef622fd0a0d0831611eb7d480eda4f069e00d",
}


def run(*args, cwd, stdin=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "porttrack_logs.cli", "run", *args],
        cwd=cwd, env=env, input=stdin, capture_output=True, timeout=120,
    )


def _container_copies(directory: Path) -> dict[str, Path]:
    """The sample messages as a Docker json-file log (some split in partial lines, one broken
    line), a CRI log (some `P` pieces, a +01:00 time) and plain lines."""
    messages = [orjson.loads(line)["message"] for line in DEFAULT_SAMPLES.read_bytes().splitlines()]
    docker, cri, plain = [], [], []
    for i, m in enumerate(messages):
        time = "2026-11-27T06:00:%02d.123456789Z" % (i % 60)
        if i % 7 == 3:
            h = len(m) // 2
            docker.append(orjson.dumps({"log": m[:h], "stream": "stdout", "time": time}) + b"\n")
            docker.append(orjson.dumps({"log": m[h:] + "\n", "stream": "stdout", "time": time.replace(".1", ".2", 1)}) + b"\n")
        else:
            docker.append(orjson.dumps({"log": m + "\n", "stream": "stderr" if i % 5 == 0 else "stdout", "time": time}) + b"\n")
        ts = "2026-11-27T06:00:%02d.123456789+01:00" % (i % 60)
        if i % 6 == 2:
            h = len(m) // 2
            cri.append(f"{ts} stdout P {m[:h]}\n{ts} stdout F {m[h:]}\n".encode())
        else:
            cri.append(f"{ts} stderr F {m}\n".encode())
        if m[:4] == "2026":
            plain.append(m.encode() + b"\n")
    docker.append(b'{"log": broken\n')
    plain.append(b"\n  \n")
    paths = {}
    for name, parts in (("docker", docker), ("cri", cri), ("plain", plain)):
        paths[name] = directory / f"{name}.log"
        paths[name].write_bytes(b"".join(parts))
    return paths


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_run_on_the_samples_writes_what_it_wrote_before(tmp_path):
    """A new user's `./dev run` (which passes the sample logs): the embedded pipeline to out/events.ndjson,
    byte for byte what the command wrote before the runtime loop, and the same summary lines."""
    result = run(str(DEFAULT_SAMPLES), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert digest((tmp_path / "out" / "events.ndjson").read_bytes()) == BEFORE["samples"]
    err = result.stderr.decode()
    assert "read 240, emitted 240, dropped by filters 0, rejected to the dead letter queue 0" in err
    assert "by level: INFO 161, DEBUG 38, WARN 25, ERROR 6, TRACE 4, FATAL 2" in err
    assert "events: out/events.ndjson" in err


def test_run_without_arguments_reads_standard_input(tmp_path):
    """No -f and no files: the embedded pipeline reads stdin (the bundled samples are only `./dev run`'s)."""
    result = run(cwd=tmp_path, stdin=DEFAULT_SAMPLES.read_bytes())
    assert result.returncode == 0, result.stderr
    assert digest((tmp_path / "out" / "events.ndjson").read_bytes()) == BEFORE["samples"]
    assert "read 240, emitted 240" in result.stderr.decode()


@pytest.mark.parametrize("name", ["docker", "cri", "plain"])
def test_container_formats_come_out_as_before(tmp_path, name, capsys):
    """Docker json-file, CRI and plain lines give the bytes they gave before (provenance is
    in @metadata, which is not written)."""
    path = _container_copies(tmp_path)[name]
    out = tmp_path / "events.ndjson"
    assert main(["run", str(path), "-o", str(out), "--dead-letters", str(tmp_path / "dlq")]) == 0
    written = out.read_bytes().replace(str(path).encode(), f"/tmp/rtbefore/{name}.log".encode())
    assert digest(written) == BEFORE[name]


CONDITIONAL = """
input {{ file {{ path => "{logs}/*.log" mode => "read" exclude => "skip-*" }} }}
filter {{
  grok {{ match => {{ "message" => "^%{{TIMESTAMP_ISO8601:[@metadata][t]}}\\s+%{{LOGLEVEL:level}}\\s+%{{GREEDYDATA:message}}$" }} overwrite => ["message"] }}
  date {{ match => ["[@metadata][t]", "ISO8601"] }}
}}
output {{
  if [level] == "ERROR" {{
    file {{ path => "{out}/errors-%{{+yyyy.MM.dd}}.ndjson" }}
  }} else {{
    file {{ path => "{out}/rest.ndjson" }}
  }}
}}
"""


def test_run_f_reads_its_file_input_and_routes_by_the_output_conditionals(tmp_path):
    """`run -f`: the file input's glob (minus `exclude`), the if/else of the output section: ERROR
    events in the day's errors file, the others in rest; the summary counts each output."""
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [
        "2026-11-27T06:00:00Z ERROR gate 4 jammed",
        "2026-11-27T06:00:01Z INFO vessel berthed",
        "2026-11-27T06:00:02Z ERROR crane stalled",
        "2026-11-27T06:00:03Z WARN slow reefer",
    ]
    (logs / "a.log").write_bytes(b"".join(orjson.dumps({"log": x + "\n", "stream": "stdout"}) + b"\n" for x in lines[:2]))
    (logs / "b.log").write_bytes(b"".join(orjson.dumps({"log": x + "\n", "stream": "stdout"}) + b"\n" for x in lines[2:]))
    (logs / "skip-me.log").write_bytes(orjson.dumps({"log": "2026-11-27T06:00:09Z ERROR never\n"}) + b"\n")
    out = tmp_path / "out"
    conf = tmp_path / "route.conf"
    conf.write_text(CONDITIONAL.format(logs=logs, out=out))
    result = run("-f", str(conf), "--dead-letters", str(tmp_path / "dlq.ndjson"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    errors = [orjson.loads(x) for x in (out / "errors-2026.11.27.ndjson").read_bytes().splitlines()]
    rest = [orjson.loads(x) for x in (out / "rest.ndjson").read_bytes().splitlines()]
    assert [e["message"] for e in errors] == ["gate 4 jammed", "crane stalled"]
    assert [e["message"] for e in rest] == ["vessel berthed", "slow reefer"]
    err = result.stderr.decode()
    assert "output file@9:5: indexed 2" in err and "output file@11:5: indexed 2" in err
    assert not (tmp_path / "out" / "events.ndjson").exists()


def test_run_f_with_a_beats_input_on_a_taken_port_is_a_start_up_error_naming_it(tmp_path):
    """A beats input runs now; one whose port is taken fails at start-up, naming the input and the
    reason, exit 1 and no traceback (instead of reading anything else)."""
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    conf = tmp_path / "beats.conf"
    conf.write_text('input {\n  beats { host => "127.0.0.1" port => %d }\n}\noutput { file { path => "%s" } }\n' % (port, tmp_path / "f.ndjson"))
    try:
        result = run("-f", str(conf), "--dead-letters", str(tmp_path / "dlq"), cwd=tmp_path)
    finally:
        taken.close()
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "input beats@2:3: cannot start:" in err and "in use" in err
    assert "Traceback" not in err


def test_run_f_with_a_kafka_input_and_a_tail_mode_file_input_names_the_one_that_cannot_run(tmp_path):
    """Every input that cannot run is named at its place; kafka can run, so it is not among them."""
    conf = tmp_path / "in.conf"
    conf.write_text('input {\n  kafka { topics => ["logs"] }\n  file { path => "/var/log/*.log" }\n}\n')
    result = run("-f", str(conf), cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert f"{conf}:3:3: input file: mode 'tail'" in err and 'mode => "read"' in err
    assert "input kafka" not in err


def test_an_output_whose_settings_cannot_build_a_sink_is_a_start_up_error(tmp_path, monkeypatch, capsys):
    """An output this build cannot run (its settings have no `build`, as the elasticsearch output
    before it landed) is an error at its place, exit 1, nothing written; not skipped."""
    from porttrack_logs.sinks.settings import ElasticsearchOutput

    monkeypatch.delattr(ElasticsearchOutput, "build")
    logs = tmp_path / "pod.log"
    logs.write_bytes(b"x\n")
    conf = tmp_path / "es.conf"
    conf.write_text('output {\n  file { path => "%s" }\n  elasticsearch { hosts => ["http://127.0.0.1:1"] }\n}\n' % (tmp_path / "f.ndjson"))
    assert main(["run", "-f", str(conf), str(logs), "--dead-letters", str(tmp_path / "d")]) == 1
    assert f"{conf}:3:3: output elasticsearch is not available in this build" in capsys.readouterr().err
    assert not (tmp_path / "f.ndjson").exists() or (tmp_path / "f.ndjson").read_bytes() == b""


def test_run_f_without_an_output_section_writes_ndjson_as_before(tmp_path):
    """A configuration with no output section keeps -o (default out/events.ndjson)."""
    logs = tmp_path / "pod.log"
    logs.write_bytes(b"one\ntwo\n")
    conf = tmp_path / "f.conf"
    conf.write_text('filter { mutate { add_tag => ["seen"] } }')
    result = run("-f", str(conf), str(logs), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [orjson.loads(x) for x in (tmp_path / "out" / "events.ndjson").read_bytes().splitlines()]
    assert [(e["message"], e["tags"]) for e in events] == [("one", ["seen"]), ("two", ["seen"])]


def test_stdin_input_with_the_stdout_output_in_rubydebug(tmp_path):
    """`input { stdin {} } output { stdout {} }`: lines piped in come out in the readable form."""
    conf = tmp_path / "io.conf"
    conf.write_text("input { stdin { } } output { stdout { } }")
    result = run("-f", str(conf), cwd=tmp_path, stdin=b"hello berth\nsecond\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.count('"message" => ') == 2 and '"message" => "hello berth"' in out
    assert '"offset" => 12' in out  # the second line starts at byte 12 of the stream


def test_dash_reads_stdin_and_dash_o_writes_ndjson_to_stdout(tmp_path):
    """`run - -o -`: standard input to standard output, one JSON line per line."""
    result = run("-", "-o", "-", cwd=tmp_path, stdin=b"a\nb\n")
    assert result.returncode == 0, result.stderr
    assert [orjson.loads(x)["event"]["original"] for x in result.stdout.splitlines()] == ["a", "b"]


@pytest.mark.parametrize("ordered", ["true", "false"])
def test_ordered_false_hands_each_batch_on_branch_by_branch(tmp_path, ordered):
    """`--ordered false` is Logstash's unordered batch order: per batch of --batch-size, the ERROR
    lines the PortTrack rule's `if` took come first; by default the lines keep their order."""
    lines = [f"2026-12-01T10:00:0{i}Z {'ERROR' if i % 3 == 1 else 'INFO'} line {i}" for i in range(8)]
    (tmp_path / "app.log").write_text("\n".join(lines) + "\n")
    result = run(str(tmp_path / "app.log"), "-o", "-", "--batch-size", "4", "--ordered", ordered, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    got = [int(orjson.loads(x)["message"].split()[-1]) for x in result.stdout.splitlines()]
    assert got == ([1, 0, 2, 3, 4, 7, 5, 6] if ordered == "false" else list(range(8)))


def test_gzip_input_file_is_read_decompressed(tmp_path):
    """A .gz log given as an argument is read as its decompressed lines."""
    logs = tmp_path / "pod.log.gz"
    logs.write_bytes(gzip.compress(b"2026-11-27T06:00:00Z INFO compressed line\n"))
    result = run(str(logs), "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [event] = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert event["message"] == "compressed line" and event["log"]["level"] == "INFO"


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_missing_path_or_a_directory_is_one_clear_line(tmp_path, kind):
    """No traceback: one line naming the path, exit 1."""
    target = tmp_path / "nope.log"
    if kind == "directory":
        target = tmp_path / "logs"
        target.mkdir()
    result = run(str(target), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and str(target) in lines[0]
    assert ("no such file" if kind == "missing" else "is a directory") in lines[0]


def test_a_glob_matching_nothing_is_an_error_at_the_input(tmp_path):
    """A file input whose path matches no file says so at its place."""
    conf = tmp_path / "g.conf"
    conf.write_text(f'input {{ file {{ path => "{tmp_path}/none-*.log" mode => "read" }} }}')
    result = run("-f", str(conf), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{conf}:1:9: input file: path '{tmp_path}/none-*.log' matches no file" in result.stderr.decode()


def test_a_line_on_a_stdin_that_stays_open_is_delivered_without_waiting_for_more(tmp_path):
    """Streaming: when standard input has nothing more for now, what was read is delivered and
    done (not held for a full batch or the end of the input)."""
    import select

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "porttrack_logs.cli", "run", "-", "-o", "-", "--dead-letters", str(tmp_path / "d")],
        cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        proc.stdin.write(b"first line\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)  # a bound against hanging, not a timing claim
        assert ready, "no output while stdin stays open"
        assert orjson.loads(proc.stdout.readline())["message"] == "first line"
        proc.stdin.write(b"second line\n")
        proc.stdin.close()
        assert orjson.loads(proc.stdout.readline())["message"] == "second line"
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()


def test_an_output_that_cannot_be_opened_is_one_line(tmp_path):
    """-o under a regular file: one line naming the output, exit 1, no traceback."""
    blocker = tmp_path / "plain"
    blocker.write_text("x")
    result = run("-o", str(blocker / "events.ndjson"), cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.decode().strip().splitlines()
    assert line.startswith(f"porttrack-logs: output {blocker / 'events.ndjson'}: cannot open")


def test_an_output_codec_run_does_not_have_is_a_start_up_error_at_the_output(tmp_path):
    """`stdout { codec => dots }` loads (check reads it) but `run` refuses it at its place."""
    logs = tmp_path / "pod.log"
    logs.write_bytes(b"x\n")
    conf = tmp_path / "dots.conf"
    conf.write_text("output {\n  stdout { codec => dots }\n}\n")
    result = run("-f", str(conf), str(logs), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{conf}:2:3: codec 'dots' is not available for this output" in result.stderr.decode()
