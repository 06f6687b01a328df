"""`porttrack-logs run` as the sidecar, without services: JSON logs, signals, argument errors;
and `check` printing the kafka input's warnings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from porttrack_logs.cli import main

ROOT = Path(__file__).resolve().parents[2]


def start(args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "porttrack_logs.cli", "run", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def lines_until(process, text, lines, timeout=120, stream=None):
    """Read stderr (or `stream`) lines into `lines` until one contains `text` (a liveness wait)."""
    found = threading.Event()

    def read():
        for line in stream if stream is not None else process.stderr:
            lines.append(line)
            if text in line:
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(timeout), f"no line with {text!r}: {''.join(lines)}"
    return lines


def test_a_beats_sidecar_logs_json_lines_and_exits_0_on_sigterm(tmp_path):
    """--log-format json: every line on stderr is one JSON object with time, level, logger, message,
    fields; SIGTERM with nothing in flight drains at once and exits 0."""
    conf = tmp_path / "b.conf"
    conf.write_text('input { beats { host => "127.0.0.1" port => 0 } }\noutput { file { path => "%s" } }\n' % (tmp_path / "out.ndjson"))
    process = start(["-f", str(conf), "--dead-letters", str(tmp_path / "dlq"), "--log-format", "json"], tmp_path)
    lines: list[str] = []
    try:
        lines_until(process, "running:", lines)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        process.kill()
    time.sleep(0.2)
    records = [json.loads(line) for line in lines]
    assert records and all(set(r) == {"time", "level", "logger", "message", "fields"} for r in records)
    assert any(r["message"] == "SIGTERM: stopping the inputs, draining what is in flight (at most 30s)" for r in records)
    final = next(r for r in records if r["message"].startswith("drained and closed"))
    assert final["fields"]["read"] == 0 and final["logger"] == "porttrack_logs.runtime.sidecar"


def test_a_second_signal_exits_at_once_without_acknowledging_what_is_held(tmp_path):
    """The first SIGTERM starts the drain; while an output blocks, a second one exits with 128+15
    at once, and nothing held was acknowledged."""
    script = tmp_path / "blocked.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests" / "runtime")!r})
        from test_sidecar_loop import FakeSink, FakeSource, _sidecar
        from porttrack_logs.runtime.sidecar import SidecarOptions
        log = []
        source = FakeSource(batches=2, size=3, log=log)
        sink = FakeSink(log, block=True, delivery_size=6)
        class Loud(list):
            def append(self, entry):
                print(entry, flush=True)
                super().append(entry)
        source.log = Loud()
        import threading
        threading.Thread(target=lambda: (sink.entered.wait(), print("blocked", flush=True)), daemon=True).start()
        sidecar = _sidecar([source], sink, log, timeout=600)
        sidecar.options.install_signals = True
        sys.exit(sidecar.run())
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    try:
        lines_until(process, "blocked", seen, stream=process.stdout)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the first signal's drain starts; the output stays blocked
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 128 + signal.SIGTERM
    finally:
        process.kill()
    assert not any("commit" in line for line in seen)


def test_workers_with_file_inputs_is_refused(tmp_path, capsys):
    """--workers N reads network inputs in N processes; files would be read N times: refused."""
    logs = tmp_path / "pod.log"
    logs.write_bytes(b"x\n")
    assert main(["run", str(logs), "--workers", "2", "-o", str(tmp_path / "o.ndjson"), "--dead-letters", str(tmp_path / "d")]) == 1
    assert "--workers 2: worker processes run beats and kafka inputs" in capsys.readouterr().err
    assert main(["run", str(logs), "--workers", "many", "--dead-letters", str(tmp_path / "d")]) == 1
    assert "--workers 'many': give a number of processes or 'auto'" in capsys.readouterr().err


def test_check_prints_the_kafka_inputs_warnings_at_its_place(tmp_path, capsys):
    """The kafka input's `warnings()` (an ignored enable_auto_commit, consumer_threads > 1) are
    check's warnings, at the input's file:line:col, and --strict fails on them."""
    conf = tmp_path / "k.conf"
    conf.write_text('input {\n  kafka { topics => ["logs"] enable_auto_commit => true consumer_threads => 2 }\n}\n')
    assert main(["check", "-f", str(conf)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {conf}:2:3: kafka: enable_auto_commit => true is ignored" in err
    assert f"warning: {conf}:2:3: kafka: consumer_threads > 1 runs one consumer per thread" in err
    assert "2 warning(s)" in err
    assert main(["check", "-f", str(conf), "--strict"]) == 1


def test_an_http_port_in_use_is_a_start_up_error_naming_it(tmp_path):
    """--http-port on a port another process holds: one line naming it, exit 1, no traceback."""
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    conf = tmp_path / "b.conf"
    conf.write_text('input { beats { host => "127.0.0.1" port => 0 } }\noutput { file { path => "%s" } }\n' % (tmp_path / "out.ndjson"))
    try:
        process = start(["-f", str(conf), "--dead-letters", str(tmp_path / "dlq"), "--http-port", str(port)], tmp_path)
        _, err = process.communicate(timeout=60)
    finally:
        taken.close()
    assert process.returncode == 1
    assert f"--http-host 127.0.0.1 --http-port {port}: cannot listen there" in err and "Traceback" not in err


def test_a_beats_enrich_option_that_is_not_implemented_is_refused_at_its_place(tmp_path, capsys):
    """enrich => codec_metadata is not implemented: a start-up error at the input, never ignored."""
    conf = tmp_path / "b.conf"
    conf.write_text('input {\n  beats { port => 0 enrich => ["source_metadata", "codec_metadata"] }\n}\noutput { file { path => "%s" } }\n'
                    % (tmp_path / "o.ndjson"))
    assert main(["run", "-f", str(conf), "--dead-letters", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert f"{conf}:2:3" in err and "enrich => codec_metadata is not implemented here" in err


def test_a_file_input_beside_a_beats_input_keeps_its_offsets_record(tmp_path):
    """A file input read by the sidecar records its offsets as `run` over files does: once its
    lines are delivered the record says the file is complete, and a restarted sidecar skips it."""
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-12-01T10:00:00Z INFO line {i}\n" for i in range(3000)))
    out, record = tmp_path / "out.ndjson", tmp_path / "sincedb.json"
    conf = tmp_path / "b.conf"
    conf.write_text(f'input {{ beats {{ host => "127.0.0.1" port => 0 }}\n'
                    f'  file {{ path => "{log}" mode => "read" sincedb_path => "{record}" }} }}\n'
                    f'output {{ file {{ path => "{out}" }} }}\n')
    for run in (1, 2):
        process = start(["-f", str(conf), "--dead-letters", str(tmp_path / "dlq")], tmp_path)
        lines: list[str] = []
        try:
            lines_until(process, "skipped" if run == 2 else "running:", lines)
            deadline = time.monotonic() + 60
            while run == 1 and time.monotonic() < deadline:  # the file done to its end is written at once
                if record.exists() and json.loads(record.read_text())["files"]:
                    if next(iter(json.loads(record.read_text())["files"].values()))["complete"]:
                        break
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            assert process.wait(60) == 0, "".join(lines)
        finally:
            process.kill()
        [state] = json.loads(record.read_text())["files"].values()
        assert state == {"path": str(log), "offset": log.stat().st_size, "size": log.stat().st_size, "complete": True}
        assert len(out.read_bytes().splitlines()) == 3000  # the second run read nothing again
