"""Container log files: Docker json-file, CRI, Filebeat NDJSON or plain lines, read into events.

Each record becomes an event shaped as Filebeat's container input ships it (`message`, `stream`,
`@timestamp` from the runtime's own time, `[log][file][path]`, `[log][offset]`); a Filebeat event
keeps its own fields, undecoded until read. Every event is built by the codec's builder
(`codec.event_from_fields`) and carries its provenance in `[@metadata][_porttrack]`, in the
compact form (see `sinks.base`: the offset and the file's two prefixes, no text made per record):

    place     "path@offset", the byte offset where the record starts (`sinks.base.place_of`)
    id        "<file identity>-<offset>": the same for a copy or a renamed file, so a reprocessed
              file gives the same document ids (see `file_identity`); unique per record, and
              ids sharing a prefix are what Lucene looks up fastest (unlike random hashes) (`id_of`)
    original  the record's bytes exactly as read, its line terminator included (`unterminated`
              gives them without; the dead letter queue stores them so, as it stores rejects)

A JSON line whose `log` is a string and that has no `@timestamp` of its own is a Docker json-file
line; any other JSON object is an event as shipped (Filebeat's). Partial lines (Docker's 16 KiB splits without a trailing newline, CRI's `P` tag) are joined before
decoding. A line that cannot be decoded becomes a `Rejected` record naming the file and byte offset.

Bytes that are no UTF-8 are replaced by U+FFFD, as Logstash's and Filebeat's readers do, but never
silently: the event is tagged `_invalid_utf8` (the runtime's summary counts tags) and its
`original` keeps the exact bytes, which is what a dead-letter record of it stores. A CRI record
split into `P` pieces is checked once joined (containerd may split inside a character).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import select
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Literal

import msgspec

from ..codec import LAZY, DecodeFailure, JsonError, decode_fields, decode_object, event_from_fields
from ..event import Event, decode_lazy
from ..sinks.base import PROVENANCE

__all__ = [
    "LogFormat",
    "unterminated",
    "ReadBatch",
    "Rejected",
    "decode_lines",
    "file_identity",
    "open_log",
    "read_batches",
    "read_container_log",
    "IDENTITY_BYTES",
    "INVALID_UTF8_TAG",
]

LogFormat = Literal["auto", "docker", "cri", "ndjson", "plain"]

#: How much of a file's start identifies it, as Filebeat's fingerprint file identity (1 KiB).
IDENTITY_BYTES = 1024

#: The tag of an event whose input held bytes that are no UTF-8 (replaced by U+FFFD in its fields).
INVALID_UTF8_TAG = "_invalid_utf8"
_BAD = "\x00invalid_utf8"  # marks decoded fields that needed a replacement (never a real field name)

_CRI = re.compile(rb"^(\S+) (stdout|stderr) ([PF])(?: (.*))?$", re.DOTALL)


class _DockerLine(msgspec.Struct, gc=False):
    """What a Docker json-file line holds, decoded in one call (`attrs` and other keys skipped).
    A line this does not fit (a `stream` or `time` no string, a `@timestamp` of its own, no JSON)
    takes the general path, which decides as before."""

    log: str
    stream: str = "stdout"
    time: str | None = None
    stamp: msgspec.Raw = msgspec.field(default=msgspec.Raw(b""), name="@timestamp")


_DOCKER_LINE = msgspec.json.Decoder(_DockerLine).decode
_DOCKER_START = b'{"log":"'  # how dockerd writes every line: `log` first (8 bytes)
_NOT_DOCKER = (msgspec.DecodeError,)  # ValidationError is a DecodeError


@dataclass(slots=True)
class Rejected:
    """A record that could not be decoded: where it is, why, and its bytes (without the line terminator)."""

    source: str
    offset: int
    reason: str
    raw: bytes

    @property
    def place(self) -> str:
        return f"{self.source}@{self.offset}"


@dataclass(slots=True)
class ReadBatch:
    """Up to a batch of records of one source: events, rejects, and the byte offset just past the
    last record (the position to acknowledge once all of them are done). `idle`: the source had
    nothing more to read right away (a stream), so what is pending should be delivered now."""

    source: str
    end: int
    events: list[Event] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    idle: bool = False


def file_identity(head: bytes) -> str:
    """A file's identity from the first `IDENTITY_BYTES` of its content (decompressed for .gz):
    16 hex digits of their SHA-256. A copy or a renamed file has the same identity; a file
    shorter than that is identified by what it has."""
    return hashlib.sha256(head[:IDENTITY_BYTES]).hexdigest()[:16]


def open_log(path: str | Path) -> BinaryIO:
    """A log file opened for reading, decompressed when its name ends in `.gz`."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb", buffering=1 << 18)  # fewer read calls than the default 8 KiB


def read_container_log(path: str | Path, fmt: LogFormat = "auto") -> Iterator[Event | Rejected]:
    """Decode a container log file record by record."""
    with open_log(path) as fh:
        yield from decode_lines(fh, str(path), fmt)


def decode_lines(stream: BinaryIO, source: str, fmt: LogFormat = "auto") -> Iterator[Event | Rejected]:
    """Decode an open binary stream of log lines (a file or stdin), record by record."""
    for batch in read_batches(stream, source, fmt):
        yield from _in_order(batch)


def _in_order(batch: ReadBatch) -> Iterator[Event | Rejected]:
    records: list[tuple[int, Event | Rejected]] = [(_offset(e), e) for e in batch.events]
    records += [(r.offset, r) for r in batch.rejected]
    records.sort(key=lambda pair: pair[0])
    for _, record in records:
        yield record


def _offset(event: Event) -> int:
    return event.metadata[PROVENANCE]["offset"]


def read_batches(
    stream: BinaryIO,
    source: str,
    fmt: LogFormat = "auto",
    batch_size: int = 125,
    *,
    streaming: bool = False,
    start: int = 0,
) -> Iterator[ReadBatch]:
    """Read `stream` into batches of up to `batch_size` records. The stream's identity comes from its
    first `IDENTITY_BYTES` (a regular file is peeked at; a stream is identified by its first line).
    With `streaming`, a batch is also handed over as soon as nothing more can be read at once.
    `start` (a regular file): resume at this byte offset of the (decompressed) content, a record
    boundary a batch's `end` gave before; offsets, places and ids stay those of a whole read."""
    if streaming:
        identity = None
    elif start:
        stream.seek(0)
        identity = file_identity(stream.read(IDENTITY_BYTES))
        stream.seek(start)  # a .gz decompresses its way there
    else:
        identity = file_identity(_peek(stream))
    offset = start
    pending: list[bytes] = []  # the pieces of a partial record, as read
    pending_start = 0
    pending_kind = ""
    batch = ReadBatch(source, start)
    events, rejected = batch.events, batch.rejected
    append = events.append
    count = 0
    build, decode, json_first, docker_too = event_from_fields, decode_fields, fmt in ("auto", "ndjson"), fmt == "auto"
    docker_first, docker_line = fmt in ("auto", "docker"), _DOCKER_LINE
    id_prefix = place_prefix = ""
    for lines in _stream_chunks(stream) if streaming else _file_chunks(stream):
        if lines is None:  # a stream went idle: hand over what there is
            if count:
                batch.end, batch.idle = offset, True
                yield batch
                batch = ReadBatch(source, offset)
                events, rejected, count = batch.events, batch.rejected, 0
                append = events.append
            continue
        if identity is None:
            identity = file_identity(lines[0])  # a stream: its first line (what one read returns varies)
        if not id_prefix:
            id_prefix, place_prefix = identity + "-", source + "@"
        starts = list(accumulate(map(len, lines), initial=offset))  # where each line starts, and the chunk's end
        offset = starts.pop()
        for raw, start in zip(lines, starts):  # each with its "\n", but the last line of a stream may have none
            if count >= batch_size:  # the batch is full: it ends before this line
                batch.end = start if not pending else pending_start
                yield batch
                batch = ReadBatch(source, batch.end)
                events, rejected, count = batch.events, batch.rejected, 0
                append = events.append
            # A line that starts with "{" and ends no partial record: the JSON paths, which nearly
            # every line of a container log takes (kept short: this loop runs once a record).
            if raw[0] == 123 and not pending:
                # `raw[2:3]` is a cached one-byte object: a Filebeat line ('{"@timestamp"...') is
                # told from a Docker one at once, and a slice compared costs a third of the
                # argument parsing of a startswith call
                if docker_first and raw[2:3] == b"l" and raw[:8] == _DOCKER_START:  # Docker json-file, one decode
                    clean = raw if raw.isascii() else _valid_utf8(raw)
                    try:
                        line = docker_line(clean)
                    except _NOT_DOCKER:
                        line = None
                    if line is not None and not line.stamp:
                        text = line.log
                        if text[-1:] != "\n":  # a partial piece: kept until the final one arrives
                            pending_start, pending_kind = start, "json"
                            pending.append(raw)
                            continue
                        fields = {"message": text[:-1], "stream": line.stream}
                        if line.time is not None:
                            fields["@timestamp"] = line.time
                        fields["log"] = {"file": {"path": source}, "offset": start}
                        event = build(fields)
                        if clean is not raw:
                            event.tag(INVALID_UTF8_TAG)
                        event._meta[PROVENANCE] = {"offset": start, "original": raw, "stream": place_prefix, "stream_id": id_prefix}
                        append(event)
                        count += 1
                        continue
                if json_first:  # a whole event, the codec's own path
                    clean = raw if raw.isascii() else _valid_utf8(raw)
                    try:
                        fields = decode(clean)
                    except DecodeFailure:
                        rejected.append(Rejected(source, start, f"json line: invalid JSON ({_why(clean)})", _unterminated(raw)))
                        count += 1
                        continue
                    if "log" not in fields:
                        fields["log"] = {"file": {"path": source}, "offset": start}
                    elif docker_too and "@timestamp" not in fields and _is_text(fields["log"]):
                        fields = _docker(fields)  # `log` a string, no @timestamp: a Docker json-file line
                        if fields is None:  # a partial piece
                            pending_start, pending_kind = start, "json"
                            pending.append(raw)
                            continue
                        fields["log"] = {"file": {"path": source}, "offset": start}
                    event = build(fields)
                    if clean is not raw:
                        event.tag(INVALID_UTF8_TAG)
                    event._meta[PROVENANCE] = {"offset": start, "original": raw, "stream": place_prefix, "stream_id": id_prefix}
                    append(event)
                    count += 1
                    continue
            line = raw.rstrip(b"\n")
            if line[-1:] == b"\r":
                line = line[:-1]
            if not line or line.isspace():
                continue
            if fmt == "auto":
                cri = None if line[0] == 123 else _CRI.match(line)
                kind = "json" if line[0] == 123 else "plain" if cri is None else "cri"
            else:
                kind = fmt
                cri = _CRI.match(line) if kind == "cri" else None
            try:
                fields = _decode(kind, line) if cri is None else _cri(cri)
            except ValueError as exc:
                rejected.append(Rejected(source, start, f"{kind} line: {exc}", line))
                count += 1
                continue
            original = raw
            if fields is None:  # a partial record: keep it until the final piece arrives
                if not pending:
                    pending_start, pending_kind = start, kind
                pending.append(raw)
                continue
            if pending:
                pending.append(raw)
                original = b"".join(pending)
                start = pending_start
                pending = []
                try:
                    fields = _join(pending_kind, _unterminated(original))
                except ValueError as exc:
                    rejected.append(Rejected(source, start, f"{pending_kind} line: {exc}", _unterminated(original)))
                    count += 1
                    continue
            bad = fields.pop(_BAD, False) if _BAD in fields else False
            if "log" not in fields:  # a Filebeat event carries its own [log]; others get one
                fields["log"] = {"file": {"path": source}, "offset": start}
            event = build(fields)
            if bad:
                event.tag(INVALID_UTF8_TAG)
            event._meta[PROVENANCE] = {"offset": start, "original": original, "stream": place_prefix, "stream_id": id_prefix}
            append(event)
            count += 1
    if pending:
        rejected.append(Rejected(source, pending_start, "file ends inside a partial record", _unterminated(b"".join(pending))))
        count += 1
    if count or offset != batch.end:  # records left, or lines (blank ones) read past the last batch
        batch.end = offset
        yield batch


_CHUNK = 1 << 16  # lines of about 64 KiB at a time: a batch or so, still in the caches when decoded


def _file_chunks(stream: BinaryIO) -> Iterator[list[bytes]]:
    """A file's lines (each with its "\\n"), about `_CHUNK` bytes of them at a time."""
    while True:
        lines = stream.readlines(_CHUNK)
        if not lines:
            break
        yield lines


def _stream_chunks(stream: BinaryIO) -> Iterator[list[bytes] | None]:
    """The lines of a stream (a pipe, a terminal) as they arrive; None whenever no more is ready at once."""
    fd = stream.fileno()
    tail = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            yield None
            select.select([fd], [], [])
        data = os.read(fd, 65536)
        if not data:
            break
        lines = io.BytesIO(tail + data).readlines()
        tail = b"" if lines[-1][-1:] == b"\n" else lines.pop()
        if lines:
            yield lines
    if tail:
        yield [tail]


def unterminated(data: bytes) -> bytes:
    """Bytes as read without the line terminator at their end ("\\n" or "\\r\\n")."""
    if data[-1:] == b"\n":
        return data[:-2] if data[-2:-1] == b"\r" else data[:-1]
    return data


_unterminated = unterminated


def _why(data: bytes) -> str:
    """Why `data` is no JSON object, as `codec.decode_object` says it."""
    try:
        decode_object(data)
    except JsonError as exc:
        return str(exc)
    return "not a JSON object"


def _peek(stream: BinaryIO) -> bytes:
    """The first bytes of a regular file without moving its position."""
    position = stream.tell()
    head = stream.read(IDENTITY_BYTES)
    stream.seek(position)
    return head


def _valid_utf8(data: bytes) -> bytes:
    """`data` itself when it is UTF-8; else a copy with each invalid sequence replaced by U+FFFD."""
    try:
        data.decode()
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode()
    return data


def _text(data: bytes, fields: dict) -> str:
    """`data` as text; invalid UTF-8 replaced, and `fields` marked so the event is tagged."""
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode()
    except UnicodeDecodeError:
        fields[_BAD] = True
        return data.decode("utf-8", "replace")


def _decode(kind: str, line: bytes) -> dict | None:
    """The record's top-level fields, or None for a partial piece. Raises ValueError."""
    if kind == "plain":
        fields: dict = {}
        fields["message"] = _text(line, fields)
        return fields
    if kind == "cri":
        raise ValueError("expected '<time> <stdout|stderr> <P|F> <text>'")  # the caller matched: no match
    clean = _valid_utf8(line)
    try:
        doc = decode_object(clean)
    except JsonError as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    log = doc.get("log") if kind != "ndjson" else None
    if log is not None and (kind == "docker" or "@timestamp" not in doc) and _is_text(log):  # a Docker json-file line
        text = decode_lazy(log)
        if not text.endswith("\n"):
            return None
        event = {"message": text[:-1], "stream": decode_lazy(doc.get("stream", "stdout"))}
        if "time" in doc:
            event["@timestamp"] = decode_lazy(doc["time"])
        doc = event
    elif kind == "docker":
        raise ValueError("expected a Docker json-file object with a 'log' string")
    if clean is not line:
        doc[_BAD] = True
    return doc


def _cri(match: re.Match) -> dict | None:
    """The fields of a matched CRI line, or None for a partial (`P`) piece."""
    stamp, stream, tag, text = match.groups()
    if tag == b"P":
        return None
    fields = {"@timestamp": stamp.decode("ascii", "replace"), "stream": stream.decode()}
    fields["message"] = _text(text or b"", fields)
    return fields


def _is_text(value: object) -> bool:
    """Whether an undecoded JSON value is a string."""
    return value.__class__ is LAZY and memoryview(value)[0] == 34  # type: ignore[arg-type]


def _docker(doc: dict) -> dict | None:
    """The fields of a Docker json-file line (its `log` a string), or None for a partial piece."""
    text = decode_lazy(doc["log"])
    if not text.endswith("\n"):
        return None
    event = {"message": text[:-1], "stream": decode_lazy(doc.get("stream", "stdout"))}
    if "time" in doc:
        event["@timestamp"] = decode_lazy(doc["time"])
    return event


def _join(kind: str, data: bytes) -> dict:
    """The fields of a record split into partial lines (`data`: the pieces as read)."""
    lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
    if kind == "cri":
        parts = [_CRI.match(line) for line in lines]
        if any(p is None for p in parts):
            raise ValueError("expected '<time> <stdout|stderr> <P|F> <text>'")
        last = parts[-1]
        fields = {"@timestamp": last.group(1).decode("ascii", "replace"), "stream": last.group(2).decode()}
        fields["message"] = _text(b"".join(p.group(4) or b"" for p in parts), fields)  # checked joined
        return fields
    cleaned = [_valid_utf8(line) for line in lines]
    try:
        docs = [{k: decode_lazy(v) for k, v in decode_object(line).items()} for line in cleaned]
    except JsonError as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    text = "".join(d["log"] for d in docs)
    event = {"message": text.rstrip("\n"), "stream": docs[-1].get("stream", "stdout")}
    if "time" in docs[-1]:
        event["@timestamp"] = docs[-1]["time"]
    if any(c is not line for c, line in zip(cleaned, lines)):
        event[_BAD] = True
    return event
