"""The file output: sprintf paths, json_lines by default, gzip, write_behavior, failures."""

import tempfile
import gzip
import io
import os
import stat
from datetime import datetime, timezone

import orjson
import pytest

from porttrack_logs import Event
from porttrack_logs.errors import DeliveryError
from porttrack_logs.sinks.base import Outcome, SinkContext
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
from porttrack_logs.sinks.file import FileSink
from porttrack_logs.sinks.settings import FileOutput

DAY1 = datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc)
DAY2 = datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)


def build(**options):
    return FileOutput(**options).build(SinkContext(DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")), "file@1:1"))


def ev(n, when=DAY1, **fields):
    return Event({"@timestamp": when, "n": n, **fields})


def read_lines(path):
    return [orjson.loads(line)["n"] for line in open(path, "rb").read().splitlines()]


def test_constant_path_appends_json_lines_by_default(tmp_path):
    """Logstash's defaults: json_lines, append; a second sink on the same file appends after."""
    path = tmp_path / "out" / "events.log"
    first = build(path=str(path))
    assert first.write([ev(1), ev(2)]) == [Outcome.INDEXED] * 2
    first.close()
    second = build(path=str(path))
    second.write([ev(3)])
    second.close()
    assert read_lines(path) == [1, 2, 3]


def test_sprintf_path_with_fields_and_the_events_own_day(tmp_path):
    """`%{field}` and `%{+yyyy.MM.dd}` (the event's @timestamp, UTC) pick each event's file."""
    out = build(path=str(tmp_path / "%{app}" / "%{+yyyy.MM.dd}.log"))
    out.write([ev(1, app="gate"), ev(2, DAY2, app="gate"), ev(3, app="crane"), ev(4, app="gate")])
    out.close()
    assert read_lines(tmp_path / "gate" / "2026.11.27.log") == [1, 4]
    assert read_lines(tmp_path / "gate" / "2026.11.28.log") == [2]
    assert read_lines(tmp_path / "crane" / "2026.11.27.log") == [3]


def test_a_path_leaving_the_directory_goes_to_the_failure_file(tmp_path):
    """A rendered path with `..` out of the static directory is not written there: the event goes
    to `filename_failure` in that directory, as Logstash's file output does."""
    base = tmp_path / "logs"
    out = build(path=str(base / "%{app}.log"))
    out.write([ev(1, app="../../escape"), ev(2, app="fine")])
    out.close()
    assert read_lines(base / "_filepath_failures") == [1]
    assert read_lines(base / "fine.log") == [2]
    assert not (tmp_path.parent / "escape.log").exists()


def test_gzip_writes_a_readable_gzip_stream_across_sinks(tmp_path):
    """gzip => true: the file decompresses to the lines, also after a second run appended a member."""
    path = tmp_path / "events.log.gz"
    for batch in ([ev(1), ev(2)], [ev(3)]):
        out = build(path=str(path), gzip=True)
        out.write(batch)
        out.close()
    assert [orjson.loads(x)["n"] for x in gzip.decompress(path.read_bytes()).splitlines()] == [1, 2, 3]


def test_overwrite_keeps_only_the_most_recent_event(tmp_path):
    """write_behavior => overwrite: the file is truncated and holds the last event written."""
    path = tmp_path / "latest.json"
    out = build(path=str(path), write_behavior="overwrite")
    out.write([ev(1), ev(2)])
    out.write([ev(3)])
    out.close()
    assert read_lines(path) == [3]


def test_a_deleted_file_is_created_again(tmp_path):
    """create_if_deleted (default true): a file removed while open is recreated for the next write."""
    path = tmp_path / "events.log"
    out = build(path=str(path))
    out.write([ev(1)])
    os.remove(path)
    out.write([ev(2)])
    out.close()
    assert read_lines(path) == [2]


def test_file_mode_applies_to_created_files(tmp_path):
    """file_mode (octal as in Logstash's example) is the mode of a file this output creates."""
    path = tmp_path / "events.log"
    out = build(path=str(path), file_mode=640)  # `file_mode => 0640` in a configuration
    out.write([ev(1)])
    out.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_truncate_starts_the_file_empty_once(tmp_path):
    """The command's -o truncates what was there at the start, then appends its own batches."""
    path = tmp_path / "events.log"
    path.write_bytes(b'{"n": 0}\n')
    out = FileSink(FileOutput(path=str(path)), SinkContext(DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")), "-o"), truncate=True)
    out.write([ev(1)])
    out.write([ev(2)])
    out.close()
    assert read_lines(path) == [1, 2]


def test_a_file_that_cannot_be_written_is_a_delivery_error_naming_it(tmp_path):
    """A path under a regular file cannot be created: DeliveryError with the path, no outcomes."""
    blocker = tmp_path / "plain"
    blocker.write_text("x")
    out = build(path=str(blocker / "events.log"))
    with pytest.raises(DeliveryError, match="file@1:1: cannot write"):
        out.write([ev(1)])


def test_rubydebug_codec_on_a_file(tmp_path):
    """Any of the output codecs works for files too."""
    path = tmp_path / "pretty.txt"
    out = build(path=str(path), codec="rubydebug")
    out.write([ev(7)])
    out.close()
    assert '"n" => 7' in path.read_text()
