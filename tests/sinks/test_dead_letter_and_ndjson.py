"""The NDJSON writer (the dead letter queue has its own tests: test_dead_letter*.py)."""

import io
from datetime import datetime, timezone

import orjson

from porttrack_logs import Event
from porttrack_logs.sinks.ndjson import NdjsonWriter


def test_ndjson_writes_one_object_per_line_without_metadata_and_utc_z():
    """Each event is one JSON line; @metadata is left out; @timestamp ends in Z."""
    out = io.BytesIO()
    ts = datetime(2026, 11, 27, 6, 0, 0, 332000, tzinfo=timezone.utc)
    events = [Event({"message": "a", "@timestamp": ts, "@metadata": {"x": 1}}), Event({"message": "b"})]
    assert NdjsonWriter(out).write(events) == 2
    lines = out.getvalue().splitlines()
    first = orjson.loads(lines[0])
    assert first["message"] == "a" and "@metadata" not in first
    assert first["@timestamp"] == "2026-11-27T06:00:00.332000Z"
    assert orjson.loads(lines[1])["message"] == "b"

