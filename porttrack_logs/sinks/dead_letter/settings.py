"""Validated settings of the dead letter queue, with Logstash's names and byte sizes (`1024mb`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ._queue import MAX_BYTES, SEGMENT_BYTES, DeadLetterQueue

__all__ = ["DeadLetterQueueSettings", "parse_bytes"]

_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|mb|gb|tb|pb)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}


def parse_bytes(value: Any) -> Any:
    """A byte size as Logstash writes one (`1024mb`, `1gb`, `512kb`, units of 1024) or a plain number."""
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match is None:
            raise ValueError(f"{value!r} is no byte size: a number with an optional unit b, kb, mb, gb, tb or pb (e.g. 1024mb)")
        return int(match.group(1)) * _UNITS[(match.group(2) or "b").lower()]
    return value


ByteSize = Annotated[int, BeforeValidator(parse_bytes), Field(gt=0)]


class DeadLetterQueueSettings(BaseModel):
    """`path` (Logstash's `path.dead_letter_queue`, here the queue's own directory),
    `max_bytes` (`dead_letter_queue.max_bytes`, default 1024mb) and the size of one segment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = "out/dead_letter_queue"
    max_bytes: ByteSize = MAX_BYTES
    segment_bytes: ByteSize = SEGMENT_BYTES

    def build(self) -> DeadLetterQueue:
        """Open the queue (takes its directory's lock)."""
        return DeadLetterQueue(self.path, max_bytes=self.max_bytes, segment_bytes=self.segment_bytes)
