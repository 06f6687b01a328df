"""The upstream filter and conditional cases (../shared/filter-upstream, read-only test data): where
they live, how to load them, how to run one and judge its assertions with Ruby's meaning."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from porttrack_logs.codec import decode_event
from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event, field_ref, parse_timestamp, ruby_text, timestamp_text

UPSTREAM = Path(
    os.environ.get(
        "PORTTRACK_FILTER_UPSTREAM", Path(__file__).resolve().parents[2].parent / "shared" / "filter-upstream"
    )
)
SKIP_REASON = f"upstream filter cases not found at {UPSTREAM} (set PORTTRACK_FILTER_UPSTREAM)"
SUITES = ("mutate", "date", "dissect", "kv", "json", "fingerprint", "drop", "conditionals")


def available() -> bool:
    return (UPSTREAM / "cases").is_dir()


def cases(suite: str) -> list[dict]:
    """Every case of one suite, or [] when the folder is absent."""
    path = UPSTREAM / "cases" / f"{suite}.jsonl"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def value_of(value: Any) -> Any:
    """A case's JSON value with its markers ($timestamp, $decimal, $regex) turned into Python's."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, inner), = value.items()
            if key == "$timestamp":
                return parse_timestamp(inner)  # nanoseconds kept, as a Logstash Timestamp keeps them
            if key == "$decimal":
                return Decimal(inner)
            if key == "$regex":
                return {"$regex": inner}
        return {k: value_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [value_of(v) for v in value]
    return value


def _has_marker(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k.startswith("$") for k in value) or any(_has_marker(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_marker(v) for v in value)
    return False


def input_events(case: dict, lazy: bool) -> list[Event]:
    """The case's events, as `Event(dict)` or as `codec.decode_event` builds them from JSON bytes
    (a top-level value with a marker is set after decoding: JSON has no Decimal)."""
    out = []
    for raw in case["events"]:
        if not lazy:
            out.append(Event(value_of(raw)))
            continue
        plain = {k: v for k, v in raw.items() if not _has_marker(v)}
        event = decode_event(json.dumps(plain).encode())
        for key, v in raw.items():
            if key not in plain:
                event.set(field_ref(f"[{key}]"), value_of(v))
        out.append(event)
    return out


def ruby_eq(a: Any, b: Any) -> bool:
    """Ruby's `==`: numbers by value (1 == 1.0), booleans only equal booleans, containers element-wise."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        if isinstance(a, Decimal) != isinstance(b, Decimal):
            return float(a) == float(b)
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(ruby_eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(ruby_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    return type(a) is type(b) and a == b


_TYPES: dict[str, Callable[[Any], bool]] = {
    "String": lambda v: isinstance(v, str),
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, float),
    "Hash": lambda v: isinstance(v, dict),
    "Array": lambda v: isinstance(v, list),
    "LogStash::Timestamp": lambda v: isinstance(v, datetime),
    "Enumerable": lambda v: isinstance(v, (list, dict)),
}


def _json_text(value: Any) -> str:
    def default(v: Any) -> Any:
        if isinstance(v, datetime):
            return timestamp_text(v)
        if isinstance(v, Decimal):
            return float(v)
        raise TypeError(type(v).__name__)

    return json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False)


def _as_timestamp(value: Any) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def check(assertion: dict, event: Event) -> str | None:
    """None when the assertion holds on the event, else what went wrong."""
    op, expected = assertion["op"], value_of(assertion.get("value"))
    path = assertion.get("path")
    if path == "":  # the whole event
        ref, present, got = None, True, event.to_dict()
    else:
        ref = field_ref(path) if path is not None else None
        present = event.includes(ref) if ref is not None else False
        got = event.get(ref) if ref is not None else None
    ok: bool
    if op == "eq":
        ok = ruby_eq(got, expected)
    elif op == "not_eq":
        ok = not ruby_eq(got, expected)
    elif op == "nil":
        ok = got is None
    elif op == "not_nil":
        ok = got is not None
    elif op == "present":
        ok = present
    elif op == "absent":
        ok = not present
    elif op in ("include", "not_include"):
        if got is None:
            ok = False
        else:
            if isinstance(got, list):
                has = any(ruby_eq(x, expected) for x in got)
            elif isinstance(got, str):
                has = isinstance(expected, str) and expected in got
            elif isinstance(got, dict):
                has = expected in got
            else:
                return f"{op} on a {type(got).__name__}"
            ok = has if op == "include" else not has
    elif op == "type":
        ok = _TYPES[expected](got)
    elif op == "within":
        ok = _within(got, assertion)
    elif op == "timestamp_eq":
        ok = isinstance(got, datetime) and got == _as_timestamp(expected)
    elif op == "timestamp_not_eq":
        ok = not (isinstance(got, datetime) and got == _as_timestamp(expected))
    elif op == "timestamp_year_eq":
        ok = isinstance(got, datetime) and got.astimezone(timezone.utc).year == expected
    elif op == "str_eq":
        ok = ruby_text(got) == expected
    elif op == "json_eq":
        ok = _json_text(got) == expected
    elif op == "size_eq":
        ok = isinstance(got, (list, dict)) and len(got) == expected
    elif op == "keys_eq":
        ok = isinstance(got, dict) and sorted(got) == sorted(expected)
    elif op == "eq_path":
        other = expected["path"] if isinstance(expected, dict) else expected
        ok = ruby_eq(got, event.get(field_ref(other)))
    elif op == "no_error":
        ok = "_filter_error" not in event.tags and not getattr(event, "halted", False)
    else:
        return f"unknown op {op}"
    return None if ok else f"{op} {path}: got {got!r}, expected {expected!r}"


def _within(got: Any, assertion: dict) -> bool:
    value = assertion["value"]
    target, delta = (value["value"], value["delta"]) if isinstance(value, dict) else (value, assertion.get("delta", 0))
    return isinstance(got, (int, float, Decimal)) and not isinstance(got, bool) and abs(float(got) - float(target)) <= float(delta)


def run(case: dict, *, generate_code: bool, lazy: bool, make_pipeline: Callable[..., Any]) -> list[str]:
    """Run one case; the failed assertions, described ([] when all hold)."""
    config_ops = [a for a in case["expect"] if a["op"] in ("config_error", "config_ok")]
    try:
        pipeline = make_pipeline(case["config"], generate_code=generate_code)
    except ConfigError as exc:
        if any(a["op"] == "config_error" for a in config_ops):
            return []
        return [f"config did not load: {exc}"]
    if any(a["op"] == "config_error" for a in config_ops):
        return ["config loaded; upstream refuses it"]
    if not case["events"]:
        return []
    out = pipeline.process(input_events(case, lazy))
    problems = []
    count = case.get("expect_count")
    if count is not None and len(out) != count:
        problems.append(f"{len(out)} events came out, expected {count}")
    for assertion in case["expect"]:
        op = assertion["op"]
        if op in ("config_error", "config_ok"):
            continue
        if op == "count_ge":
            if len(out) < assertion["value"]:
                problems.append(f"count_ge: {len(out)} < {assertion['value']}")
            continue
        index = assertion.get("event", 0)
        if index >= len(out):
            problems.append(f"{op} {assertion.get('path')}: no event #{index}")
            continue
        problem = check(assertion, out[index])
        if problem:
            problems.append(problem)
    return problems
