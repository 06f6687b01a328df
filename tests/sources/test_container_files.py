"""Container log files: Docker json-file, CRI, Filebeat NDJSON and plain lines."""

import io

import orjson

from porttrack_logs import Event
from porttrack_logs.sources.container_files import Record, Rejected, decode_lines


def decode(data: bytes, fmt="auto"):
    return list(decode_lines(io.BytesIO(data), "pod.log", fmt))


def docker(text: str, time="2026-11-27T06:00:00.000000001Z", stream="stdout") -> bytes:
    return orjson.dumps({"log": text, "stream": stream, "time": time}) + b"\n"


def test_docker_line_becomes_message_with_runtime_time_and_stream():
    """The `log` text (newline removed) is the message; `time` and `stream` are kept."""
    [record] = decode(docker("2026-11-27T06:00:00Z ERROR crane down\n", stream="stderr"))
    assert record.event["message"] == "2026-11-27T06:00:00Z ERROR crane down"
    assert record.event["stream"] == "stderr"
    assert record.event["@timestamp"] == "2026-11-27T06:00:00.000000001Z"


def test_docker_partial_lines_are_joined():
    """Docker splits long lines without a trailing newline; the pieces make one event."""
    data = docker("first half ") + docker("second half\n")
    [record] = decode(data)
    assert record.event["message"] == "first half second half"
    assert record.event["log"]["offset"] == 0
    assert record.offset == len(data)


def test_cri_partial_and_full_lines_are_joined():
    """CRI `P` pieces are joined up to the `F` piece."""
    data = b"2026-11-27T06:00:00.1Z stdout P berth B04 \n2026-11-27T06:00:00.2Z stdout F assigned\n"
    [record] = decode(data)
    assert record.event["message"] == "berth B04 assigned"
    assert record.event["@timestamp"] == "2026-11-27T06:00:00.2Z"


def test_filebeat_ndjson_event_is_kept_as_shipped():
    """A Filebeat event (no `log` string) passes through with its own fields, its own [log] kept."""
    line = orjson.dumps({"message": "x", "kubernetes": {"namespace": "porttrack"}, "log": {"offset": 99}})
    [record] = decode(line + b"\n")
    event = Event.from_lazy(record.event)
    assert event.get("[kubernetes][namespace]") == "porttrack"
    assert event.get("[log]") == {"offset": 99}


def test_plain_line_is_a_message():
    """A line that is neither JSON nor CRI is the message as is."""
    [record] = decode(b"plain text line\n")
    assert record.event["message"] == "plain text line"


def test_undecodable_line_is_rejected_with_byte_offset_and_reason():
    """Broken JSON is rejected at its byte offset; the lines around it still decode."""
    good = docker("ok\n")
    data = good + b'{"log": "unterminated\n' + good
    records = decode(data)
    assert [type(r) for r in records] == [Record, Rejected, Record]
    rejected = records[1]
    assert rejected.offset == len(good)
    assert rejected.place == f"pod.log@{len(good)}"
    assert "invalid JSON" in rejected.reason


def test_explicit_docker_format_rejects_other_json():
    """With --format docker, a JSON object without a `log` string is an error, not a guess."""
    [rejected] = decode(b'{"message": "x"}\n', fmt="docker")
    assert isinstance(rejected, Rejected) and "'log' string" in rejected.reason


def test_file_ending_inside_a_partial_record_is_reported():
    """A trailing partial record is not silently lost."""
    [rejected] = decode(docker("never finished "))
    assert isinstance(rejected, Rejected) and "partial" in rejected.reason
