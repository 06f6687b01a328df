"""How Ruby (Logstash's language) would do a few small things the filters must match byte for byte.

Ruby regexes and replacement strings differ from Python's in details that change results
(`^`/`$` match at every line, `\\1` in replacements, `(?<name>...)`); `ruby_text` is Ruby's
`to_s` of an event value, which fingerprints hash.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Callable

from ..errors import ConfigError
from ..event import value_to_text

__all__ = ["compile_ruby_regex", "ruby_replacement", "ruby_text", "ruby_strip", "ruby_split", "timestamp_text"]

_RUBY_ESCAPES = {r"\z": r"\Z", r"\h": r"[0-9a-fA-F]", r"\H": r"[^0-9a-fA-F]"}
_TRANSLATE = re.compile(r"\\\\|\\[zhH]|\\Z|\(\?<(?=[A-Za-z_])")


def compile_ruby_regex(pattern: str, option: str) -> re.Pattern[str]:
    """Compile a Ruby regex as Python `re`: line anchors, `\\z`, `\\h`, `(?<name>...)` translated."""

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "\\\\":
            return token
        if token == r"\Z":
            return r"(?=\n?\Z)"
        if token == "(?<":
            return "(?P<"
        return _RUBY_ESCAPES[token]

    try:
        return re.compile(_TRANSLATE.sub(swap, pattern), re.MULTILINE)
    except re.error as exc:
        raise ConfigError(f"bad regular expression {pattern!r}: {exc}", option=option) from None


_REPLACEMENT = re.compile(r"\\(\d|k<([^>]+)>|&|\\|.)", re.DOTALL)


def ruby_replacement(replacement: str) -> Callable[[re.Match[str]], str] | str:
    """A Ruby `gsub` replacement (`\\1`, `\\k<name>`, `\\0`, `\\\\`) as a Python `re.sub` argument."""
    if "\\" not in replacement:
        return replacement
    pieces: list[str | int] = []
    pos = 0
    for m in _REPLACEMENT.finditer(replacement):
        if m.start() > pos:
            pieces.append(replacement[pos : m.start()])
        body = m.group(1)
        if body.isdigit():
            pieces.append(int(body))
        elif m.group(2) is not None:
            pieces.append(("name", m.group(2)))  # type: ignore[arg-type]
        elif body == "&":
            pieces.append(0)
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
            elif isinstance(p, int):
                try:
                    out.append(match.group(p) or "")
                except IndexError:
                    pass
            else:
                try:
                    out.append(match.group(p[1]) or "")
                except IndexError:
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
        digits = exponent.lstrip("+-").zfill(2)
        return f"{mantissa}e{sign}{digits}"
    return text


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


def timestamp_text(value: datetime) -> str:
    """Logstash's Timestamp#to_s: ISO8601 in UTC with at least millisecond digits."""
    return value_to_text(value)


def _inspect(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return _inspect_string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_inspect(k)}=>{_inspect(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inspect(v) for v in value) + "]"
    if isinstance(value, datetime):
        return timestamp_text(value)
    return ruby_text(value)


def ruby_text(value: Any) -> str:
    """Ruby's `to_s` of an event value: `nil` is "", hashes print as `{"k"=>"v"}`, floats as `1.0e+20`."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, (dict, list, tuple)):
        return _inspect(value)
    return str(value)
