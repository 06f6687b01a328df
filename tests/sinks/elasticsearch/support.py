"""Helpers of the elasticsearch sink's unit tests: real bulk answers captured from real nodes
(tests/data/es_responses/, see capture_responses.py), a scripted stand-in for OUR `Connection`
interface that hands them out, and a recording stand-in for OUR dead letter queue."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson

from porttrack_logs.event import Event
from porttrack_logs.sinks.base import PROVENANCE
from porttrack_logs.sinks.elasticsearch.client import RequestFailed

RESPONSES = Path(__file__).resolve().parents[2] / "data" / "es_responses"


def load(name: str) -> Any:
    return orjson.loads((RESPONSES / name).read_bytes())


def refusal(name: str) -> RequestFailed:
    """A whole-request refusal as the real node gave it (request_*.json)."""
    info = load(name)
    return RequestFailed(info["status"], info["error_type"], info["reason"])


def real_item(status: int, op: str = "create") -> dict:
    """One item of a real answer with `status`, from the captured files."""
    for path in sorted(RESPONSES.glob("*.json")):
        body = orjson.loads(path.read_bytes())
        for item in body.get("items", []) if isinstance(body, dict) else []:
            ((item_op, result),) = item.items()
            if result["status"] == status and item_op == op:
                return {item_op: result}
    raise LookupError(f"no captured item with status {status} for {op}")


def answer(*statuses: int, op: str = "create") -> dict:
    """A bulk answer made of real captured items with these statuses, in this order."""
    items = [real_item(s, op) for s in statuses]
    return {"errors": any(s >= 300 for s in statuses), "items": items}


class ScriptedConnection:
    """Stands in for `client.Connection`: each `bulk` call takes the next scripted answer (a dict, or an
    exception to raise, or a callable of the body) and records the body it was sent."""

    major = 9

    def __init__(self, answers: list[Any], *, max_content_length: int = 100 * 1024 * 1024, forever: Any = None) -> None:
        self.answers = list(answers)
        self.forever = forever  # the answer once the script is used up (None: a further request fails the test)
        self.bodies: list[bytes] = []
        self.params: list[Any] = []
        self.called = threading.Event()
        self._max = max_content_length
        self.closed = False

    def bulk(self, body: bytes, *, params: Any = None) -> dict:
        self.bodies.append(bytes(body))
        self.params.append(params)
        self.called.set()
        if self.answers:
            reply = self.answers.pop(0)
        elif self.forever is not None:
            reply = self.forever
        else:
            raise AssertionError(f"unexpected bulk request #{len(self.bodies)}")
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            return reply(body)
        return reply

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        raise AssertionError(f"unexpected request {method} {path}")

    def max_content_length(self) -> int:
        return self._max

    def close(self) -> None:
        self.closed = True

    def documents(self, request: int = -1) -> list[tuple[dict, dict]]:
        """(action, source) pairs of one recorded request."""
        lines = self.bodies[request].split(b"\n")
        assert lines[-1] == b""
        return [(orjson.loads(lines[i]), orjson.loads(lines[i + 1])) for i in range(0, len(lines) - 1, 2)]


class RecordingDeadLetters:
    """Stands in for `DeadLetterQueue`: keeps each `put` and counts `sync` calls."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.synced = 0
        self.synced_count = 0  # how many entries had been put at the last sync

    def put(self, reason: str, **fields: Any) -> None:
        self.entries.append({"reason": reason, **fields})

    def sync(self) -> None:
        self.synced += 1
        self.synced_count = len(self.entries)



def event(i: int, *, id: str | None = None, original: bytes | None = None, **fields: Any) -> Event:
    """An event of 2026-11-27 with `n` = i; provenance id/original when given."""
    data = {"message": f"line {i}", "n": i, "@timestamp": "2026-11-27T06:00:00Z", **fields}
    meta = {}
    if id is not None or original is not None:
        meta[PROVENANCE] = {k: v for k, v in (("id", id), ("original", original), ("place", f"test@{i}")) if v is not None}
    return Event(data, metadata=meta)
