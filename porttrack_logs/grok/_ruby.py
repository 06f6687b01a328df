"""Ruby's lenient conversions that grok relies on: String#to_i, String#to_f and to_s of inputs."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Callable

__all__ = ["to_i", "to_f", "to_s", "COERCIONS"]

# Ruby accepts single underscores between digits and stops at the first character it cannot use.
_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+(?:_[0-9]+)*)")
_FLOAT = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?(?:[eE][+-]?[0-9]+)?)")
_FLOAT_FRACTION_ONLY = re.compile(r"[ \t\n\v\f\r]*([+-]?\.[0-9]+(?:_[0-9]+)*(?:[eE][+-]?[0-9]+)?)")


def to_i(text: str) -> int:
    """Ruby `String#to_i`: "12abc" -> 12, "abc" -> 0, "3.9" -> 3, "1_000" -> 1000."""
    m = _INT.match(text)
    if m is None:
        return 0
    value = int(m.group(2).replace("_", ""))
    return -value if m.group(1) == "-" else value


def to_f(text: str) -> float:
    """Ruby `String#to_f`: "3.5x" -> 3.5, "abc" -> 0.0, "1e3" -> 1000.0, ".5" -> 0.5."""
    m = _FLOAT.match(text) or _FLOAT_FRACTION_ONLY.match(text)
    if m is None:
        return 0.0
    try:
        return float(m.group(1).replace("_", ""))
    except OverflowError:  # pragma: no cover - float() returns inf rather than raising
        return math.inf


COERCIONS: dict[str, Callable[[str], Any]] = {"int": to_i, "float": to_f}


def to_s(value: Any) -> str:
    """The text grok matches for a non-string field value, as Logstash's `to_s` renders it."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if math.isnan(value):
            return "NaN"
        text = repr(value)
        if "e" in text:
            mantissa, _, exponent = text.partition("e")
            if "." not in mantissa:
                mantissa += ".0"
            sign = "-" if exponent.startswith("-") else "+"
            return f"{mantissa}e{sign}{exponent.lstrip('+-').zfill(2)}"
        return text
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dict):
        inner = ", ".join(f"{_inspect(k)}=>{_inspect(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inspect(v) for v in value) + "]"
    return str(value)


def _inspect(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "nil"
    return to_s(value)
