"""Which capturing groups of a translated regex always take part, with some text, when it matches.

`build_matcher` tests a group's value at run time only where the regex allows it to be None or
"": a group outside every alternation, optional quantifier and lookaround, whose body cannot
match the empty string, is never either. What this reader does not model (branch reset,
conditionals, recursion, verbs, `\\Q`, extended mode, a group count other than the engine's)
makes it answer "none", which only costs the run-time tests it would have saved; where it is
unsure of a length it counts zero, which can only leave a group out.
"""

from __future__ import annotations

import re

__all__ = ["always_nonempty"]

_HEX = "0123456789abcdefABCDEF"
_QUANTIFIER = re.compile(r"\{\s*(\d*)\s*(?:,\s*\d*\s*)?\}")
_LOOSE_BRACE = re.compile(r"\{[\d\s,]*\}")
_ZERO_WIDTH = set("bBAzZGKE")
_LITERALS = re.compile(r"[^\\\[\]()|?*+{^$]+")  # characters that are each one atom of length 1
_SIMPLE_CLASS = re.compile(r"\[\^?\]?(?:\\[^Q]|[^\]\\\[])*\]")  # a set with no "[" or \Q inside
_SIZED_ESCAPE = {"x": 2, "u": 4, "U": 8}  # \xhh (or \x{...}), re's \uhhhh and \Uhhhhhhhh


class _Unknown(Exception):
    """A construct this reader does not model."""


# the tree, each node ending with the least number of characters it matches: ("alt", [seq, ...], n),
# ("seq", [item, ...], n), ("rep", item, least count, n), ("group", kind, number, alt, n) with kind
# "capture" | "plain" | "look", ("atom", n)


class _Parser:
    __slots__ = ("src", "i", "groups")

    def __init__(self, src: str) -> None:
        self.src = src
        self.i = 0
        self.groups = 0

    def alternation(self) -> tuple:
        branches = [self.sequence()]
        while self.i < len(self.src) and self.src[self.i] == "|":
            self.i += 1
            branches.append(self.sequence())
        return ("alt", branches, min(branch[-1] for branch in branches))

    def sequence(self) -> tuple:
        items = []
        src, end = self.src, len(self.src)
        while self.i < end and src[self.i] not in "|)":
            run = _LITERALS.match(src, self.i)
            if run is not None:  # plain characters, one atom each: all but a quantified last one at once
                stop = run.end()
                if stop < end and src[stop] in "?*+{":
                    stop -= 1
                if stop > self.i:
                    items.append(("atom", stop - self.i))
                    self.i = stop
                    continue
            item = self.atom()
            least = self.quantifier() if self.i < end and src[self.i] in "?*+{" else None
            items.append(item if least is None else ("rep", item, least, item[-1] * least))
        return ("seq", items, sum(item[-1] for item in items))

    def quantifier(self) -> int | None:
        src, i = self.src, self.i
        if i >= len(src):
            return None
        if src[i] in "?*+":
            least = 1 if src[i] == "+" else 0
            i += 1
        elif src[i] == "{":
            m = _QUANTIFIER.match(src, i)
            if m is None:
                if _LOOSE_BRACE.match(src, i):
                    raise _Unknown  # a brace an engine might read as a quantifier
                return None  # a literal "{"
            least = int(m.group(1)) if m.group(1) else 0
            i = m.end()
        else:
            return None
        if i < len(src) and src[i] in "?+":  # lazy or possessive
            i += 1
        if i < len(src) and (src[i] in "?*+" or _QUANTIFIER.match(src, i)):
            raise _Unknown
        self.i = i
        return least

    def atom(self) -> tuple:
        c = self.src[self.i]
        if c == "\\":
            return ("atom", self.escape())
        if c == "[":
            self.char_class()
            return ("atom", 1)
        if c == "(":
            return self.group()
        self.i += 1
        return ("atom", 0 if c in "^$" else 1)

    def escape(self) -> int:
        src = self.src
        if self.i + 1 >= len(src):
            raise _Unknown
        c = src[self.i + 1]
        self.i += 2
        if c == "Q":
            raise _Unknown
        if c.isdigit():  # a back-reference or an octal escape: its digits, length unknown
            while self.i < len(src) and src[self.i].isdigit():
                self.i += 1
            return 0
        if self.i < len(src) and src[self.i] in "{<'" and c in "xopPkgN":
            close = {"{": "}", "<": ">", "'": "'"}[src[self.i]]
            end = src.find(close, self.i + 1)
            if end < 0:
                raise _Unknown
            self.i = end + 1
        elif c in _SIZED_ESCAPE:
            for _ in range(_SIZED_ESCAPE[c]):
                if self.i < len(src) and src[self.i] in _HEX:
                    self.i += 1
        elif c in "cpP":
            self.i += 1
        elif c == "g":  # \g1, \g-1: a back-reference
            if self.i < len(src) and src[self.i] in "+-":
                self.i += 1
            while self.i < len(src) and src[self.i].isdigit():
                self.i += 1
        if c in "kg" or c in _ZERO_WIDTH:
            return 0
        if c.isalnum() and c not in "dDwWsShHvVRXtnrfeaxcopPNuU":
            return 0  # a letter we do not size
        return 1

    def char_class(self) -> None:
        simple = _SIMPLE_CLASS.match(self.src, self.i)
        if simple is not None:
            self.i = simple.end()
            return
        src, i = self.src, self.i + 1
        if i < len(src) and src[i] == "^":
            i += 1
        if i < len(src) and src[i] == "]":
            i += 1
        while i < len(src):
            c = src[i]
            if c == "\\":
                if src.startswith("Q", i + 1):
                    raise _Unknown
                i += 2
            elif c == "[" and i + 1 < len(src) and src[i + 1] in ":=.":
                end = src.find(src[i + 1] + "]", i + 2)
                if end < 0:
                    raise _Unknown
                i = end + 2
            elif c == "]":
                self.i = i + 1
                return
            else:
                i += 1
        raise _Unknown

    def group(self) -> tuple:
        src, i = self.src, self.i
        kind = "capture"
        if src.startswith("(*", i):
            raise _Unknown  # a verb or a named lookaround
        if src.startswith("(?", i):
            head = src[i + 2 : i + 4]
            if head[:1] in (":", ">"):
                kind, self.i = "plain", i + 3
            elif head[:1] in ("=", "!"):
                kind, self.i = "look", i + 3
            elif head in ("<=", "<!"):
                kind, self.i = "look", i + 4
            elif head[:1] == "#":
                end = src.find(")", i)
                if end < 0:
                    raise _Unknown
                self.i = end + 1
                return ("atom", 0)
            elif head[:1] in ("<", "'") or head == "P<":
                end = src.find("'" if head[:1] == "'" else ">", i + 3)
                if end < 0:
                    raise _Unknown
                self.i = end + 1
            else:  # flags: (?i) for the rest of the group, (?i:...) a group
                j = i + 2
                while j < len(src) and (src[j].isalpha() or src[j] == "-"):
                    if src[j] in "xXn":  # extended mode, no auto-capture
                        raise _Unknown
                    j += 1
                if j == i + 2 or j >= len(src) or src[j] not in ":)":
                    raise _Unknown  # branch reset, conditional, recursion, callout, (?P=...)...
                self.i = j + 1
                if src[j] == ")":
                    return ("atom", 0)
                kind = "plain"
        else:
            self.i = i + 1
        number = 0
        if kind == "capture":
            self.groups += 1
            number = self.groups
        body = self.alternation()
        if self.i >= len(src) or src[self.i] != ")":
            raise _Unknown
        self.i += 1
        return ("group", kind, number, body, 0 if kind == "look" else body[-1])


def _walk(node: tuple, certain: bool, found: set[int]) -> None:
    """Collect into `found` the capturing groups that take part in every match, non-empty."""
    tag = node[0]
    if tag == "alt":
        for branch in node[1]:
            _walk(branch, certain and len(node[1]) == 1, found)
    elif tag == "seq":
        for item in node[1]:
            if item[0] != "atom":
                _walk(item, certain, found)
    elif tag == "rep":
        _walk(node[1], certain and node[2] > 0, found)
    elif tag == "group":
        _, kind, number, body, _ = node
        if kind == "look":
            certain = False
        if kind == "capture" and certain and body[-1] > 0:
            found.add(number)
        _walk(body, certain, found)


def always_nonempty(source: str, groups: int) -> frozenset[int]:
    """The numbers (1-based) of the capturing groups of `source` that every match of it fills
    with at least one character; none when the regex uses what this reader does not model or
    when it counts other than `groups` capturing groups."""
    parser = _Parser(source)
    found: set[int] = set()
    try:
        tree = parser.alternation()
        if parser.i != len(source) or parser.groups != groups:
            return frozenset()
        _walk(tree, True, found)
    except (_Unknown, IndexError, RecursionError):  # RecursionError: groups nested hundreds deep
        return frozenset()
    return frozenset(found)
