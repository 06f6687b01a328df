"""Ruby's lenient conversions behind grok's `:int` and `:float`: String#to_i and String#to_f."""

from __future__ import annotations

import math
import re
from typing import Any, Callable

__all__ = ["to_i", "to_f", "COERCIONS"]

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
