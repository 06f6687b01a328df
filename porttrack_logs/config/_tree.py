"""The typed tree of a Logstash pipeline configuration, as the parser builds it.

Frozen, slotted dataclasses rather than pydantic models: the parser is the only producer and
already guarantees the shapes, so validation would only cost time; frozen nodes compare by value
(positions excluded) which is what the print/parse round trip and the tests need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

from ..errors import Position
from ..event import parse_field_ref

__all__ = [
    "NOWHERE",
    "String",
    "Number",
    "Bareword",
    "Array",
    "HashEntry",
    "Hash",
    "Regex",
    "Selector",
    "Plugin",
    "Attribute",
    "Compare",
    "Match",
    "In",
    "Not",
    "BoolOp",
    "Branch",
    "If",
    "Section",
    "PipelineConfig",
    "Value",
    "Expr",
    "Statement",
    "SECTION_KINDS",
    "COMPARE_OPS",
    "MATCH_OPS",
    "BOOL_OPS",
]

NOWHERE = Position("<built>", 0, 0)
SECTION_KINDS = ("input", "filter", "output")
COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">")
MATCH_OPS = ("=~", "!~")
BOOL_OPS = ("and", "or", "xor", "nand")


def _pos() -> Position:
    return field(default=NOWHERE, compare=False, repr=False)  # type: ignore[return-value]


# -- values (the right side of `name => value`) ------------------------------------------------
@dataclass(frozen=True, slots=True)
class String:
    """A quoted string; `value` is its text (escapes processed only with `support_escapes`)."""

    value: str
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Number:
    """An integer or a decimal number (`-1`, `2.5`, `3.`)."""

    value: int | float
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Bareword:
    """An unquoted word (`json`, `true`): Logstash hands it to the plugin as a string."""

    value: str
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Array:
    """`[a, b, c]`."""

    items: tuple["Value", ...]
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class HashEntry:
    """`key => value` inside a hash; the key is a string, a bareword or a number."""

    key: Union[String, Bareword, Number]
    value: "Value"
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Hash:
    """`{ key => value ... }` (entries separated by whitespace, keys unique)."""

    entries: tuple[HashEntry, ...]
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Attribute:
    """`name => value` inside a plugin block."""

    name: str
    value: "Value"
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Plugin:
    """`name { attributes }`: a plugin in a section, or a codec given as an attribute value."""

    name: str
    attributes: tuple[Attribute, ...] = ()
    position: Position = _pos()


# -- condition expressions ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Regex:
    """`/pattern/` as written between the slashes (`\\/` kept)."""

    pattern: str
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Selector:
    """A field reference in a condition, `[a][b]`, kept as written."""

    text: str
    position: Position = _pos()

    @property
    def path(self) -> tuple[str, ...]:
        """The reference as a path of keys (`event.parse_field_ref`, the one parser of them)."""
        return parse_field_ref(self.text, lenient=True)


@dataclass(frozen=True, slots=True)
class Compare:
    """`left op right` with op one of == != < <= > >=."""

    op: str
    left: "Expr"
    right: "Expr"
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Match:
    """`left =~ right` or `left !~ right`; right is a regex literal or a string."""

    op: str
    left: "Expr"
    right: Union[Regex, String]
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class In:
    """`left in right`, or `left not in right` when `negated`."""

    left: "Expr"
    right: "Expr"
    negated: bool = False
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Not:
    """`!operand`, where the operand is a selector or a parenthesised condition."""

    operand: "Expr"
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`a op b op c ...` for one boolean operator; n-ary so long chains stay shallow."""

    op: str
    operands: tuple["Expr", ...]
    position: Position = _pos()


# -- statements ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Branch:
    """One arm of an if: its condition (None for `else`) and its body."""

    condition: "Expr | None"
    body: tuple["Statement", ...]
    position: Position = _pos()

    def __iter__(self) -> Iterator:
        """Unpacks as `(condition, body)`."""
        yield self.condition
        yield self.body


@dataclass(frozen=True, slots=True)
class If:
    """`if ... {} else if ... {} else {}`: branches in order, the `else` one last with None."""

    branches: tuple[Branch, ...]
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class Section:
    """`input {}`, `filter {}` or `output {}` with its plugins and conditionals."""

    kind: str
    body: tuple["Statement", ...]
    position: Position = _pos()


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """A whole configuration: its sections in source order (several sources concatenated)."""

    sections: tuple[Section, ...]
    sources: tuple[str, ...] = field(default=(), compare=False)

    def of_kind(self, kind: str) -> tuple["Statement", ...]:
        """The bodies of every section of one kind, concatenated in order, as Logstash does."""
        return tuple(stmt for section in self.sections if section.kind == kind for stmt in section.body)


Value = Union[String, Number, Bareword, Array, Hash, Plugin]
Expr = Union[Compare, Match, In, Not, BoolOp, Selector, String, Number, Array, Regex, Bareword, Hash, Plugin]
Statement = Union[Plugin, If]
