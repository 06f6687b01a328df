"""The `dissect` filter: split text by literal delimiters, no regex: `%{ts} %{+ts} %{level} %{msg}`.

A mapping compiles once into its delimiters and fields; text after the last field ends it at
its first appearance and the remainder is ignored, as Logstash 8's dissect does. Modifiers:
`%{+f}` append (joined by the delimiter before it, ordered by `/N`), `%{}` / `%{?f}` skip,
`%{&f}` a key named by the value of `%{?f}`, `%{f->}` skip the repeated delimiter that follows
(padding). Touching fields (`%{a}%{b}`) are allowed as in Logstash: the first is always empty.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable

from pydantic import ConfigDict, field_validator

from ..errors import ConfigError
from ..event import Event, FieldRef, field_ref, parse_field_ref, ruby_text
from .base import ANY_FIELD, Filter, FilterOptions, Path, StrList, StrMap

__all__ = ["DissectFilter", "Dissector", "DissectField"]

_FIELD = re.compile(r"%\{(.*?)\}", re.DOTALL)
_ORDINAL = re.compile(r"(.*)/(\d+)$", re.DOTALL)
NORMAL, SKIP, APPEND, INDIRECT = "normal", "skip", "append", "indirect"
_WRITE_RANK = {NORMAL: 0, APPEND: 1, INDIRECT: 2}


class DissectField:
    """One `%{...}` of a mapping: its kind, name, padding flag and append order."""

    __slots__ = ("kind", "name", "pad", "ordinal", "ref", "join")

    def __init__(self, spec: str, previous_delimiter: str | None) -> None:
        self.pad = spec.endswith("->")
        if self.pad:
            spec = spec[:-2]
        self.ordinal = 0
        if spec.startswith(("+&", "&+")):
            raise ConfigError(f"dissect field %{{{spec}}} mixes the append (+) and indirect (&) prefixes", option="mapping")
        if spec == "" or spec.startswith("?"):
            self.kind, self.name = SKIP, spec[1:]
        elif spec.startswith("+"):
            self.kind, self.name = APPEND, spec[1:]
            ordered = _ORDINAL.match(self.name)
            if ordered:
                self.name, self.ordinal = ordered.group(1), int(ordered.group(2))
        elif spec.startswith("&"):
            self.kind, self.name = INDIRECT, spec[1:]
        else:
            self.kind, self.name = NORMAL, spec
        if self.kind in (APPEND, INDIRECT) and not self.name:
            raise ConfigError(f"dissect field %{{{spec}}} has a prefix but no name", option="mapping")
        self.ref: FieldRef | None = field_ref(self.name) if self.kind != SKIP and self.kind != INDIRECT else None
        self.join = previous_delimiter if previous_delimiter else " "


class Dissector:
    """A compiled mapping: `split(text)` gives each field's text, or None when a delimiter is missing."""

    __slots__ = ("mapping", "prefix", "suffix", "fields", "delimiters", "writes", "_by_name")

    def __init__(self, mapping: str) -> None:
        if not mapping:
            raise ConfigError("a dissect mapping cannot be empty", option="mapping")
        self.mapping = mapping
        literals: list[str] = []
        specs: list[str] = []
        pos = 0
        for m in _FIELD.finditer(mapping):
            literals.append(mapping[pos : m.start()])
            specs.append(m.group(1))
            pos = m.end()
        if not specs:
            raise ConfigError(f"dissect mapping {mapping!r} has no %{{field}}", option="mapping")
        self.prefix = literals[0]
        self.suffix = mapping[pos:]
        self.delimiters = tuple(literals[1:])  # delimiters[i] sits between field i and i+1
        self.fields = tuple(
            DissectField(spec, literals[i] if i > 0 else None) for i, spec in enumerate(specs)
        )
        order = sorted(
            (i for i, f in enumerate(self.fields) if f.kind != SKIP),
            key=lambda i: (_WRITE_RANK[self.fields[i].kind], self.fields[i].ordinal, i),
        )
        self.writes = tuple(order)
        self._by_name = {f.name: i for i, f in reversed(list(enumerate(self.fields))) if f.kind != INDIRECT and f.name}

    def split(self, text: str) -> list[str] | None:
        """Each field's text in mapping order, or None when the text does not fit the mapping."""
        pos = 0
        if self.prefix:
            if not text.startswith(self.prefix):
                return None
            pos = len(self.prefix)
        values: list[str] = []
        fields = self.fields
        for i, delimiter in enumerate(self.delimiters):
            if not delimiter:  # touching fields: Logstash gives the first one an empty value
                values.append("")
                continue
            end = text.find(delimiter, pos)
            if end < 0:
                return None
            values.append(text[pos:end])
            pos = end + len(delimiter)
            if fields[i].pad:
                while text.startswith(delimiter, pos):
                    pos += len(delimiter)
        rest = text[pos:]
        if self.suffix:
            # Text after the last field is a delimiter too: the last field ends where it first
            # appears, and whatever follows it is ignored (Logstash skips it, no failure).
            end = rest.find(self.suffix)
            if end < 0:
                return None
            rest = rest[:end]
        values.append(rest)
        return values

    def write(self, event: Event, values: list[str]) -> None:
        """Write the found values: normal fields, then appends in order, then indirect keys."""
        fields = self.fields
        for i in self.writes:
            field = fields[i]
            value = values[i]
            if field.kind == NORMAL:
                event.set(field.ref, value)  # type: ignore[arg-type]
            elif field.kind == APPEND:
                ref = field.ref
                if event.includes(ref):  # type: ignore[arg-type]
                    event.set(ref, f"{ruby_text(event.get(ref))}{field.join}{value}")  # type: ignore[arg-type]
                else:
                    event.set(ref, value)  # type: ignore[arg-type]
            else:
                source = self._by_name.get(field.name)
                key = values[source] if source is not None else ruby_text(event.get(field.name))
                if key:
                    event.set(field_ref(key), value)


# convert_datatype reads numbers as Java's BigDecimal does: optional sign, digits with an optional
# point, optional exponent; no blanks, no underscores, no NaN/Infinity, no hex.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _decimal_text(value: Any) -> str:
    text = ruby_text(value)
    if not _DECIMAL.fullmatch(text):
        raise ValueError(text)
    return text


def _to_int(value: Any) -> int:
    """`int`: a decimal number truncated toward zero ("3.7" is 3, "1e3" is 1000), any size."""
    return int(Decimal(_decimal_text(value)))


def _to_float(value: Any) -> float:
    """`float`: a decimal number ("1e3" is 1000.0)."""
    return float(_decimal_text(value))


_CONVERTERS: dict[str, Callable[[Any], Any]] = {"int": _to_int, "float": _to_float}


class DissectOptions(FilterOptions):
    """dissect's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    mapping: StrMap = {}
    convert_datatype: StrMap = {}
    tag_on_failure: StrList = ["_dissectfailure"]

    @field_validator("convert_datatype")
    @classmethod
    def _known_types(cls, value: dict[str, Any]) -> dict[str, Any]:
        for field, kind in value.items():
            if not isinstance(kind, str) or kind not in _CONVERTERS:
                raise ValueError(f"datatype {kind!r} for {field!r} is not one of int, float")
        return value


class DissectFilter(Filter):
    """Logstash's `dissect`: each mapping in turn; a text that does not fit its mapping is left
    as it is and the event tagged (`tag_on_failure`)."""

    name = "dissect"
    Options = DissectOptions
    __slots__ = ("_mappings", "_conversions", "_failure_tags")

    def _compile(self, options: DissectOptions) -> None:
        mappings = []
        for source, mapping in options.mapping.items():
            if not isinstance(mapping, str):
                raise ConfigError(f"dissect mapping for {source!r} must be text", option="mapping")
            if mapping:
                mappings.append((field_ref(source), Dissector(mapping)))
        self._mappings = tuple(mappings)
        self._conversions = tuple(
            (field_ref(field), _CONVERTERS[kind], field, kind) for field, kind in options.convert_datatype.items()
        )
        self._failure_tags = tuple(options.tag_on_failure)

    def _writes(self) -> set[Path]:
        fields = [f for _, dissector in self._mappings for f in dissector.fields if f.kind != SKIP]
        # an indirect field's key is another field's value: it may create any field
        return {("tags",)} | {ANY_FIELD if f.kind == INDIRECT else parse_field_ref(f.name, lenient=True) for f in fields}

    def apply(self, event: Event) -> bool:
        # Mappings run in order, each writing as it fits, as Logstash's do: a later mapping can
        # dissect a field an earlier one wrote, and one that does not fit leaves the others be.
        matched = True
        for ref, dissector in self._mappings:
            value = event.get(ref)
            if value is None:
                continue
            values = dissector.split(value if isinstance(value, str) else ruby_text(value))
            if values is None:
                matched = False
                continue
            dissector.write(event, values)
        if not matched:
            event.tag(*self._failure_tags)
            return False
        for ref, convert, field, kind in self._conversions:
            value = event.get(ref)
            if value is None:
                event.tag(f"_dataconversionnullvalue_{field}_{kind}")
                continue
            try:
                event.set(ref, convert(value))
            except (ValueError, OverflowError):
                event.tag(f"_dataconversionuncoercible_{field}_{kind}")
        return True
