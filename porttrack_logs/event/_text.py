"""How a field value becomes text: one rule for scalars (Ruby's `to_s`, which Logstash applies),
and the three ways Logstash prints a container, each named by where it is used:

- `value_to_text`: sprintf (`%{field}`): arrays joined with commas, hashes as JSON;
- `ruby_text`: Ruby's `to_s` (grok on a non-string, mutate, dissect, fingerprint): `inspect` forms;
- `scalar_text`: conditions' `in [list]`, which compares texts: None for nil, arrays and hashes.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

__all__ = ["value_to_text", "ruby_text", "scalar_text", "timestamp_text"]


def timestamp_text(value: datetime) -> str:
    """Logstash's Timestamp text: UTC, `Z`, milliseconds, or microseconds when they are not zero."""
    utc = value.astimezone(timezone.utc)
    spec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        sign = exponent[0] if exponent[0] in "+-" else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').zfill(2)}"
    return text


def scalar_text(value: Any) -> str | None:
    """A scalar's text as Ruby's `to_s` gives it (nil is ""); None for nil, arrays and hashes."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (list, tuple, dict)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return timestamp_text(value)
    return str(value)


def value_to_text(value: Any) -> str:
    """How Logstash prints a field value inside a template."""
    text = scalar_text(value)
    if text is not None:
        return text
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)
    return ",".join(value_to_text(v) for v in value)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f",
            "\v": "\\v", "\a": "\\a", "\b": "\\b", "\x1b": "\\e"}


def _inspect_string(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == "#" and i + 1 < len(text) and text[i + 1] in "{$@":
            out.append("\\#")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _inspect(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return _inspect_string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_inspect(k)}=>{_inspect(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inspect(v) for v in value) + "]"
    return ruby_text(value)


def ruby_text(value: Any) -> str:
    """Ruby's `to_s` of an event value: `nil` is "", hashes print as `{"k"=>"v"}`, floats as `1.0e+20`."""
    text = scalar_text(value)
    if text is not None:
        return text
    return "" if value is None else _inspect(value)
