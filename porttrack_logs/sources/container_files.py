"""Container log files for batch jobs: Docker json-file, CRI, Filebeat NDJSON or plain lines.

Each record becomes an event shaped as Filebeat's container input ships it (`message`, `stream`,
`@timestamp` from the runtime's own time, `[log][file][path]`, `[log][offset]`); a Filebeat
event keeps its own fields, its nested values left undecoded until read (`porttrack_logs.codec`). Partial lines
(Docker's 16 KiB splits without a trailing newline, CRI's `P` tag) are joined before decoding.
A line that cannot be decoded becomes a `Rejected` record naming the file and byte offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Literal

from ..codec import JsonError, decode_object
from ..event import decode_lazy

__all__ = ["Record", "Rejected", "read_container_log", "decode_lines", "LogFormat"]

LogFormat = Literal["auto", "docker", "cri", "ndjson", "plain"]

_CRI = re.compile(rb"^(\S+) (stdout|stderr) ([PF])(?: (.*))?$", re.DOTALL)


@dataclass(slots=True)
class Record:
    """One decoded event and the byte offset just past it (the position to acknowledge)."""

    event: dict
    offset: int


@dataclass(slots=True)
class Rejected:
    """A line that could not be decoded: where it is, why, and its raw bytes."""

    source: str
    offset: int
    reason: str
    raw: bytes

    @property
    def place(self) -> str:
        return f"{self.source}@{self.offset}"


def read_container_log(path: str | Path, fmt: LogFormat = "auto") -> Iterator[Record | Rejected]:
    """Decode a container log file record by record."""
    path = Path(path)
    with path.open("rb") as fh:
        yield from decode_lines(fh, str(path), fmt)


def decode_lines(stream: BinaryIO, source: str, fmt: LogFormat = "auto") -> Iterator[Record | Rejected]:
    """Decode an open binary stream of log lines (a file or stdin)."""
    offset = 0
    pending: list[bytes] = []
    pending_start = 0
    pending_kind = ""
    for raw in stream:
        start, offset = offset, offset + len(raw)
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        kind = fmt if fmt != "auto" else _detect(line)
        try:
            decoded = _decode(kind, line)
        except ValueError as exc:
            yield Rejected(source, start, f"{kind} line: {exc}", line)
            continue
        if decoded is None:  # a partial record: keep it until the final piece arrives
            if not pending:
                pending_start, pending_kind = start, kind
            pending.append(line)
            continue
        if pending:
            decoded = _join(pending_kind, pending + [line])
            start = pending_start
            pending = []
        if "log" not in decoded:  # a Filebeat event carries its own [log]; others get one
            decoded["log"] = {"file": {"path": source}, "offset": start}
        yield Record(decoded, offset)
    if pending:
        yield Rejected(source, pending_start, "file ends inside a partial record", b"\n".join(pending))


def _detect(line: bytes) -> str:
    if line[:1] == b"{":
        return "json"
    if _CRI.match(line):
        return "cri"
    return "plain"


def _decode(kind: str, line: bytes) -> dict | None:
    if kind == "plain":
        return {"message": line.decode("utf-8", "replace")}
    if kind == "cri":
        match = _CRI.match(line)
        if match is None:
            raise ValueError("expected '<time> <stdout|stderr> <P|F> <text>'")
        if match.group(3) == b"P":
            return None
        return {
            "@timestamp": match.group(1).decode(),
            "stream": match.group(2).decode(),
            "message": (match.group(4) or b"").decode("utf-8", "replace"),
        }
    try:
        doc = decode_object(line)
    except JsonError as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    log = decode_lazy(doc["log"]) if kind in ("json", "docker") and "log" in doc else None
    if isinstance(log, str):  # a Docker json-file line
        if not log.endswith("\n"):
            return None
        event = {"message": log[:-1], "stream": decode_lazy(doc.get("stream", "stdout"))}
        if "time" in doc:
            event["@timestamp"] = decode_lazy(doc["time"])
        return event
    if kind == "docker":
        raise ValueError("expected a Docker json-file object with a 'log' string")
    if log is not None:
        doc["log"] = log
    return doc


def _join(kind: str, lines: list[bytes]) -> dict:
    if kind == "cri":
        parts = [_CRI.match(line) for line in lines]
        last = parts[-1]
        return {
            "@timestamp": last.group(1).decode(),
            "stream": last.group(2).decode(),
            "message": b"".join(p.group(4) or b"" for p in parts).decode("utf-8", "replace"),
        }
    docs = [{k: decode_lazy(v) for k, v in decode_object(line).items()} for line in lines]
    text = "".join(d["log"] for d in docs)
    event = {"message": text.rstrip("\n"), "stream": docs[-1].get("stream", "stdout")}
    if "time" in docs[-1]:
        event["@timestamp"] = docs[-1]["time"]
    return event
