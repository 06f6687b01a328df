"""Print a configuration tree back as Logstash configuration text that parses to the same tree."""

from __future__ import annotations

import re
from decimal import Decimal

from ..errors import ConfigError
from ._tree import (
    Array,
    Attribute,
    Bareword,
    BoolOp,
    Compare,
    Hash,
    If,
    In,
    Match,
    Not,
    Number,
    PipelineConfig,
    Plugin,
    Regex,
    Section,
    Selector,
    String,
)

__all__ = ["to_source"]

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BAREWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
_SELECTOR = re.compile(r"(?:\[[^\[\],]+\])+")
_KEYWORDS = frozenset({"if", "else"})
_ESCAPE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def to_source(node: object, *, support_escapes: bool = False, indent: str = "  ") -> str:
    """Configuration text for a tree (or any node of it); parse(to_source(t)) == t.

    `support_escapes` must match how the text will be parsed. Raises ConfigError for the few
    values Logstash's syntax cannot express (e.g. a string with both quote kinds and no escapes).
    """
    return _Printer(support_escapes, indent).node(node, 0)


class _Printer:
    __slots__ = ("escapes", "indent")

    def __init__(self, escapes: bool, indent: str) -> None:
        self.escapes = escapes
        self.indent = indent

    def node(self, node: object, level: int) -> str:
        if isinstance(node, PipelineConfig):
            return "".join(self.section(s, 0) for s in node.sections)
        if isinstance(node, Section):
            return self.section(node, level)
        if isinstance(node, (Plugin, If)):
            return "".join(self.statement(node, level))
        if isinstance(node, Attribute):
            return f"{self.name(node.name)} => {self.value(node.value, level)}"
        if isinstance(node, (Compare, Match, In, Not, BoolOp, Selector, Regex)):
            return self.expr(node)
        return self.value(node, level)  # type: ignore[arg-type]

    # -- structure ----------------------------------------------------------------------------
    def section(self, section: Section, level: int) -> str:
        pad = self.indent * level
        lines = [f"{pad}{section.kind} {{\n"]
        for stmt in section.body:
            lines.extend(self.statement(stmt, level + 1))
        lines.append(f"{pad}}}\n")
        return "".join(lines)

    def statement(self, stmt: object, level: int) -> list[str]:
        pad = self.indent * level
        if isinstance(stmt, Plugin):
            return [pad, self.plugin(stmt, level), "\n"]
        if isinstance(stmt, If):
            out: list[str] = []
            for i, (cond, body) in enumerate(stmt.branches):
                if i == 0:
                    head = f"{pad}if {self.expr(cond)} {{\n"
                elif cond is not None:
                    head = f" else if {self.expr(cond)} {{\n"
                else:
                    head = " else {\n"
                out.append(head)
                for inner in body:
                    out.extend(self.statement(inner, level + 1))
                out.append(f"{pad}}}")
            out.append("\n")
            return out
        raise ConfigError(f"cannot print {type(stmt).__name__} as a statement; expected a plugin or an if")

    def plugin(self, plugin: Plugin, level: int) -> str:
        name = plugin.name if _NAME.fullmatch(plugin.name) and plugin.name not in _KEYWORDS else self.string(plugin.name, raw=True)
        if not plugin.attributes:
            return f"{name} {{}}"
        pad = self.indent * (level + 1)
        body = "".join(
            f"{pad}{self.name(a.name)} => {self.value(a.value, level + 1)}\n" for a in plugin.attributes
        )
        return f"{name} {{\n{body}{self.indent * level}}}"

    def name(self, name: str) -> str:
        return name if _NAME.fullmatch(name) else self.string(name, raw=True)

    # -- values -------------------------------------------------------------------------------
    def value(self, value: object, level: int) -> str:
        if isinstance(value, String):
            return self.string(value.value)
        if isinstance(value, Number):
            return self.number(value.value)
        if isinstance(value, Bareword):
            if not _BAREWORD.fullmatch(value.value):
                raise ConfigError(f"'{value.value}' cannot be written as a bareword; use a String node")
            return value.value
        if isinstance(value, Array):
            return "[" + ", ".join(self.value(v, level) for v in value.items) + "]"
        if isinstance(value, Hash):
            if not value.entries:
                return "{}"
            pad = self.indent * (level + 1)
            body = "".join(
                f"{pad}{self.value(e.key, level + 1)} => {self.value(e.value, level + 1)}\n"
                for e in value.entries
            )
            return f"{{\n{body}{self.indent * level}}}"
        if isinstance(value, Plugin):
            return self.plugin(value, level)
        raise ConfigError(f"cannot print {type(value).__name__} as a value")

    def number(self, value: int | float) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"not a number: {value!r}")
        if isinstance(value, int):
            return str(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{value!r} has no Logstash spelling")
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else text + ".0"

    def string(self, text: str, raw: bool = False) -> str:
        if self.escapes and not raw:
            if text.endswith("\\"):
                raise ConfigError("a string ending in a backslash cannot be written in Logstash syntax")
            return '"' + "".join(_ESCAPE.get(c, c) for c in text) + '"'
        for quote in ('"', "'"):
            if _fits(text, quote):
                return f"{quote}{text}{quote}"
        raise ConfigError(
            f"the string {text!r} cannot be written without escapes (it holds both quote kinds, "
            "or ends in a backslash); enable support_escapes"
        )

    # -- expressions ----------------------------------------------------------------------------
    def expr(self, node: object) -> str:
        if isinstance(node, BoolOp):
            parts = [f"({self.expr(o)})" if isinstance(o, BoolOp) else self.expr(o) for o in node.operands]
            return f" {node.op} ".join(parts)
        if isinstance(node, Not):
            inner = node.operand
            if isinstance(inner, Selector):
                return f"!{inner.text}"
            return f"!({self.expr(inner)})"
        if isinstance(node, Compare):
            return f"{self.rvalue(node.left)} {node.op} {self.rvalue(node.right)}"
        if isinstance(node, Match):
            return f"{self.rvalue(node.left)} {node.op} {self.rvalue(node.right)}"
        if isinstance(node, In):
            op = "not in" if node.negated else "in"
            return f"{self.rvalue(node.left)} {op} {self.rvalue(node.right)}"
        return self.rvalue(node)

    def rvalue(self, node: object) -> str:
        if isinstance(node, Selector):
            if not _SELECTOR.fullmatch(node.text):
                raise ConfigError(f"'{node.text}' is not a field reference Logstash can read")
            return node.text
        if isinstance(node, Regex):
            if not _regex_fits(node.pattern):
                raise ConfigError(f"the regex {node.pattern!r} cannot be written between slashes")
            return f"/{node.pattern}/"
        if isinstance(node, Array):
            text = self.value(node, 0)
            if _SELECTOR.match(text):
                raise ConfigError(
                    f"the array {text} cannot be written in a condition: Logstash reads it as a field reference"
                )
            return text
        if isinstance(node, (String, Number)):
            return self.value(node, 0)
        raise ConfigError(f"cannot print {type(node).__name__} in a condition")


def _fits(text: str, quote: str) -> bool:
    """Whether `quote` + text + `quote` lexes back to exactly `text` without escape processing."""
    if text.endswith("\\"):
        return False
    i = text.find(quote)
    while i != -1:
        if i == 0 or text[i - 1] != "\\":
            return False
        i = text.find(quote, i + 1)
    return True


def _regex_fits(pattern: str) -> bool:
    return _fits(pattern, "/")
