"""The dead letter queue: one durable, local queue of what could not be decoded, filtered or
delivered, with the reason, to look at (`porttrack-logs dlq list|show`) and to replay.

On disk, a directory of append-only segment files (`00000001.dlq`, a new one past `segment_bytes`,
and a fresh one for every writer). A record is one line: the CRC32 of its payload in hex, a space,
the payload as JSON, a newline. A line that is cut short (a crash mid-write) or does not match its
checksum is skipped by readers with a warning naming the segment and byte offset. The payload:

    v           format version (1)
    time        when it was put (RFC 3339, UTC)
    stage       decode, filter (or pipeline), output
    plugin      the plugin's id, when a plugin rejected it
    place       where the input came from (`file@offset`, `topic/partition@offset`)
    reason, error_type, status   why: the message, the error's type, an output's HTTP status
    index       the index an output tried to write to
    id          the document id, when the event had one
    original    the input exactly as it came, when it is UTF-8 text; else
    original_base64   the same bytes, base64
    event       the event when rejected: its fields and `@metadata` (minus the copy of the original)

A record's id is `segment@offset` (`3@4096`); a replay or a removal rewrites the queue, and ids change.
"""

from ...errors import DeadLetterQueueFull
from ._queue import MAX_BYTES, SEGMENT_BYTES, DeadLetterQueue, read
from ._record import DeadLetter, format_id, parse_id
from ._replay import ReplaySummary, decode_json, event_of, replay
from ._segments import Damage
from .settings import DeadLetterQueueSettings, parse_bytes

__all__ = [
    "DeadLetterQueue", "DeadLetter", "DeadLetterQueueFull", "DeadLetterQueueSettings", "Damage",
    "ReplaySummary", "replay", "read", "event_of", "decode_json", "format_id", "parse_id", "parse_bytes",
    "MAX_BYTES", "SEGMENT_BYTES",
]
