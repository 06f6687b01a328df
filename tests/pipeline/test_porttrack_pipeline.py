"""PortTrack's pipelines: the plan's rule as written, and pipelines/porttrack.conf."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.lint import lint

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"

SEED_RULE = """
input { beats { port => 5044 } }
filter {
  grok {
    match => { "message" => "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}" }
  }
  if [level] == "ERROR" {
    mutate { add_tag => ["alert"] }
  }
}
output { elasticsearch { hosts => ["http://127.0.0.1:9200"] } }
"""


@pytest.fixture(scope="module")
def porttrack() -> Pipeline:
    return Pipeline.from_config(PIPELINES / "porttrack.conf")


def test_seed_rule_tags_error_lines_alert_and_makes_message_an_array():
    """The plan's rule runs unchanged: ERROR is tagged, and message becomes [line, rest] as in Logstash."""
    pipeline = Pipeline.from_config(SEED_RULE)
    line = "2026-11-27T06:00:01.000Z ERROR Lost connection to AIS receiver rx-2"
    [error, info] = pipeline.process(
        [{"message": line}, {"message": "2026-11-27T06:00:02.000Z INFO Berth B04 assigned"}]
    )
    assert error.tags == ["alert"]
    assert error.get("message") == [line, "Lost connection to AIS receiver rx-2"]
    assert error.get("level") == "ERROR" and error.get("timestamp") == "2026-11-27T06:00:01.000Z"
    assert info.tags == []


def test_check_warns_about_the_seed_rule_message_trap():
    """`check` names the capture into message and the fix, at the grok's match option."""
    findings = lint(Pipeline.from_config(SEED_RULE))
    assert len(findings) == 1
    assert "[message]" in findings[0].message and "overwrite" in findings[0].message
    assert findings[0].position.line == 5  # the text starts with a newline


def test_seed_file_in_repository_is_the_rule_and_warns():
    """pipelines/porttrack-seed.conf keeps the plan's rule, with its trap reported."""
    findings = lint(Pipeline.from_config(PIPELINES / "porttrack-seed.conf"))
    assert any("[message]" in f.message for f in findings)


def test_porttrack_conf_parses_line_into_ecs_fields(porttrack):
    """Level into [log][level], the rest into message, the line kept in [event][original]."""
    line = "2026-11-27T06:00:01.250Z WARN Berth B07 released by vessel MSC-AURORA after 31h alongside"
    [event] = porttrack.process([{"message": line}])
    assert event.get("message") == "Berth B07 released by vessel MSC-AURORA after 31h alongside"
    assert event.get("[log][level]") == "WARN"
    assert event.get("[event][original]") == line
    assert event.get("@timestamp") == datetime(2026, 11, 27, 6, 0, 1, 250000, tzinfo=timezone.utc)
    assert event.tags == []
    assert "timestamp" not in event.to_dict() and "level" not in event.to_dict()


@pytest.mark.parametrize("level", ["ERROR", "error", "FATAL", "CRITICAL", "Err", "EMERG", "Severe"])
def test_porttrack_conf_tags_error_and_worse_alert(porttrack, level):
    """ERROR and every worse level, in any case LOGLEVEL accepts, is tagged alert."""
    [event] = porttrack.process([{"message": f"2026-11-27T06:00:01Z {level} crane QC-3 hydraulic failure"}])
    assert "alert" in event.tags


@pytest.mark.parametrize("level", ["INFO", "WARN", "DEBUG", "TRACE", "notice"])
def test_porttrack_conf_does_not_alert_below_error(porttrack, level):
    """Levels below ERROR are not alerts."""
    [event] = porttrack.process([{"message": f"2026-11-27T06:00:01Z {level} routine"}])
    assert "alert" not in event.tags


def test_porttrack_conf_keeps_an_unparsed_line_whole_and_tagged(porttrack):
    """A stack-trace line is kept as is, tagged _grokparsefailure, with its original and no alert."""
    line = "\tat com.porttrack.Worker.run(Worker.java:42)"
    [event] = porttrack.process([{"message": line}])
    assert event.get("message") == line
    assert event.get("[event][original]") == line
    assert event.tags == ["_grokparsefailure"]


def test_porttrack_conf_keeps_an_existing_original(porttrack):
    """An event that arrives with [event][original] keeps it (not overwritten by the stripped message)."""
    [event] = porttrack.process(
        [{"message": "2026-11-27T06:00:01Z INFO ok", "event": {"original": "raw bytes as shipped"}}]
    )
    assert event.get("[event][original]") == "raw bytes as shipped"


def test_porttrack_conf_has_no_lint_warnings():
    """The project's own pipeline is clean under `check`."""
    assert lint(Pipeline.from_config(PIPELINES / "porttrack.conf")) == []


@pytest.mark.parametrize(
    "stamp, expected",
    [
        ("2026-11-27T06:00:01.250Z", datetime(2026, 11, 27, 6, 0, 1, 250000, tzinfo=timezone.utc)),
        ("2026-11-27 06:00:01,250", datetime(2026, 11, 27, 6, 0, 1, 250000, tzinfo=timezone.utc)),
        ("2026-11-27 06:00:01", datetime(2026, 11, 27, 6, 0, 1, tzinfo=timezone.utc)),
        ("2026-11-27T07:00:01+01:00", datetime(2026, 11, 27, 6, 0, 1, tzinfo=timezone.utc)),
    ],
)
def test_porttrack_conf_reads_the_timestamp_shapes_services_print(porttrack, stamp, expected):
    """ISO8601 with T or a fraction, and the plain date-time, all set @timestamp (UTC when no offset)."""
    [event] = porttrack.process([{"message": f"{stamp} INFO gate 3 open"}])
    assert event.get("@timestamp") == expected and event.tags == []
