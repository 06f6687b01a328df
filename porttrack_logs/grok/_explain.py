"""Why a line does not match: how far a grok expression got, and where on the line it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..errors import GrokError
from ._grok import Grok

__all__ = ["Explanation", "explain"]

_REST = "__porttrack_rest__"


@dataclass(frozen=True, slots=True)
class Explanation:
    """The longest leading run of elements that matched, and the element that failed after it."""

    matched: tuple[str, ...]
    failed: str | None
    column: int  # 1-based column of the line where the failing element had to match
    found: str  # what the line holds at that column (trimmed)

    def __str__(self) -> str:
        if self.failed is None:
            return "the whole expression matches"
        shown = repr(self.found) if self.found else "the end of the line"
        if not self.matched:
            return f"no match: the first element {self.failed} matches nowhere on the line"
        return (
            f"no match: {''.join(self.matched)} matched up to column {self.column - 1}; "
            f"then {self.failed} failed at column {self.column}, where the line has {shown}"
        )


def _prefix_end(expression: str, line: str, patterns: Mapping[str, str], ecs: str) -> int | None:
    """Where the leftmost match of `expression` ends on `line` (0-based), or None."""
    try:
        probe = Grok(expression + f"(?<{_REST}>.*)", ecs, patterns=patterns)
    except GrokError:
        return None
    captures = probe.match(line, keep_empty_captures=True)
    if captures is None:
        return None
    rest = captures.get(_REST) or ""
    return len(line) - len(rest)


def explain(grok: Grok, line: str, patterns: Mapping[str, str]) -> Explanation:
    """Try ever longer leading runs of the expression's elements; report where it stops.

    A run whose text does not compile alone (a group opened in one literal and closed in another)
    is passed over, so the answer is the longest run that compiles and matches.
    """
    elements = [e for e in grok.elements]
    best_k, best_end = 0, 0
    for k in range(len(elements), 0, -1):
        last = elements[k - 1]
        prefix = grok.expression[: last.start + len(last.text)]
        end = _prefix_end(prefix, line, patterns, grok.ecs_compatibility)
        if end is not None:
            best_k, best_end = k, end
            break
    if not elements or best_k == len(elements):
        return Explanation(tuple(e.text for e in elements), None, best_end + 1, "")
    element = elements[best_k]
    failed = element.text if element.kind == "pattern" else f"the text {element.text!r}"
    found = line[best_end : best_end + 24]
    return Explanation(tuple(e.text for e in elements[:best_k]), failed, best_end + 1, found)
