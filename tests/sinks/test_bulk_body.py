"""The _bulk body builder: one action line and one document per event, in one buffer."""

import orjson

from porttrack_logs import Event
from porttrack_logs.codec import decode_event
from porttrack_logs.sinks.bulk import ActionLines, BulkBody


def test_body_is_action_then_document_per_event_each_on_its_own_line():
    """NDJSON as _bulk wants it: action, source, action, source, trailing newline."""
    action = ActionLines("create")
    body = BulkBody()
    body.add(action("porttrack-logs-2026.11.27"), Event({"message": "a", "@timestamp": "2026-11-27T06:00:00Z"}))
    body.add(action("porttrack-logs-2026.11.28"), decode_event(b'{"message": "b", "k": {"x" : 1}}'))
    raw = body.to_bytes()
    assert raw.endswith(b"\n") and body.count == 2
    lines = raw.split(b"\n")[:-1]
    assert [orjson.loads(line) for line in lines[0::2]] == [
        {"create": {"_index": "porttrack-logs-2026.11.27"}},
        {"create": {"_index": "porttrack-logs-2026.11.28"}},
    ]
    first, second = orjson.loads(lines[1]), orjson.loads(lines[3])
    assert first["message"] == "a" and first["@timestamp"] == "2026-11-27T06:00:00Z"
    assert second["k"] == {"x": 1} and b'"k":{"x" : 1}' in lines[3]  # undecoded value written as it came


def test_action_line_escapes_the_index_name_and_is_reused():
    """An index name is JSON-escaped, and the same name gives the very same bytes object."""
    action = ActionLines()
    line = action('odd"name')
    assert orjson.loads(line) == {"index": {"_index": 'odd"name'}}
    assert action('odd"name') is line
