"""Compile a condition of the configuration tree into one plain closure over an Event, once.

Semantics follow Logstash's compiled conditions:
- a missing field reads as nil;
- `==` / `!=`: numbers compare numerically (1 == 1.0), strings as strings; across types never
  equal (`"1" == 1` is false; a boolean is not a number);
- `<` `<=` `>` `>=`: numbers with numbers, strings with strings (by code point). On any other pair
  (nil included) Logstash 8.16+ logs an error and drops the event; here the comparison is false,
  or, with `strict=True`, raises EventError so the caller can drop or dead-letter the event;
- `=~` / `!~`: only a string field can match (`!~` is its negation); Ruby regex flavour:
  `^`/`$` match at line breaks, `(?<name>...)`, `\\h`, `\\z`, `\\Z` are translated;
- `in`: a field in an array literal compares as text (`[code] in [200, 404]` is true for 200
  and for "200"); a string in a string field is a substring test; a value in an array field is
  membership; a field holding an array or hash is never "in" anything;
- a bare `[field]`: false when missing, nil, false, "" or the string "false" (Logstash tests
  the value's text: elastic/logstash#14232, #12064), true otherwise (0, [] and {} are true);
- `and`/`or` short-circuit; `xor` is true when exactly one side is; `nand` is not-and.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

from ..config import (
    Array,
    Bareword,
    BoolOp,
    Compare,
    Hash,
    In,
    Match,
    Not,
    Number,
    Plugin,
    Regex,
    Selector,
    String,
    to_python,
)
from ..errors import ConfigError, EventError, Position
from ..event import Event, FieldRef, field_ref
from ._ruby import compile_ruby_regex

__all__ = ["compile_condition", "emit_condition", "truthy", "values_equal", "ruby_regex"]

Condition = Callable[[Event], bool]


# -- value semantics (shared with tests and other filters) ---------------------------------------
def truthy(value: Any) -> bool:
    """Logstash's truthiness of a field value: nil, false, "" and "false" are false."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value != "" and value != "false"
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def values_equal(a: Any, b: Any) -> bool:
    """Logstash equality: numbers numerically, otherwise same kind and same value."""
    if _is_number(a):
        return _is_number(b) and a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str):
        return isinstance(b, str) and a == b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(values_equal(v, b[k]) for k, v in a.items())
        )
    return a == b and type(a) is type(b)


def _ordered(a: Any, b: Any) -> bool:
    """Whether Logstash can order the pair: two numbers, two strings or two timestamps."""
    if _is_number(a):
        return _is_number(b)
    if isinstance(a, str):
        return isinstance(b, str)
    return isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None)


def _as_text(value: Any) -> str | None:
    """A scalar as Logstash prints it for `in [list]` (None for nil, arrays and hashes)."""
    if value is None or isinstance(value, (list, dict)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


def ruby_regex(pattern: str, position: Position | None = None) -> re.Pattern[str]:
    """Compile a Ruby-flavoured regex from a configuration into a Python one (line anchors on)."""
    try:
        return compile_ruby_regex(pattern, option="condition")
    except ConfigError as exc:
        raise ConfigError(f"invalid regex /{pattern}/: {exc.message}", position=position) from None


# -- compiler ----------------------------------------------------------------------------------
def compile_condition(expr: object, *, strict: bool = False) -> Condition:
    """Turn a condition node into `f(event) -> bool`, compiling field references and regexes once.

    With `strict`, ordering comparisons between values Logstash cannot order raise EventError
    (Logstash drops such an event with an error); otherwise they are false.
    """
    return _Compiler(strict).condition(expr)


def emit_condition(expr: object, g: Any) -> str | None:
    """The condition as a Python expression over the generated code's `d` (fields) and `m`
    (metadata), for the shapes pipelines use most; None for the rest (the caller then calls
    the compiled closure). Same semantics as `compile_condition`, which validated it already."""
    return _Emitter(g).condition(expr)


class _Emitter:
    __slots__ = ("g",)

    def __init__(self, g: Any) -> None:
        self.g = g

    def get(self, node: Selector) -> str:
        return self.g.get_expr(field_ref(node.text))

    def condition(self, node: object) -> str | None:
        g = self.g
        if isinstance(node, Selector):
            v = g.temp("v")
            return (
                f"(({v} := {self.get(node)}) is not None and {v} is not False"
                f" and (not isinstance({v}, str) or ({v} != '' and {v} != 'false')))"
            )
        if isinstance(node, Not):
            inner = self.condition(node.operand)
            return None if inner is None else f"(not {inner})"
        if isinstance(node, BoolOp) and node.op in ("and", "or"):
            parts = [self.condition(o) for o in node.operands]
            if any(p is None for p in parts):
                return None
            return "(" + f" {node.op} ".join(parts) + ")"  # type: ignore[arg-type]
        if isinstance(node, Compare) and node.op in ("==", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(side, Selector) and isinstance(other, String):
                    return f"({self.get(side)} {node.op} {other.value!r})"
            return None
        if isinstance(node, Match) and isinstance(node.left, Selector):
            right = node.right
            pattern = right.pattern if isinstance(right, Regex) else right.value
            search = g.const(ruby_regex(pattern, right.position).search, "search")
            v = g.temp("v")
            test = f"(isinstance({v} := {self.get(node.left)}, str) and {search}({v}) is not None)"
            return f"(not {test})" if node.op == "!~" else test
        if isinstance(node, In):
            test = None
            if isinstance(node.left, Selector) and isinstance(node.right, Array):
                values = to_python(node.right)
                texts = g.const(frozenset(t for t in map(_as_text, values) if t is not None), "texts")
                t, u = g.temp("t"), g.temp("u")
                as_text = g.const(_as_text, "as_text")
                test = (  # a string is its own text: only other values go through _as_text
                    f"(({t} in {texts}) if ({t} := {self.get(node.left)}).__class__ is str"
                    f" else (({u} := {as_text}({t})) is not None and {u} in {texts}))"
                )
            elif isinstance(node.left, String) and isinstance(node.right, Selector):
                c = g.temp("c")
                test = f"(isinstance({c} := {self.get(node.right)}, (list, str)) and {node.left.value!r} in {c})"
            if test is None:
                return None
            return f"(not {test})" if node.negated else test
        return None


def _const(result: bool) -> Condition:
    return (lambda event: True) if result else (lambda event: False)


class _Compiler:
    __slots__ = ("strict",)

    def __init__(self, strict: bool) -> None:
        self.strict = strict

    def condition(self, node: object) -> Condition:
        if isinstance(node, BoolOp):
            return self.boolean(node)
        if isinstance(node, Not):
            inner = self.condition(node.operand)
            return lambda event: not inner(event)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Match):
            return self.match(node)
        if isinstance(node, In):
            test = self.membership(node)
            if node.negated:
                return lambda event: not test(event)
            return test
        if isinstance(node, Selector):
            ref = self.ref(node)
            return lambda event: truthy(event.get(ref))
        if isinstance(node, Regex):
            raise ConfigError(
                "a regex alone is not a condition; write [field] =~ /regex/", position=node.position
            )
        if isinstance(node, (String, Number, Array, Hash, Bareword, Plugin)):
            return _const(truthy(to_python(node)))
        raise ConfigError(f"not a condition: {type(node).__name__}")

    # -- parts ------------------------------------------------------------------------------
    def ref(self, node: Selector) -> FieldRef:
        try:
            return field_ref(node.text)
        except EventError as exc:
            raise ConfigError(f"bad field reference {node.text}: {exc}", position=node.position) from None

    def operand(self, node: object) -> tuple[FieldRef | None, Any]:
        """(FieldRef, None) for a selector, (None, constant) for a literal."""
        if isinstance(node, Selector):
            return self.ref(node), None
        if isinstance(node, Regex):
            raise ConfigError(
                "a regex can only follow =~ or !~", position=getattr(node, "position", None)
            )
        return None, to_python(node)

    def boolean(self, node: BoolOp) -> Condition:
        parts = tuple(self.condition(o) for o in node.operands)
        op = node.op
        if op == "and":
            if len(parts) == 2:
                a, b = parts
                return lambda event: a(event) and b(event)
            return lambda event: all(p(event) for p in parts)
        if op == "or":
            if len(parts) == 2:
                a, b = parts
                return lambda event: a(event) or b(event)
            return lambda event: any(p(event) for p in parts)
        if op == "xor":
            def xor(event: Event) -> bool:
                result = False
                for p in parts:
                    result ^= bool(p(event))
                return result

            return xor
        if op == "nand":
            return lambda event: not all(p(event) for p in parts)
        raise ConfigError(f"unknown boolean operator {op!r}", position=node.position)

    def compare(self, node: Compare) -> Condition:
        lref, lconst = self.operand(node.left)
        rref, rconst = self.operand(node.right)
        op = node.op
        if op in ("==", "!="):
            negate = op == "!="
            if lref is None and rref is None:
                return _const(values_equal(lconst, rconst) != negate)
            if rref is None and isinstance(rconst, str):
                ref, c = lref, rconst
                if negate:
                    return lambda event: event.get(ref) != c
                return lambda event: event.get(ref) == c
            if lref is None and isinstance(lconst, str):
                ref, c = rref, lconst
                if negate:
                    return lambda event: event.get(ref) != c
                return lambda event: event.get(ref) == c
            left, right = _getter(lref, lconst), _getter(rref, rconst)
            if negate:
                return lambda event: not values_equal(left(event), right(event))
            return lambda event: values_equal(left(event), right(event))
        check = _ORDER[op]
        strict = self.strict
        where = f"{node.position}: " if node.position.line else ""

        def order(a: Any, b: Any) -> bool:
            if _ordered(a, b):
                return check(a, b)
            if strict:
                raise EventError(
                    f"{where}cannot compare {_kind(a)} with {_kind(b)} using '{op}'",
                    field=node.left.text if isinstance(node.left, Selector) else None,
                )
            return False

        if lref is None and rref is None:
            if not _ordered(lconst, rconst):
                raise ConfigError(
                    f"cannot compare {_kind(lconst)} with {_kind(rconst)} using '{op}'",
                    position=node.position,
                )
            return _const(check(lconst, rconst))
        if rref is None:
            ref, c = lref, rconst
            if _is_number(c):
                return lambda event: (
                    check(v, c) if _is_number(v := event.get(ref)) else order(v, c)
                )
            return lambda event: order(event.get(ref), c)
        left, right = _getter(lref, lconst), _getter(rref, rconst)
        return lambda event: order(left(event), right(event))

    def match(self, node: Match) -> Condition:
        right = node.right
        pattern = right.pattern if isinstance(right, Regex) else right.value
        search = ruby_regex(pattern, right.position).search
        negate = node.op == "!~"
        lref, lconst = self.operand(node.left)
        if lref is None:
            matched = isinstance(lconst, str) and search(lconst) is not None
            return _const(matched != negate)
        ref = lref
        if negate:
            return lambda event: not (isinstance(v := event.get(ref), str) and search(v) is not None)
        return lambda event: isinstance(v := event.get(ref), str) and search(v) is not None

    def membership(self, node: In) -> Condition:
        lref, lconst = self.operand(node.left)
        rref, rconst = self.operand(node.right)
        if rref is None:
            if isinstance(rconst, list):
                texts = frozenset(t for t in map(_as_text, rconst) if t is not None)
                if lref is None:
                    text = _as_text(lconst)
                    return _const(text is not None and text in texts)
                ref = lref
                return lambda event: (t := _as_text(event.get(ref))) is not None and t in texts
            haystack = _as_text(rconst)
            if haystack is None:
                raise ConfigError("the right side of 'in' must be a field, an array or a string", position=node.position)
            if lref is None:
                return _const(isinstance(lconst, str) and lconst in haystack)
            ref = lref
            return lambda event: isinstance(v := event.get(ref), str) and v in haystack
        container_ref = rref
        if lref is None and isinstance(lconst, str):
            # the common `"tag" in [tags]`: a string only equals a string, so Python's `in` is exact
            text = lconst
            return lambda event: isinstance(c := event.get(container_ref), (list, str)) and text in c
        item = _getter(lref, lconst)
        return lambda event: _contains(event.get(container_ref), item(event))


def _contains(container: Any, item: Any) -> bool:
    """`item in [field]` for a field value: substring of a string, member of an array."""
    if container is None or isinstance(item, (list, dict)):
        return False
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, list):
        return any(values_equal(item, element) for element in container)
    if isinstance(container, dict):
        return False
    return item is not None and values_equal(item, container)


def _getter(ref: FieldRef | None, const: Any) -> Callable[[Event], Any]:
    if ref is None:
        return lambda event: const
    return lambda event: event.get(ref)


def _kind(value: Any) -> str:
    if value is None:
        return "nil (missing field)"
    if isinstance(value, bool):
        return "a boolean"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a hash"
    return f"a {type(value).__name__}"


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
