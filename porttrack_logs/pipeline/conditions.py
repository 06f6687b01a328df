"""Compile a condition of the configuration tree once: a closure over an Event, and the same test
as a Python expression for generated code.

Semantics follow Logstash's compiled conditions:
- a missing field reads as nil;
- `==` / `!=`: numbers compare numerically (1 == 1.0), strings as strings; across types never
  equal (`"1" == 1` is false; a boolean is not a number);
- `<` `<=` `>` `>=`: numbers with numbers, strings with strings (by code point). On any other pair
  (nil included) Logstash 8.16+ logs an error and drops the event; here the comparison is false,
  or, with `strict=True`, raises EventError so the caller can drop or dead-letter the event;
- `=~` / `!~`: only a string field can match (`!~` is its negation); the regex is Ruby's, read by
  grok's Oniguruma translator (`^`/`$` at line breaks, ASCII `\\w`, POSIX classes, `(?m)` dot-all);
- `in`: a field in an array literal compares as text (`[code] in [200, 404]` is true for 200
  and for "200"); a string in a string field is a substring test; a value in an array field is
  membership; a field holding an array or hash is never "in" anything;
- a bare `[field]`: false when missing, nil, false, "" or the string "false" (Logstash tests
  the value's text: elastic/logstash#14232, #12064), true otherwise (0, [] and {} are true);
- `and`/`or` short-circuit; `xor` is true when exactly one side is; `nand` is not-and.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from ..event import Event, FieldRef, field_ref, scalar_text
from ..filters.base import CodeWriter
from ..grok import compile_ruby_regex

__all__ = ["Condition", "compile_condition", "truthy", "values_equal", "ruby_regex"]

Test = Callable[[Event], bool]
Emit = Callable[[CodeWriter], str]  #: a code writer -> the test as a Python expression over its locals


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


def ruby_regex(pattern: str, position: Position | None = None) -> re.Pattern[str]:
    """Compile a Ruby-flavoured regex from a configuration into a Python one (line anchors on)."""
    try:
        return compile_ruby_regex(pattern, option="condition")
    except ConfigError as exc:
        raise ConfigError(f"invalid regex /{pattern}/: {exc.message}", position=position) from None


# -- compiler ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Condition:
    """A condition compiled once. `test(event)` answers it (the steps, the output routing);
    `expression(w)` is the same test as Python source for generated code (`pipeline.codegen`):
    an inline expression for the shapes pipelines use most, a call of `test` for the rest."""

    node: object
    test: Test
    emit: Emit | None = None

    def __call__(self, event: Event) -> bool:
        return self.test(event)

    def expression(self, w: CodeWriter) -> str:
        """The test as an expression over the writer's locals (see `CodeWriter`)."""
        return self.emit(w) if self.emit is not None else f"{w.const(self.test, 'cond')}({w.event})"


def compile_condition(expr: object, *, strict: bool = False) -> Condition:
    """A condition node compiled once (field references, regexes) into the form the steps, the
    generated code and the output routing share. With `strict`, ordering comparisons between
    values Logstash cannot order raise EventError (Logstash drops such an event); else false."""
    test, emit = _Compiler(strict).condition(expr)
    return Condition(expr, test, emit)


def _const(result: bool) -> tuple[Test, None]:
    return ((lambda event: True) if result else (lambda event: False)), None


def _truthy_expr(w: CodeWriter, ref: FieldRef) -> str:
    v = w.temp("v")
    return (
        f"(({v} := {w.get_expr(ref)}) is not None and {v} is not False"
        f" and (not isinstance({v}, str) or ({v} != '' and {v} != 'false')))"
    )


class _Compiler:
    """Each node to (test, emit): the closure, and a writer of the same test as source (or None)."""

    __slots__ = ("strict",)

    def __init__(self, strict: bool) -> None:
        self.strict = strict

    def condition(self, node: object) -> tuple[Test, Emit | None]:
        if isinstance(node, BoolOp):
            return self.boolean(node)
        if isinstance(node, Not):
            inner, emit = self.condition(node.operand)
            return (lambda event: not inner(event)), (None if emit is None else lambda w: f"(not {emit(w)})")
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Match):
            return self.match(node)
        if isinstance(node, In):
            test, emit = self.membership(node)
            if not node.negated:
                return test, emit
            return (lambda event: not test(event)), (None if emit is None else lambda w: f"(not {emit(w)})")
        if isinstance(node, Selector):
            ref = self.ref(node)
            return (lambda event: truthy(event.get(ref))), (lambda w: _truthy_expr(w, ref))
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

    def boolean(self, node: BoolOp) -> tuple[Test, Emit | None]:
        compiled = [self.condition(o) for o in node.operands]
        parts = tuple(test for test, _ in compiled)
        emits = tuple(emit for _, emit in compiled)
        op = node.op
        emit: Emit | None = None
        if op in ("and", "or") and all(e is not None for e in emits):
            emit = lambda w: "(" + f" {op} ".join(e(w) for e in emits) + ")"  # type: ignore[misc]  # noqa: E731
        if op == "and":
            if len(parts) == 2:
                a, b = parts
                return (lambda event: a(event) and b(event)), emit
            return (lambda event: all(p(event) for p in parts)), emit
        if op == "or":
            if len(parts) == 2:
                a, b = parts
                return (lambda event: a(event) or b(event)), emit
            return (lambda event: any(p(event) for p in parts)), emit
        if op == "xor":
            def xor(event: Event) -> bool:
                result = False
                for p in parts:
                    result ^= bool(p(event))
                return result

            return xor, None
        if op == "nand":
            return (lambda event: not all(p(event) for p in parts)), None
        raise ConfigError(f"unknown boolean operator {op!r}", position=node.position)

    def compare(self, node: Compare) -> tuple[Test, Emit | None]:
        lref, lconst = self.operand(node.left)
        rref, rconst = self.operand(node.right)
        op = node.op
        if op in ("==", "!="):
            negate = op == "!="
            if lref is None and rref is None:
                return _const(values_equal(lconst, rconst) != negate)
            if (rref is None and isinstance(rconst, str)) or (lref is None and isinstance(lconst, str)):
                ref, c = (lref, rconst) if rref is None else (rref, lconst)
                emit = lambda w: f"({w.get_expr(ref)} {op} {c!r})"  # noqa: E731
                if negate:
                    return (lambda event: event.get(ref) != c), emit
                return (lambda event: event.get(ref) == c), emit
            left, right = _getter(lref, lconst), _getter(rref, rconst)
            if negate:
                return (lambda event: not values_equal(left(event), right(event))), None
            return (lambda event: values_equal(left(event), right(event))), None
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
                return (lambda event: (check(v, c) if _is_number(v := event.get(ref)) else order(v, c))), None
            return (lambda event: order(event.get(ref), c)), None
        left, right = _getter(lref, lconst), _getter(rref, rconst)
        return (lambda event: order(left(event), right(event))), None

    def match(self, node: Match) -> tuple[Test, Emit | None]:
        right = node.right
        pattern = right.pattern if isinstance(right, Regex) else right.value
        search = ruby_regex(pattern, right.position).search
        negate = node.op == "!~"
        lref, lconst = self.operand(node.left)
        if lref is None:
            matched = isinstance(lconst, str) and search(lconst) is not None
            return _const(matched != negate)
        ref = lref

        def emit(w: CodeWriter) -> str:
            v = w.temp("v")
            test = f"(isinstance({v} := {w.get_expr(ref)}, str) and {w.const(search, 'search')}({v}) is not None)"
            return f"(not {test})" if negate else test

        if negate:
            return (lambda event: not (isinstance(v := event.get(ref), str) and search(v) is not None)), emit
        return (lambda event: isinstance(v := event.get(ref), str) and search(v) is not None), emit

    def membership(self, node: In) -> tuple[Test, Emit | None]:
        lref, lconst = self.operand(node.left)
        rref, rconst = self.operand(node.right)
        if rref is None:
            if isinstance(rconst, list):
                texts = frozenset(t for t in map(scalar_text, rconst) if t is not None)
                if lref is None:
                    text = scalar_text(lconst)
                    return _const(text is not None and text in texts)
                ref = lref

                def emit(w: CodeWriter) -> str:  # a string is its own text: only other values go through scalar_text
                    t, u, known = w.temp("t"), w.temp("u"), w.const(texts, "texts")
                    return (
                        f"(({t} in {known}) if ({t} := {w.get_expr(ref)}).__class__ is str"
                        f" else (({u} := {w.const(scalar_text, 'as_text')}({t})) is not None and {u} in {known}))"
                    )

                return (lambda event: (t := scalar_text(event.get(ref))) is not None and t in texts), emit
            haystack = scalar_text(rconst)
            if haystack is None:
                raise ConfigError("the right side of 'in' must be a field, an array or a string", position=node.position)
            if lref is None:
                return _const(isinstance(lconst, str) and lconst in haystack)
            ref = lref
            return (lambda event: isinstance(v := event.get(ref), str) and v in haystack), None
        container_ref = rref
        if lref is None and isinstance(lconst, str):
            # the common `"tag" in [tags]`: a string only equals a string, so Python's `in` is exact
            text = lconst

            def emit_in(w: CodeWriter) -> str:
                c = w.temp("c")
                return f"(isinstance({c} := {w.get_expr(container_ref)}, (list, str)) and {text!r} in {c})"

            return (lambda event: isinstance(c := event.get(container_ref), (list, str)) and text in c), emit_in
        item = _getter(lref, lconst)
        return (lambda event: _contains(event.get(container_ref), item(event))), None


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
