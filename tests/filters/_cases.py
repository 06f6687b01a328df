"""Table-driven filter cases: load rows from tests/data/filters/*.json, run one, compare the event.

A row is {"id", "behaviour", "options", "input", "expected"}: `expected` is the whole event after
the filter, without `@version`, and without `@timestamp` unless the row names it (as Logstash's
ISO text). A row may add "cancelled": true. Every row runs twice: on `Event(dict)` and on the event
`codec.decode_event` builds from the row's JSON bytes (top-level values still undecoded).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from porttrack_logs.codec import decode_event
from porttrack_logs.event import Event
from porttrack_logs.event import timestamp_text

DATA = Path(__file__).resolve().parents[1] / "data" / "filters"


def load_cases(name: str) -> list[Any]:
    """pytest params for every row of tests/data/filters/<name>.json, named by their ids."""
    rows = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), f"duplicate case ids in {name}.json"
    return [pytest.param(row, id=row["id"]) for row in rows]


def plain(value: Any) -> Any:
    """Datetimes as Logstash prints them, all the way down, so events compare with JSON rows."""
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def observed(event: Event, expected: dict[str, Any]) -> dict[str, Any]:
    """The event's fields as a row states them."""
    data = dict(event.to_dict())
    data.pop("@version", None)
    if "@timestamp" not in expected:
        data.pop("@timestamp", None)
    if "@metadata" in expected:
        data["@metadata"] = event.metadata
    return plain(data)


def run_case(filter_class: type, row: dict[str, Any]) -> None:
    """Build the filter from the row's options, run it on the row's input, compare with `expected`.

    The input is given both as a plain dict and as JSON bytes through the codec, so filters are
    checked on lazily decoded values too.
    """
    flt = filter_class(**row.get("options", {}))
    data = json.dumps(row["input"]).encode()
    for how, event in (("Event(dict)", Event(json.loads(data))), ("decode_event", decode_event(data))):
        flt.filter(event)
        assert event.cancelled == row.get("cancelled", False), f"{how}: {row['behaviour']}"
        assert observed(event, row["expected"]) == row["expected"], f"{how}: {row['behaviour']}"
