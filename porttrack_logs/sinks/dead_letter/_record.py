"""One dead letter record: its fields, its framing on disk (`crc32 json\\n`), and its id (`segment@offset`)."""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import datetime, timezone
from typing import Any

import msgspec

from ...codec import encode
from ...event import Event
from ..base import PROVENANCE, id_of, place_of

__all__ = ["DeadLetter", "encode_record", "frame", "unframe", "parse_id", "format_id", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_DECODE = msgspec.json.Decoder()
_ID = re.compile(r"^(\d+)(?:\.dlq)?@(\d+)$")


def format_id(segment: int, offset: int) -> str:
    """A record's id: its segment number and the byte offset of its line there, `3@4096`."""
    return f"{segment}@{offset}"


def parse_id(text: str) -> tuple[int, int]:
    """(segment, offset) from `3@4096` or `00000003.dlq@4096`; ValueError otherwise."""
    match = _ID.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is no dead letter record id (SEGMENT@OFFSET, e.g. 1@0, as `dlq list` prints)")
    return int(match.group(1)), int(match.group(2))


def frame(payload: bytes) -> bytes:
    """One line on disk: the CRC32 of the JSON payload in 8 hex digits, a space, the payload, a newline.
    The payload is JSON without raw newlines, so a line is a record and a record is a line."""
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def unframe(line: bytes) -> bytes | str:
    """The payload of a framed line, or why the line is no whole record."""
    if not line.endswith(b"\n"):
        return "incomplete record (no end of line)"
    if len(line) < 11 or line[8:9] != b" ":
        return "no record frame (CRC32 and space expected)"
    try:
        crc = int(line[:8], 16)
    except ValueError:
        return "no record frame (CRC32 and space expected)"
    payload = line[9:-1]
    if zlib.crc32(payload) != crc:
        return "checksum mismatch"
    return payload


def _as_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


def _without_original(meta: dict) -> dict:
    """`@metadata` minus the provenance's copy of the original input (stored once, beside it)."""
    info = meta.get(PROVENANCE)
    if isinstance(info, dict) and "original" in info:
        return {**meta, PROVENANCE: {k: v for k, v in info.items() if k != "original"}}
    return meta


def encode_record(
    reason: str,
    *,
    place: str = "",
    stage: str = "pipeline",
    original: bytes | str | None = None,
    event: Event | dict[str, Any] | None = None,
    plugin: str | None = None,
    error_type: str | None = None,
    status: int | None = None,
    index: str | None = None,
) -> bytes:
    """The framed line for one record. The original input, the document id and the place come from the
    event's `[@metadata][_porttrack]` when not given; the original is stored once, as text when it is
    valid UTF-8 and as base64 otherwise, so its exact bytes come back."""
    stored: dict[str, Any] | None
    info: Any = None
    if isinstance(event, Event):
        meta = event.metadata
        info = meta.get(PROVENANCE)
        stored = dict(event.raw_fields())
        if meta:
            stored["@metadata"] = _without_original(meta)
    elif isinstance(event, dict):
        stored = event
        meta = event.get("@metadata")
        if isinstance(meta, dict):
            info = meta.get(PROVENANCE)
            stored = {**event, "@metadata": _without_original(meta)}
    else:
        stored = None
    if not isinstance(info, dict):
        info = {}
    raw = _as_bytes(original if original is not None else info.get("original"))
    record: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "time": datetime.now(timezone.utc),
        "stage": stage,
        "plugin": plugin,
        "place": place or place_of(info),
        "reason": str(reason),
        "error_type": error_type,
        "status": status,
        "index": index,
        "id": id_of(info),
    }
    if raw is not None:
        try:
            record["original"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            record["original_base64"] = base64.b64encode(raw).decode("ascii")
    record["event"] = stored
    try:
        payload = encode(record)
        payload.decode("utf-8")  # an undecoded value (msgspec.Raw) is written as it came: bytes that are no UTF-8 make no JSON
    except (TypeError, ValueError, OverflowError, RecursionError, msgspec.EncodeError):
        # Text that is no UTF-8 (a lone surrogate from a `\ud800` escape, raw input bytes) or a value msgspec
        # refuses: the stdlib writes what it can as ASCII escapes, and reading falls back to it the same way.
        try:
            payload = json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=_plain).encode("ascii")
        except (TypeError, ValueError, RecursionError) as exc:  # keep the rest, and say why the event is not there
            record["event"] = None
            record["event_error"] = f"the event could not be stored as JSON: {exc}"
            payload = json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=_plain).encode("ascii")
    return frame(payload)


def _plain(value: Any) -> Any:
    """For the stdlib fallback: values the codec would write, as plain JSON values."""
    if isinstance(value, msgspec.Raw):  # invalid UTF-8 replaced: the exact bytes are in `original_base64`
        return json.loads(bytes(value).decode("utf-8", "replace"))
    if isinstance(value, datetime):
        return encode(value).decode("utf-8").strip('"')
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


class DeadLetter:
    """A record read back: where it is (`id`, `segment`, `offset`, `size`) and what it holds.

    `original` is the exact input bytes (None when there was none); `event` the event's fields and
    `@metadata` as they were when rejected (None when there was no event yet, as for a decode error).
    """

    __slots__ = (
        "segment", "offset", "line", "time", "stage", "plugin", "place", "reason",
        "error_type", "status", "index", "doc_id", "original", "event", "event_error",
    )

    def __init__(self, segment: int, offset: int, line: bytes, fields: dict[str, Any]) -> None:
        self.segment = segment
        self.offset = offset
        self.line = line  # the framed bytes, copied as they are when a compaction keeps the record
        self.time: str = fields.get("time") or ""
        self.stage: str = fields.get("stage") or ""
        self.plugin: str | None = fields.get("plugin")
        self.place: str = fields.get("place") or ""
        self.reason: str = fields.get("reason") or ""
        self.error_type: str | None = fields.get("error_type")
        self.status: int | None = fields.get("status")
        self.index: str | None = fields.get("index")
        self.doc_id: str | None = fields.get("id")
        if "original_base64" in fields:
            self.original: bytes | None = base64.b64decode(fields["original_base64"])
        elif fields.get("original") is not None:
            self.original = fields["original"].encode("utf-8")
        else:
            self.original = None
        self.event: dict[str, Any] | None = fields.get("event")
        self.event_error: str | None = fields.get("event_error")

    @classmethod
    def parse(cls, segment: int, offset: int, line: bytes) -> "DeadLetter | str":
        """The record on a framed line, or why it is none."""
        payload = unframe(line)
        if isinstance(payload, str):
            return payload
        try:
            fields = _DECODE.decode(payload)
        except msgspec.DecodeError as exc:
            try:  # written by the stdlib fallback (lone surrogates as escapes)
                fields = json.loads(payload)
            except ValueError:
                return f"checksum fits but the payload is no JSON ({exc})"
        if not isinstance(fields, dict) or fields.get("v") != FORMAT_VERSION:
            return f"not a version {FORMAT_VERSION} dead letter record"
        return cls(segment, offset, line, fields)

    @property
    def id(self) -> str:
        return format_id(self.segment, self.offset)

    @property
    def size(self) -> int:
        return len(self.line)

    def to_dict(self) -> dict[str, Any]:
        """Every field, for people (`dlq show`): the original as base64 (exact) and as text when it is UTF-8."""
        original: dict[str, Any] | None = None
        if self.original is not None:
            original = {"bytes": len(self.original), "base64": base64.b64encode(self.original).decode("ascii")}
            try:
                original["text"] = self.original.decode("utf-8")
            except UnicodeDecodeError:
                original["text"] = None
        shown = {
            "id": self.id,
            "time": self.time,
            "stage": self.stage,
            "plugin": self.plugin,
            "place": self.place,
            "status": self.status,
            "error_type": self.error_type,
            "reason": self.reason,
            "index": self.index,
            "document_id": self.doc_id,
            "original": original,
            "event": self.event,
        }
        if self.event_error:
            shown["event_error"] = self.event_error
        return shown
