"""The stdout output and its codecs: rubydebug (default), json_lines, json."""

import tempfile
import io
from datetime import datetime, timezone

import orjson
import pytest
from pydantic import ValidationError

from porttrack_logs import Event
from porttrack_logs.errors import ConfigError
from porttrack_logs.sinks.base import Outcome, SinkContext
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
from porttrack_logs.sinks.settings import StdoutOutput
from porttrack_logs.sinks.stdout import StdoutSink

STAMP = datetime(2026, 11, 27, 6, 0, 0, 332000, tzinfo=timezone.utc)


def sink(codec=None):
    settings = StdoutOutput() if codec is None else StdoutOutput(codec=codec)
    out = io.BytesIO()
    return StdoutSink(settings, SinkContext(DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")), "stdout@1:1"), stream=out), out


def event(**fields):
    return Event({"@timestamp": STAMP, "@version": "1", **fields}, metadata={"secret": "m"})


def test_default_codec_is_rubydebug_with_sorted_right_aligned_keys_and_no_metadata():
    """The readable form: keys sorted and right-aligned, nested hashes and arrays indented,
    the timestamp bare, strings quoted; @metadata left out by default."""
    out_sink, out = sink()
    assert out_sink.write([event(message="gate 4", log={"level": "ERROR"}, tags=["alert", "x"], n=3)]) == [Outcome.INDEXED]
    assert out.getvalue().decode() == (
        "{\n"
        '    "@timestamp" => 2026-11-27T06:00:00.332000Z,\n'
        '      "@version" => "1",\n'
        '           "log" => {\n'
        '        "level" => "ERROR"\n'
        "    },\n"
        '       "message" => "gate 4",\n'
        '             "n" => 3,\n'
        '          "tags" => [\n'
        '        [0] "alert",\n'
        '        [1] "x"\n'
        "    ]\n"
        "}\n"
    )


def test_rubydebug_metadata_option_shows_metadata():
    """`codec => rubydebug { metadata => true }` prints @metadata as a field."""
    out_sink, out = sink({"rubydebug": {"metadata": True}})
    out_sink.write([event(message="m")])
    assert '"@metadata" => {\n        "secret" => "m"\n    }' in out.getvalue().decode()


def test_json_lines_codec_writes_one_object_a_line():
    """json_lines: each event one JSON line, @metadata not written."""
    out_sink, out = sink("json_lines")
    out_sink.write([event(message="a"), event(message="b")])
    first, second = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert first["message"] == "a" and second["message"] == "b" and "@metadata" not in first


def test_json_codec_writes_objects_with_no_delimiter_as_logstash():
    """json: the objects follow each other with nothing between (Logstash's json codec)."""
    out_sink, out = sink("json")
    out_sink.write([event(message="a"), event(message="b")])
    assert b"\n" not in out.getvalue() and out.getvalue().count(b'"message"') == 2
    decoder = orjson.loads(out.getvalue().split(b"}{")[0] + b"}")
    assert decoder["message"] == "a"


def test_a_codec_this_output_lacks_loads_but_does_not_build_and_a_bad_option_is_refused():
    """A Logstash codec we do not have still loads (configurations stay checkable); building the
    output names the available ones. An unknown option of a codec we have is a validation error."""
    settings = StdoutOutput(codec="dots")
    with pytest.raises(ConfigError, match="codec 'dots' is not available for this output; available: json_lines, json, rubydebug"):
        settings.build(SinkContext(DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")), "stdout@1:1"))
    with pytest.raises(ValidationError, match="colour"):
        StdoutOutput(codec={"rubydebug": {"colour": True}})


def test_build_returns_the_running_sink_named_by_the_context():
    """`settings.build(context)` is how the runtime makes it."""
    built = StdoutOutput(codec="json_lines").build(SinkContext(DeadLetterQueue(tempfile.mkdtemp(prefix="pt-dlq-")), "stdout@3:5"))
    assert isinstance(built, StdoutSink) and built.name == "stdout@3:5"
