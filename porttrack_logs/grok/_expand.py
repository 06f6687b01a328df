"""Grok expansion as jls-grok does it: `%{NAME:field:type}` references replaced, leftmost first.

`%{NAME}` becomes `(?:regex)` (or a group named NAME when named captures are not the only
ones kept), `%{NAME:field}` becomes `(?<NAME:field>regex)`, `%{NAME=regex}` defines NAME on
the spot. The result is still in Logstash's regex dialect; `_translate` makes it runnable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, MutableMapping

from ..errors import GrokError

__all__ = ["Element", "expand", "split_elements", "capture_name_parts", "MAX_EXPANSIONS", "REFERENCE"]

MAX_EXPANSIONS = 10_000
# jls-grok's reference syntax. `A-z` is deliberate: it also admits [ \ ] ^ _ and the backtick.
# A definition (`%{NAME=regex}` or `%{NAME:field=regex}`) is a run of plain characters,
# backslash-led runs and balanced {...} groups; a backslash run is greedy, so a definition
# holding a backslash reaches the last `}` it can (as in Logstash). Anything between the
# field part (or the definition) and `}` is ignored.
_REFERENCE_SOURCE = (
    r"%\{(?<name>(?<pattern>[A-z0-9]+)(?::(?<subname>[@\[\]A-z0-9_:.-]+))?)"
    r"(?:=(?<definition>(?:(?:[^{}\\]+|\\.+)+|(?<curly>\{(?:(?>[^{}]+|(?>\\[{}])+)|(?&curly))*\})+)+))?"
    r"[^}]*\}"
)
try:  # PCRE2 has the recursion balanced braces need
    import pcre as _pcre

    REFERENCE = _pcre.compile(_REFERENCE_SOURCE)
except ImportError:  # pragma: no cover - pypcre is a declared dependency; braces nest one level deep
    _FLAT = _REFERENCE_SOURCE.replace("(?<", "(?P<").replace("(?&curly)", r"\{[^{}]*\}")
    REFERENCE = re.compile(_FLAT.replace("(?P<curly>", "(?:"))


def _references(text: str) -> Iterator[Any]:
    """Each `%{...}` reference of `text`, left to right, as jls-grok finds them."""
    pos = 0
    while True:
        m = REFERENCE.search(text, pos)
        if m is None:
            return
        yield m
        pos = m.end()


@dataclass(frozen=True, slots=True)
class Element:
    """One top-level piece of a grok expression: literal regex text or a `%{...}` reference.

    `start` is its offset in the expression; `regex` is its fully expanded fragment.
    """

    kind: str  # "literal" or "pattern"
    text: str
    start: int
    regex: str


def split_elements(expression: str) -> list[tuple[str, str, int]]:
    """(kind, text, start) for each top-level literal run and `%{...}` reference."""
    parts: list[tuple[str, str, int]] = []
    pos = 0
    for m in _references(expression):
        if m.start() > pos:
            parts.append(("literal", expression[pos : m.start()], pos))
        parts.append(("pattern", m.group(0), m.start()))
        pos = m.end()
    if pos < len(expression):
        parts.append(("literal", expression[pos:], pos))
    return parts


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_EXPANSIONS


def expand(
    expression: str,
    patterns: MutableMapping[str, str],
    named_captures_only: bool = True,
) -> tuple[str, list[Element]]:
    """The expanded regex of `expression` and its top-level elements.

    `patterns` is updated by inline `%{NAME=regex}` definitions. Raises GrokError for an
    unknown pattern (naming it and where it is used) or after 10,000 expansions.
    """
    budget = _Budget()
    elements = []
    for kind, text, start in split_elements(expression):
        if kind == "literal":
            elements.append(Element(kind, text, start, text))
        else:
            regex = _expand_piece(expression, text, start, patterns, named_captures_only, budget)
            elements.append(Element(kind, text, start, regex))
    return "".join(e.regex for e in elements), elements


def _expand_piece(
    expression: str,
    piece: str,
    start: int,
    patterns: MutableMapping[str, str],
    named_captures_only: bool,
    budget: _Budget,
) -> str:
    text = piece
    while True:
        m = REFERENCE.search(text)
        if m is None:
            return text
        # jls-grok spends one of its 10,000 steps on the final search that finds nothing,
        # so at most 9,999 references are expanded.
        if budget.left <= 1:
            raise GrokError(
                f"deep recursion compiling grok expression {expression!r}: {MAX_EXPANSIONS} expansion "
                f"steps used up, starting at {piece!r} (character {start + 1}); "
                "a pattern probably refers to itself"
            )
        budget.left -= 1
        name = m.group("pattern")
        if m.group("definition") is not None:
            patterns[name] = m.group("definition")
        regex = patterns.get(name)
        if regex is None:
            where = f"at character {start + 1}" if text is piece else f"inside {piece!r} (character {start + 1})"
            raise GrokError(
                f"grok pattern {m.group(0)!r} is not defined, {where} of {expression!r}; "
                "define it with pattern_definitions or a file in patterns_dir, or check the ecs_compatibility bank"
            )
        full = m.group("name")
        if named_captures_only and ":" not in full:
            replacement = f"(?:{regex})"
        else:
            replacement = f"(?<{full}>{regex})"
        text = text[: m.start()] + replacement + text[m.end() :]


def capture_name_parts(name: str) -> tuple[str, str | None]:
    """(field, coercion) from a capture group name, as Ruby's `name.split(":")` reads it:
    `NUMBER:[process][pid]:int` -> ("[process][pid]", "int"); `WORD` -> ("WORD", None)."""
    parts = name.split(":")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    field = parts[1] if len(parts) > 1 else parts[0]
    coerce = parts[2] if len(parts) > 2 else None
    return field, coerce
