"""The NDJSON writer and the dead letter queue."""

import io
from datetime import datetime, timezone

import orjson

from porttrack_logs import Event
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
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


def test_dead_letter_round_trip_keeps_reason_place_and_original(tmp_path):
    """What goes into the queue comes back out with its reason, place and original bytes."""
    path = tmp_path / "dlq" / "dead.ndjson"
    dlq = DeadLetterQueue(path)
    dlq.put("invalid JSON", place="pod.log@120", stage="decode", original=b'{"log": ')
    dlq.put("mapping conflict", place="es", stage="deliver", event=Event({"message": "m"}))
    dlq.close()
    entries = list(DeadLetterQueue.read(path))
    assert [e["reason"] for e in entries] == ["invalid JSON", "mapping conflict"]
    assert entries[0]["original"] == '{"log": ' and entries[0]["place"] == "pod.log@120"
    assert entries[1]["event"]["message"] == "m" and entries[1]["stage"] == "deliver"
    assert dlq.count == 2
