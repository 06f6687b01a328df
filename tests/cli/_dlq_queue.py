"""The dead letter queue the `dlq` command tests read: a decode record and two output records, as
the runtime writes them."""

from __future__ import annotations

from pathlib import Path

import orjson

from porttrack_logs import Event
from porttrack_logs.sinks.base import provenance
from porttrack_logs.sinks.dead_letter import DeadLetterQueue

BROKEN = b'{"log": "gate \xff jammed'  #: the decode record's input: no UTF-8
MAPPING_REASON = "failed to parse field [log.level] of type [long]"  #: the output records' reason


def write_queue(directory: Path) -> Path:
    """A decode record (input that is no UTF-8) and two output records (ids doc-0, doc-1) in `directory`."""
    with DeadLetterQueue(directory) as queue:
        queue.put("invalid JSON: unexpected end of data at byte 22", stage="decode", original=BROKEN, place="pod.log@120")
        for n, message in enumerate(["GET 200", "PUT 500"]):
            event = Event({"message": message, "log": {"level": "INFO"}})
            provenance(event).update({"id": f"doc-{n}", "original": orjson.dumps({"message": message}),
                                      "place": f"pod.log@{200 + n}"})
            queue.put(MAPPING_REASON, stage="output", event=event, plugin="elasticsearch@9:3",
                      error_type="mapper_parsing_exception", status=400, index="porttrack-logs-2026.12.01")
    return directory
