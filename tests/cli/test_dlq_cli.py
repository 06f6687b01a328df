"""`porttrack-logs dlq list|show|replay|purge`, end to end in a subprocess."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from porttrack_logs import Event
from porttrack_logs.sinks.base import provenance
from porttrack_logs.sinks.dead_letter import DeadLetterQueue, read
from tests.cli._dlq_queue import BROKEN, write_queue

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, stdin=subprocess.DEVNULL):
    return subprocess.run([sys.executable, "-m", "porttrack_logs.cli", "dlq", *map(str, args)], cwd=ROOT,
                          stdin=stdin, capture_output=True, text=True)


def one_line_error(result, *needles):
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    for needle in needles:
        assert needle in line, line
    return line


@pytest.fixture
def queue_dir(tmp_path):
    """A queue with a decode record (invalid UTF-8 input) and two output records."""
    return write_queue(tmp_path / "dlq")


def test_list_prints_a_line_a_record_and_counts_by_stage_and_status(queue_dir):
    """One line per record (id, time, stage, plugin, status, error type, reason, place) and a summary."""
    result = cli("list", "--dir", queue_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    ids = [r.id for r in read(queue_dir)]
    assert [line.split()[0] for line in lines[:3]] == ids
    assert "decode" in lines[0] and "pod.log@120" in lines[0] and "invalid JSON" in lines[0]
    assert all(w in lines[1] for w in ("output", "elasticsearch@9:3", "400", "mapper_parsing_exception", "pod.log@200"))
    assert lines[3].startswith(f"3 records, {sum(p.stat().st_size for p in queue_dir.glob('*.dlq'))} bytes in {queue_dir}")
    assert "by stage: decode 1, output 2" in lines[3] and "by status: - 1, 400 2" in lines[3]


def test_list_warns_about_a_torn_tail_with_segment_and_offset(queue_dir):
    """A segment cut mid-record: the whole records are listed, the cut one named on stderr, exit 0."""
    segment = queue_dir / "00000001.dlq"
    data = segment.read_bytes()
    segment.write_bytes(data[:-10])
    start = data.rindex(b"\n", 0, len(data) - 1) + 1
    result = cli("list", "--dir", queue_dir)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert f"warning: {segment}@{start}: torn record" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("2 records")


def test_show_prints_the_whole_record_with_the_exact_original(queue_dir):
    """`show ID`: pretty JSON; the original's exact bytes as base64, and as text when it is UTF-8."""
    decode_id, output_id, _ = [r.id for r in read(queue_dir)]
    result = cli("show", decode_id, "--dir", queue_dir)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert base64.b64decode(shown["original"]["base64"]) == BROKEN and shown["original"]["text"] is None
    assert shown["original"]["bytes"] == len(BROKEN) and shown["stage"] == "decode" and shown["id"] == decode_id
    assert result.stdout.startswith("{\n  ")
    shown = json.loads(cli("show", "00000001.dlq@" + output_id.split("@")[1], "--dir", queue_dir).stdout)
    assert shown["original"]["text"] == '{"message":"GET 200"}' and shown["document_id"] == "doc-0"
    assert shown["event"]["message"] == "GET 200" and shown["index"] == "porttrack-logs-2026.12.01"
    assert shown["status"] == 400 and shown["plugin"] == "elasticsearch@9:3"


def test_show_of_an_unknown_or_malformed_id_is_one_line_naming_it(queue_dir):
    one_line_error(cli("show", "1@5", "--dir", queue_dir), str(queue_dir), "no record 1@5")
    one_line_error(cli("show", "nope", "--dir", queue_dir), "'nope' is no dead letter record id")


def test_a_missing_queue_directory_is_one_line_naming_it(tmp_path):
    for action in (["list"], ["show", "1@0"], ["purge", "--yes"], ["replay", "--to-file", tmp_path / "o"]):
        one_line_error(cli(*action, "--dir", tmp_path / "none"), f"{tmp_path / 'none'}: no dead letter queue here")


def test_replay_to_a_file_sends_output_records_and_keeps_what_needs_a_pipeline(queue_dir, tmp_path):
    """Without -f the output records go as they were rejected; the decode record stays."""
    out = tmp_path / "replayed.ndjson"
    result = cli("replay", "--dir", queue_dir, "--to-file", out)
    assert result.returncode == 0, result.stderr
    assert "delivered 2" in result.stderr and "1 records remain" in result.stderr
    assert "stage decode: replay it through a pipeline (-f)" in result.stderr
    sent = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [e["message"] for e in sent] == ["GET 200", "PUT 500"] and all("@metadata" not in e for e in sent)
    [left] = read(queue_dir)
    assert left.stage == "decode" and left.original == BROKEN


def test_replay_through_a_pipeline_uses_its_output_section(queue_dir, tmp_path):
    """-f runs the filters on the original input again and sends to the config's file output; the
    input that still does not decode stays, with a decode reason."""
    out = tmp_path / "fixed.ndjson"
    conf = tmp_path / "fixed.conf"
    conf.write_text('filter { grok { match => { "message" => "%{WORD:verb} %{INT:code:int}" } } }\n'
                    f'output {{ file {{ path => "{out}" }} }}\n')
    result = cli("replay", "--dir", queue_dir, "-f", conf)
    assert result.returncode == 0, result.stderr
    sent = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [(e["verb"], e["code"]) for e in sent] == [("GET", 200), ("PUT", 500)]
    assert [e["log"]["offset"] for e in sent] == [200, 201]  # the place's offset, as the source had it
    [left] = read(queue_dir)
    assert left.stage == "decode" and left.original == BROKEN and left.place == "pod.log@120"
    # with --format plain the broken line ships as a plain message
    result = cli("replay", "--dir", queue_dir, "-f", conf, "--format", "plain")
    assert result.returncode == 0, result.stderr
    assert list(read(queue_dir)) == []
    last = orjson.loads(out.read_bytes().splitlines()[-1])
    assert last["message"] == BROKEN.decode("utf-8", "replace")


def test_replay_needs_a_target(queue_dir):
    one_line_error(cli("replay", "--dir", queue_dir), "replay needs somewhere to send")


@pytest.mark.integration
def test_replay_to_a_real_elasticsearch_indexes_each_output_record_once(queue_dir, es_url, es_client, es_index_prefix):
    """`replay --es URL --index I`: the output records are indexed under the ids they were first sent
    with and leave the queue; the decode record (no pipeline to re-run it) stays; a second replay of
    the same records answers duplicate and adds no document."""
    index = f"{es_index_prefix}replayed"
    result = cli("replay", "--dir", queue_dir, "--es", es_url, "--index", index)
    assert result.returncode == 0, result.stderr
    es_client.indices.refresh(index=index)
    hits = es_client.search(index=index, query={"match_all": {}})["hits"]["hits"]
    assert sorted(h["_id"] for h in hits) == ["doc-0", "doc-1"]
    assert sorted(h["_source"]["message"] for h in hits) == ["GET 200", "PUT 500"]
    [left] = read(queue_dir)
    assert left.stage == "decode" and left.original == BROKEN
    with DeadLetterQueue(queue_dir) as queue:  # the same two rejections again, as after a crash before commit
        for n, message in enumerate(["GET 200", "PUT 500"]):
            event = Event({"message": message})
            provenance(event).update({"id": f"doc-{n}", "place": f"pod.log@{200 + n}"})
            queue.put("again", stage="output", event=event, plugin="elasticsearch@9:3", status=400, index=index)
    result = cli("replay", "--dir", queue_dir, "--es", es_url, "--index", index)
    assert result.returncode == 0, result.stderr
    es_client.indices.refresh(index=index)
    assert es_client.count(index=index)["count"] == 2
    assert [r.stage for r in read(queue_dir)] == ["decode"]


def test_replay_and_purge_refuse_a_queue_another_process_writes(queue_dir, tmp_path):
    """One writer at a time: while a queue is open elsewhere, replay and purge stop with one line."""
    with DeadLetterQueue(queue_dir):
        one_line_error(cli("purge", "--yes", "--dir", queue_dir), f"{queue_dir}: the dead letter queue is in use")
        one_line_error(cli("replay", "--dir", queue_dir, "--to-file", tmp_path / "o"), "in use by another process")
    assert len(list(read(queue_dir))) == 3


def test_purge_removes_everything(queue_dir):
    """--yes (or no terminal to ask on) removes every record; the queue takes new ones after."""
    result = cli("purge", "--dir", queue_dir)  # stdin is no tty: nobody to ask
    assert result.returncode == 0, result.stderr
    assert f"removed 3 records" in result.stderr and list(read(queue_dir)) == []
    assert list(queue_dir.glob("*.dlq")) == []
    with DeadLetterQueue(queue_dir) as queue:
        queue.put("new")
    assert cli("purge", "--yes", "--dir", queue_dir).returncode == 0 and list(read(queue_dir)) == []


def test_purge_on_a_terminal_asks_and_a_no_keeps_everything(queue_dir):
    """On a terminal, without --yes, purge asks; anything but yes removes nothing (exit 1)."""
    import os
    import pty

    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")
        result = cli("purge", "--dir", queue_dir, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 1 and "nothing removed" in result.stderr
    assert f"remove all 3 records of {queue_dir}? [y/N]" in result.stdout
    assert len(list(read(queue_dir))) == 3


def test_run_then_list_shows_the_rejected_line(tmp_path):
    """The batch job's rejects land in the queue directory that `dlq list` reads."""
    logs = tmp_path / "pod.log"
    logs.write_bytes(b'{"log": "ok\\n", "stream": "stdout"}\n{"log": broken\n')
    directory = tmp_path / "q"
    run = subprocess.run([sys.executable, "-m", "porttrack_logs.cli", "run", str(logs), "-o", str(tmp_path / "e.ndjson"),
                          "--dead-letters", str(directory)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    result = cli("list", "--dir", directory)
    [line, summary] = result.stdout.splitlines()
    assert "decode" in line and f"{logs}@" in line and summary.startswith("1 records")
