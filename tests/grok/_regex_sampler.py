"""Strings built from a regex's own parts, to exercise a pattern beyond hand-picked inputs.

`sample(regex, rng)` walks the parse tree of a Python `re` regex and picks, at each step, one
way through it (a branch, a repeat count, a character of a class). Look-arounds and anchors
are skipped, so a sample does not always match: it is an input near the pattern's language,
which is what comparing two expansions of the same pattern needs.
"""

from __future__ import annotations

import random
import re
from re import _constants as C  # noqa: N812 - the stdlib's own opcode names
from re import _parser

__all__ = ["sample", "variants"]

# Printable ASCII, a tab, a newline and a few non-ASCII letters and digits (Ruby's \w is ASCII).
POOL = [chr(c) for c in range(0x20, 0x7F)] + ["\t", "\n", "é", "ü", "Ж", "٣", "\u00a0"]
_MAX_EXTRA = 4  # an open repeat ({n,} * +) takes at most this many more than its minimum


def _category(ch: str, category: object) -> bool:
    if category is C.CATEGORY_DIGIT:
        return ch.isdigit()
    if category is C.CATEGORY_NOT_DIGIT:
        return not ch.isdigit()
    if category is C.CATEGORY_SPACE:
        return ch.isspace()
    if category is C.CATEGORY_NOT_SPACE:
        return not ch.isspace()
    if category is C.CATEGORY_WORD:
        return ch.isalnum() or ch == "_"
    if category is C.CATEGORY_NOT_WORD:
        return not (ch.isalnum() or ch == "_")
    return False


def _in_set(ch: str, items: list) -> bool:
    negate = False
    hit = False
    for op, arg in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit = hit or ord(ch) == arg
        elif op is C.RANGE:
            hit = hit or arg[0] <= ord(ch) <= arg[1]
        elif op is C.CATEGORY:
            hit = hit or _category(ch, arg)
    return hit != negate


class _Walker:
    __slots__ = ("rng", "groups", "budget")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.groups: dict[int, str] = {}
        self.budget = 400  # characters; long enough for access-log lines, short enough to stay fast

    def seq(self, items) -> str:
        return "".join(self.item(op, arg) for op, arg in items)

    def char_from(self, accept) -> str:
        for _ in range(30):
            ch = self.rng.choice(POOL)
            if accept(ch):
                return ch
        return ""

    def item(self, op, arg) -> str:
        rng = self.rng
        if self.budget <= 0:
            return ""
        if op is C.LITERAL:
            self.budget -= 1
            return chr(arg)
        if op is C.NOT_LITERAL:
            return self.char_from(lambda ch: ord(ch) != arg)
        if op is C.ANY:
            return self.char_from(lambda ch: True)
        if op is C.IN:
            return self.char_from(lambda ch: _in_set(ch, arg))
        if op is C.BRANCH:
            return self.seq(rng.choice(arg[1]))
        if op is C.SUBPATTERN:
            group, _, _, body = arg
            text = self.seq(body)
            if group:
                self.groups[group] = text
            return text
        if op is C.ATOMIC_GROUP:
            return self.seq(arg)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, high, body = arg
            top = high if high is not C.MAXREPEAT else low + _MAX_EXTRA
            count = rng.randint(low, min(top, low + _MAX_EXTRA))
            self.budget -= 1
            return "".join(self.seq(body) for _ in range(count))
        if op is C.GROUPREF:
            return self.groups.get(arg, "")
        if op is C.GROUPREF_EXISTS:
            _, yes, no = arg
            return self.seq(rng.choice([yes, no]) or [])
        return ""  # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit


def sample(regex: str, rng: random.Random, flags: int = re.DOTALL | re.MULTILINE) -> str:
    """One string built from `regex` (Python `re` syntax) by a random walk of its parse tree."""
    return _Walker(rng).seq(_parser.parse(regex, flags))


def variants(text: str, rng: random.Random) -> list[str]:
    """`text` and near misses: with text around it, one character short, one character changed."""
    out = [text, f"x {text} y", text[:-1]]
    if text:
        i = rng.randrange(len(text))
        out.append(text[:i] + rng.choice(POOL) + text[i + 1 :])
    return out
