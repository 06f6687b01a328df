"""The porttrack-logs command: run, check and grok, driven through main()."""

import json

import orjson
import pytest

from porttrack_logs.cli import main
from porttrack_logs.cli.defaults import DEFAULT_SAMPLES
from porttrack_logs.sinks.dead_letter import read


def test_run_on_embedded_default_writes_events_and_summary(tmp_path, capsys):
    """`run` over the sample logs (what `./dev run` passes) runs porttrack.conf and summarises."""
    out, dlq = tmp_path / "events.ndjson", tmp_path / "dlq"
    assert main(["run", str(DEFAULT_SAMPLES), "-o", str(out), "--dead-letters", str(dlq)]) == 0
    events = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    samples = DEFAULT_SAMPLES.read_bytes().splitlines()
    assert len(events) == len(samples)
    alerts = [e for e in events if "alert" in e.get("tags", [])]
    assert alerts and all(e["log"]["level"] in ("ERROR", "FATAL") for e in alerts)
    assert all("original" in e["event"] for e in events)
    summary = capsys.readouterr().err
    assert f"read {len(samples)}, emitted {len(samples)}" in summary
    assert "by level:" in summary and "alert" in summary


def test_run_sends_undecodable_lines_to_dead_letters_and_goes_on(tmp_path, capsys):
    """A broken line is rejected with its place; the lines after it still come out."""
    logs = tmp_path / "pod.log"
    good = orjson.dumps({"log": "2026-11-27T06:00:00Z ERROR gate 4 jammed\n", "stream": "stdout"})
    logs.write_bytes(good + b"\n" + b'{"log": broken\n' + good + b"\n")
    out, dlq = tmp_path / "events.ndjson", tmp_path / "dlq"
    assert main(["run", str(logs), "-o", str(out), "--dead-letters", str(dlq)]) == 0
    assert len(out.read_bytes().splitlines()) == 2
    [entry] = list(read(dlq))
    assert entry.place == f"{logs}@{len(good) + 1}" and "invalid JSON" in entry.reason
    assert entry.original == b'{"log": broken' and entry.stage == "decode"


def test_check_accepts_a_good_config_and_warns_about_the_trap(tmp_path, capsys):
    """`check` exits 0 for a loadable config and prints the message-array warning."""
    conf = tmp_path / "seed.conf"
    conf.write_text('filter { grok { match => { "message" => "%{LOGLEVEL:level} %{GREEDYDATA:message}" } } }')
    assert main(["check", "-f", str(conf)]) == 0
    err = capsys.readouterr().err
    assert f"{conf}:1:17: grok captures" in err and "Configuration OK" in err
    assert main(["check", "--strict", "-f", str(conf)]) == 1


def test_check_rejects_a_broken_config_with_its_place(tmp_path, capsys):
    """A syntax error exits 1 with file:line:col and a caret."""
    conf = tmp_path / "bad.conf"
    conf.write_text("filter {\n  grok { match => }\n}\n")
    assert main(["check", "-f", str(conf)]) == 1
    err = capsys.readouterr().err
    assert f"{conf}:2:" in err and "^" in err


def test_grok_prints_captures_as_json(tmp_path, capsys):
    """Each matching line becomes one JSON object of nested, coerced captures."""
    lines = tmp_path / "lines.txt"
    lines.write_text("10.1.2.3 GET 200\n")
    assert main(["grok", "%{IP:[client][ip]} %{WORD:verb} %{INT:status:int}", str(lines)]) == 0
    assert json.loads(capsys.readouterr().out) == {"client": {"ip": "10.1.2.3"}, "verb": "GET", "status": 200}


def test_grok_explain_names_failing_element_column_and_text(tmp_path, capsys):
    """--explain says which element failed, at which column, and what the line had there."""
    lines = tmp_path / "lines.txt"
    lines.write_text("2026-11-27T06:00:00Z NOTICE-ish crane stalled\n")
    main(["grok", "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level}: %{GREEDYDATA:msg}", str(lines), "--explain"])
    out = capsys.readouterr().out
    assert out == (
        "line 1: no match: %{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} matched up to column 27; "
        "then the text ': ' failed at column 28, where the line has '-ish crane stalled'\n"
    )


def test_grok_define_adds_a_pattern(tmp_path, capsys):
    """--define NAME=REGEX makes a pattern usable in the expression."""
    lines = tmp_path / "lines.txt"
    lines.write_text("berth B07\n")
    main(["grok", "berth %{BERTH:berth}", str(lines), "--define", "BERTH=B[0-9]{2}"])
    assert json.loads(capsys.readouterr().out) == {"berth": "B07"}


def test_grok_unknown_pattern_is_an_error_not_a_traceback(tmp_path, capsys):
    """A bad expression exits 1 with a message naming the pattern."""
    lines = tmp_path / "lines.txt"
    lines.write_text("x\n")
    assert main(["grok", "%{NOPE:x}", str(lines)]) == 1
    assert "NOPE" in capsys.readouterr().err
