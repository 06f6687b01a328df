"""The `mutate` filter: rename, replace, convert, gsub, case, strip, split, join, merge, copy.

Operations always run in Logstash's fixed order (`ORDER`), whatever order the configuration
lists them in; a failing operation tags the event `_mutate_error` and skips the common options.
"""

from __future__ import annotations

import copy as _copy
import re
from typing import Any, Callable

from pydantic import ConfigDict, Field, field_validator

from ..errors import ConfigError, EventError
from ..event import (
    Event, FieldRef, Template, field_ref, parse_field_ref, ruby_replacement, ruby_split, ruby_strip, ruby_text,
)
from ..grok import compile_ruby_regex
from .base import CodeWriter, Filter, FilterOptions, Path, StrList, StrMap

__all__ = ["MutateFilter", "ORDER", "CONVERSIONS"]

ORDER = (
    "coerce",
    "rename",
    "update",
    "replace",
    "convert",
    "gsub",
    "uppercase",
    "capitalize",
    "lowercase",
    "strip",
    "split",
    "join",
    "merge",
    "copy",
)
"""Logstash's mutate order: the configuration cannot change it; use two mutate blocks instead."""

Step = Callable[[Event], None]
_FAILURES = (EventError, ValueError, TypeError, ArithmeticError, AttributeError, re.error, KeyError, IndexError)


# -- conversions ------------------------------------------------------------------------------
_HEX = re.compile(r"[+-]?0[xX]")
_LEADING_INT = re.compile(r"\s*([+-]?\d+(?:_\d+)*)")
_FLOAT_TEXT = re.compile(r"[+-]?(?=\.?\d)(?:\d+(?:_\d+)*)?(?:\.\d+(?:_\d+)*)?(?:[eE][+-]?\d+(?:_\d+)*)?")
_TRUE = re.compile(r"^(true|t|yes|y|1|1.0)$", re.IGNORECASE | re.MULTILINE)
_FALSE = re.compile(r"^(false|f|no|n|0|0.0)$", re.IGNORECASE | re.MULTILINE)


def _hex_number(text: str) -> float | None:
    if not _HEX.match(text):
        return None
    return float.fromhex(text)


def to_integer(value: Any) -> Any:
    """mutate's `integer`: commas dropped, decimals truncated, hex and exponents read, text without digits is 0."""
    if isinstance(value, str):
        value = ruby_strip(value).replace(",", "")
    if value is True:
        return 1
    if value is False:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        hex_value = _hex_number(value)
        if hex_value is not None:
            return int(value, 16) if "." not in value else int(hex_value)
        if "e" in value:
            from decimal import Decimal, InvalidOperation

            try:
                return int(Decimal(value.replace("_", "")))
            except InvalidOperation:
                raise ValueError(f"cannot convert {value!r} to integer") from None
        m = _LEADING_INT.match(value)
        return int(m.group(1).replace("_", "")) if m else 0
    if isinstance(value, float):
        return int(value)
    raise TypeError(f"cannot convert a {type(value).__name__} to integer")


def to_float(value: Any) -> Any:
    """mutate's `float`: commas dropped, strict otherwise (text that is not a number fails)."""
    if isinstance(value, str):
        value = ruby_strip(value).replace(",", "")
    if value is True:
        return 1.0
    if value is False:
        return 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        hex_value = _hex_number(value)
        if hex_value is not None:
            return hex_value
        if not _FLOAT_TEXT.fullmatch(value):
            raise ValueError(f"cannot convert {value!r} to float")
        return float(value.replace("_", ""))
    if isinstance(value, int):
        return float(value)
    raise TypeError(f"cannot convert a {type(value).__name__} to float")


def _eu(text: Any) -> Any:
    return text.translate(_EU_SWAP) if isinstance(text, str) else text


_EU_SWAP = str.maketrans({",": ".", ".": ","})


def to_boolean(value: Any) -> Any:
    """mutate's `boolean`: true/t/yes/y/1, false/f/no/n/0 (any case); anything else passes unchanged."""
    text = ruby_text(value)
    if _TRUE.search(text):
        return True
    if not text or _FALSE.search(text):
        return False
    return value


CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "integer": to_integer,
    "integer_eu": lambda v: to_integer(_eu(v)),
    "float": to_float,
    "float_eu": lambda v: to_float(_eu(v)),
    "string": ruby_text,
    "boolean": to_boolean,
}


# -- options ----------------------------------------------------------------------------------
class MutateOptions(FilterOptions):
    """mutate's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    coerce: StrMap = {}
    rename: StrMap = {}
    update: StrMap = {}
    replace: StrMap = {}
    convert: StrMap = {}
    gsub: list[Any] = []
    uppercase: StrList = []
    capitalize: StrList = []
    lowercase: StrList = []
    strip: StrList = []
    split: StrMap = {}
    join: StrMap = {}
    merge: StrMap = {}
    copy_: StrMap = Field({}, alias="copy")  # `copy` would shadow pydantic's BaseModel.copy
    tag_on_failure: str = "_mutate_error"

    @field_validator("convert")
    @classmethod
    def _known_conversions(cls, value: dict[str, Any]) -> dict[str, Any]:
        for field, kind in value.items():
            if not isinstance(kind, str) or kind not in CONVERSIONS:
                raise ValueError(
                    f"conversion {kind!r} for field {field!r} is not one of {', '.join(CONVERSIONS)}"
                )
        return value

    @field_validator("gsub")
    @classmethod
    def _gsub_triples(cls, value: list[Any]) -> list[Any]:
        if len(value) % 3 or any(not isinstance(v, str) for v in value):
            raise ValueError("gsub takes triples of strings: field, regex, replacement")
        return value


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else ruby_text(value)


def _name(text: str) -> Callable[[Event], FieldRef]:
    """A field name that may hold `%{...}`: constant names are parsed once."""
    if "%{" in text:
        template = Template(text)
        return lambda event: field_ref(template.render(event))
    ref = field_ref(text)
    return lambda event: ref


# -- steps ------------------------------------------------------------------------------------
def _coerce(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), Template(_text_of(v))) for k, v in options.coerce.items())

    def coerce(event: Event) -> None:
        for ref, default in pairs:
            if event.includes(ref) and event.get(ref) is None:
                event.set(ref, default.render(event))

    return coerce


def _rename(options: MutateOptions) -> Step:
    pairs = tuple((_name(old), _name(_text_of(new))) for old, new in options.rename.items())

    def rename(event: Event) -> None:
        for old, new in pairs:
            source = old(event)
            if event.includes(source):
                event.set(new(event), event.remove(source))

    return rename


def _update(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), Template(_text_of(v))) for k, v in options.update.items())

    def update(event: Event) -> None:
        for ref, value in pairs:
            if event.includes(ref):
                event.set(ref, value.render(event))

    return update


def _replace(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), Template(_text_of(v))) for k, v in options.replace.items())

    def replace(event: Event) -> None:
        for ref, value in pairs:
            event.set(ref, value.render(event))

    return replace


def _convert(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), CONVERSIONS[v]) for k, v in options.convert.items())
    missing = object()

    def convert(event: Event) -> None:
        for ref, converter in pairs:
            value = event.get(ref, missing)
            if value is missing or value is None or isinstance(value, dict):
                continue
            if isinstance(value, list):
                event.set(ref, [v if v is None else converter(v) for v in value])
            else:
                event.set(ref, converter(value))

    return convert


def _gsub(options: MutateOptions) -> Step:
    rules = []
    raw = options.gsub
    for field, needle, replacement in zip(raw[0::3], raw[1::3], raw[2::3]):
        if "%{" in needle:
            regex = _dynamic_regex(Template(needle))
        else:
            regex = _constant(compile_ruby_regex(needle, option="gsub"))
        if "%{" in replacement:
            repl = _dynamic_replacement(Template(replacement))
        else:
            repl = _constant(ruby_replacement(replacement))
        rules.append((field_ref(field), regex, repl))
    compiled_rules = tuple(rules)

    def gsub(event: Event) -> None:
        for ref, regex, repl in compiled_rules:
            value = event.get(ref)
            if isinstance(value, str):
                event.set(ref, regex(event).sub(repl(event), value))
            elif isinstance(value, list):
                pattern, replacement = regex(event), repl(event)
                event.set(ref, [pattern.sub(replacement, v) if isinstance(v, str) else v for v in value])

    return gsub


def _constant(value: Any) -> Callable[[Event], Any]:
    """A per-event getter for something fixed at start-up."""
    return lambda event: value


def _dynamic_replacement(template: Template) -> Callable[[Event], Any]:
    return lambda event: ruby_replacement(template.render(event))


def _dynamic_regex(template: Template) -> Callable[[Event], re.Pattern[str]]:
    cache: dict[str, re.Pattern[str]] = {}

    def regex(event: Event) -> re.Pattern[str]:
        text = template.render(event)
        found = cache.get(text)
        if found is None:
            try:
                found = compile_ruby_regex(text, option="gsub")
            except ConfigError as exc:
                raise ValueError(exc.message) from None
            if len(cache) < 256:
                cache[text] = found
        return found

    return regex


def _case(fields: list[str], change: Callable[[str], str]) -> Step:
    refs = tuple(field_ref(f) for f in fields)

    def case(event: Event) -> None:
        for ref in refs:
            value = event.get(ref)
            if isinstance(value, str):
                event.set(ref, change(value))
            elif isinstance(value, list):
                event.set(ref, [change(v) if isinstance(v, str) else v for v in value])

    return case


def _strip(options: MutateOptions) -> Step:
    refs = tuple(field_ref(f) for f in options.strip)

    def strip(event: Event) -> None:
        for ref in refs:
            value = event.get(ref)
            if isinstance(value, str):
                event.set(ref, ruby_strip(value))
            elif isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    raise TypeError(f"strip: {ref.text} holds a list with non-text members")
                event.set(ref, [ruby_strip(v) for v in value])

    return strip


def _split(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), _text_of(v)) for k, v in options.split.items())

    def split(event: Event) -> None:
        for ref, separator in pairs:
            value = event.get(ref)
            if isinstance(value, str):
                event.set(ref, ruby_split(value, separator))

    return split


def _ruby_join(values: list[Any], separator: str) -> str:
    return separator.join(_ruby_join(v, separator) if isinstance(v, list) else ruby_text(v) for v in values)


def _join(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), _text_of(v)) for k, v in options.join.items())

    def join(event: Event) -> None:
        for ref, separator in pairs:
            value = event.get(ref)
            if isinstance(value, list):
                event.set(ref, _ruby_join(value, separator))

    return join


def _as_array(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _merge(options: MutateOptions) -> Step:
    pairs = tuple(
        (field_ref(dest), tuple(field_ref(a) for a in (added if isinstance(added, list) else [added])))
        for dest, added in options.merge.items()
    )

    def merge(event: Event) -> None:
        # Logstash reads the destination once per pair: a hash or an array grows with every
        # added field, but a missing or single value restarts from itself each time, so with
        # several added fields only the last one is kept (reproduced, it is what users get).
        for dest, sources in pairs:
            current = event.get(dest)
            for source in sources:
                added = event.get(source)
                if type(added) not in _IMMUTABLE and added is not None:
                    added = _copy.deepcopy(added)  # Logstash's set copies; no shared nested values
                if isinstance(current, dict) != isinstance(added, dict):
                    continue  # Logstash logs "cannot merge an array and a hash" and moves on
                if isinstance(current, dict):
                    current.update(added)
                    event.set(dest, current)
                elif isinstance(current, list):
                    current.extend(_as_array(added))
                    event.set(dest, current)
                else:
                    event.set(dest, _as_array(current) + _as_array(added))

    return merge


_IMMUTABLE = frozenset({str, int, float, bool, bytes})


def _copy_step(options: MutateOptions) -> Step:
    pairs = tuple((field_ref(k), field_ref(_text_of(v))) for k, v in options.copy_.items())

    def copy(event: Event) -> None:
        for source, dest in pairs:
            value = event.get(source)
            if value is not None:
                event.set(dest, value if type(value) in _IMMUTABLE else _copy.deepcopy(value))

    return copy


_ATTRIBUTE = {"copy": "copy_"}
_CASES: dict[str, Callable[[str], str]] = {"uppercase": str.upper, "capitalize": str.capitalize, "lowercase": str.lower}
_BUILDERS: dict[str, Callable[[MutateOptions], Step]] = {
    "coerce": _coerce,
    "rename": _rename,
    "update": _update,
    "replace": _replace,
    "convert": _convert,
    "gsub": _gsub,
    "uppercase": lambda o: _case(o.uppercase, _CASES["uppercase"]),
    "capitalize": lambda o: _case(o.capitalize, _CASES["capitalize"]),
    "lowercase": lambda o: _case(o.lowercase, _CASES["lowercase"]),
    "strip": _strip,
    "split": _split,
    "join": _join,
    "merge": _merge,
    "copy": _copy_step,
}


class MutateFilter(Filter):
    """Logstash's `mutate`: the configured operations, compiled into steps run in `ORDER`."""

    name = "mutate"
    Options = MutateOptions
    __slots__ = ("_steps", "_failure_tag")

    def _compile(self, options: MutateOptions) -> None:
        self._steps: tuple[Step, ...] = tuple(
            _BUILDERS[operation](options) for operation in ORDER if getattr(options, _ATTRIBUTE.get(operation, operation))
        )
        self._failure_tag = options.tag_on_failure

    def _writes(self) -> set[Path]:
        o = self.options
        written = (*o.rename.values(), *o.copy_.values(), *o.replace.keys(), *o.merge.keys())
        return {parse_field_ref(str(field), lenient=True) for field in written}

    def emit(self, g: CodeWriter, indent: int) -> bool | None:
        """Inline code for the generated pipeline (see pipeline.codegen): the case changes and
        copies written out when they are all the filter does, its steps called in order otherwise."""
        o = self.options
        inline = {"uppercase", "capitalize", "lowercase", "copy"}
        used = [name for name in ORDER if getattr(o, _ATTRIBUTE.get(name, name))]
        g.line(indent, "try:")
        if set(used) <= inline:
            for name in used:
                if name == "copy":
                    self._emit_copy(g, indent + 1)
                else:
                    self._emit_case(g, indent + 1, getattr(o, name), _CASES[name])
        else:
            for step in self._steps:
                g.line(indent + 1, f"{g.const(step, 'mutate')}({g.event})")
        if not used:
            g.line(indent + 1, "pass")
        g.line(indent, f"except {g.const(_FAILURES, 'failures')}:")
        g.line(indent + 1, f"{g.event}.tag({g.const(self._failure_tag, 'tag')})")
        g.outcome(indent + 1, "False")
        g.line(indent, "else:")
        g.outcome(indent + 1, "True")
        return True

    def _emit_case(self, g: CodeWriter, indent: int, fields: list[str], change: Callable[[str], str]) -> None:
        fn = g.const(change, "change")
        for field in fields:
            ref, x = field_ref(field), g.temp("x")
            parent = g.get(indent, ref, x)
            g.line(indent, f"if isinstance({x}, str):")
            g.line(indent + 1, f"{x} = {fn}({x})")
            g.set(indent + 1, ref, x, parent)
            g.line(indent, f"elif isinstance({x}, list):")
            g.line(indent + 1, f"{x} = [{fn}(v) if isinstance(v, str) else v for v in {x}]")
            g.set(indent + 1, ref, x, parent)

    def _emit_copy(self, g: CodeWriter, indent: int) -> None:
        immutable, deepcopy = g.const(_IMMUTABLE, "immutable"), g.const(_copy.deepcopy, "deepcopy")
        for source, target in self.options.copy_.items():
            src, dst = field_ref(source), field_ref(_text_of(target))
            x = g.temp("x")
            g.get(indent, src, x)
            g.line(indent, f"if {x} is not None:")
            g.line(indent + 1, f"if {x}.__class__ not in {immutable}: {x} = {deepcopy}({x})")
            g.set(indent + 1, dst, x)

    def apply(self, event: Event) -> bool:
        try:
            for step in self._steps:
                step(event)
        except _FAILURES:
            event.tag(self._failure_tag)
            return False
        return True

    def decorate(self, event: Event) -> None:
        """The common options, under the same rescue as the operations: Logstash's mutate tags
        `tag_on_failure` when add_field and the like fail too (other filters let it propagate)."""
        try:
            super().decorate(event)
        except _FAILURES:
            event.tag(self._failure_tag)
