"""How Ruby (Logstash's language) would do a few small things the filters must match byte for byte.

Ruby's replacement strings differ from Python's in details that change results (`\\1`,
`\\k<name>`, `\\0`). Ruby's regex dialect is translated by `grok.compile_ruby_regex`, Ruby's
`to_s` of a value is `event.ruby_text`.
"""

from __future__ import annotations

import re
from typing import Callable


__all__ = ["ruby_replacement", "ruby_strip", "ruby_split"]

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
