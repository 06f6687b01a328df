"""How Ruby (Logstash's language) does the small things filters must match byte for byte: the one
room for Ruby semantics (its regex dialect is grok's translator, `grok.compile_ruby_regex`).

The text of a value: one rule for scalars (Ruby's `to_s`, which Logstash applies) and the three
ways Logstash prints a container, each named by where it is used:
- `value_to_text`: sprintf (`%{field}`): arrays joined with commas, hashes as JSON;
- `ruby_text`: Ruby's `to_s` (grok on a non-string, mutate, dissect, fingerprint): `inspect` forms;
- `scalar_text`: conditions' `in [list]`, which compares texts: None for nil, arrays and hashes.

And String#to_i / #to_f (grok's `:int`, `:float`), #strip, #split, and `gsub` replacements.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any, Callable

from ._timestamp import NanoTimestamp

__all__ = [
    "value_to_text", "ruby_text", "scalar_text", "timestamp_text", "to_i", "to_f", "COERCIONS", "ruby_replacement",
    "ruby_strip", "ruby_split",
]


def timestamp_text(value: datetime) -> str:
    """Logstash's Timestamp text: UTC, `Z`, fraction digits in groups of three, at least three:
    milliseconds, microseconds when they are not zero, nanoseconds (a `NanoTimestamp`'s) likewise."""
    utc = value.astimezone(timezone.utc)
    if value.__class__ is NanoTimestamp and value.nanos:
        return f"{utc.replace(tzinfo=None).isoformat(timespec='microseconds')}{value.nanos:03d}Z"
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
    cls = value.__class__
    if cls is str or cls is int:  # the common cases, without a call
        return value if cls is str else str(value)
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
    cls = value.__class__
    if cls is str or cls is int:  # the common cases, without a call
        return value if cls is str else str(value)
    text = scalar_text(value)
    if text is not None:
        return text
    return "" if value is None else _inspect(value)


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


_REPLACEMENT = re.compile(r"\\(\d|k<([^>]+)>|&|\\|.)", re.DOTALL)


def ruby_replacement(replacement: str) -> Callable[[re.Match[str]], str] | str:
    """A Ruby `gsub` replacement (`\\1`, `\\k<name>`, `\\0`, `\\\\`) as a Python `re.sub` argument."""
    if "\\" not in replacement:
        return replacement
    pieces: list[str | tuple[int | str]] = []  # text, or (the group to insert,)
    pos = 0
    for m in _REPLACEMENT.finditer(replacement):
        if m.start() > pos:
            pieces.append(replacement[pos : m.start()])
        body = m.group(1)
        if body.isdigit():
            pieces.append((int(body),))
        elif m.group(2) is not None:
            pieces.append((m.group(2),))
        elif body == "&":
            pieces.append((0,))
        elif body == "\\":
            pieces.append("\\")
        else:
            pieces.append("\\" + body)
        pos = m.end()
    if pos < len(replacement):
        pieces.append(replacement[pos:])
    parts = tuple(pieces)

    def expand(match: re.Match[str]) -> str:
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
                continue
            try:
                out.append(match.group(p[0]) or "")
            except IndexError:  # no such group: Ruby inserts nothing
                pass
        return "".join(out)

    return expand


_RUBY_SPACE = " \t\n\v\f\r\0"


def ruby_strip(text: str) -> str:
    """Ruby's String#strip: ASCII whitespace and NUL off both ends (not Unicode spaces)."""
    return text.strip(_RUBY_SPACE)


def ruby_split(text: str, separator: str) -> list[str]:
    """Ruby's String#split with a string: `" "` splits on runs of whitespace; trailing empties go."""
    if separator == " ":
        return text.split()
    parts = text.split(separator) if separator else list(text)
    while parts and parts[-1] == "":
        parts.pop()
    return parts
