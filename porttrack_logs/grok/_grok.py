"""`Grok`: one grok expression compiled once into one regex, with captures mapped by group index."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from ..errors import GrokError, MatchTimeout
from ..event import COERCIONS, FieldRef, parse_field_ref
from ._bank import bank, chomp as _chomp, flavour_of, load_pattern_files
from ._engine import CompiledRegex, compile_regex
from ._expand import Element, capture_name_parts, expand

__all__ = ["Grok", "Capture", "build_patterns", "write_capture"]


def build_patterns(
    ecs_compatibility: str = "v1",
    pattern_definitions: Mapping[str, str] | None = None,
    patterns_dir: Iterable[str] | str | None = None,
    patterns_files_glob: str = "*",
) -> dict[str, str]:
    """The pattern table Logstash would build: bank, then patterns_dir files, then definitions."""
    patterns = dict(bank(flavour_of(ecs_compatibility)))
    if patterns_dir:
        dirs = [patterns_dir] if isinstance(patterns_dir, str) else list(patterns_dir)
        patterns.update(load_pattern_files(dirs, patterns_files_glob))
    if pattern_definitions:
        patterns.update({str(k): _chomp(str(v)) for k, v in pattern_definitions.items() if v is not None})
    return patterns



class Capture:
    """Where one capture group goes: group index, field (path and compiled reference), coercion."""

    __slots__ = ("group", "name", "field", "path", "ref", "coerce")

    def __init__(self, group: int, name: str) -> None:
        field, coercion = capture_name_parts(name)
        self.group = group
        self.name = name
        self.field = field
        self.path = parse_field_ref(field, lenient=True)
        self.ref = FieldRef("".join(f"[{p}]" for p in self.path))
        self.coerce: Callable[[str], Any] | None = COERCIONS.get(coercion or "")

    def __repr__(self) -> str:
        return f"Capture(group={self.group}, field={self.field!r})"


def write_capture(root: dict, ref: FieldRef, value: Any, overwrite: bool) -> None:
    """Logstash's rule for writing a capture: absent or nil -> set; string -> [old, new];
    array -> append; any other type -> the new value is dropped; `overwrite` -> replace."""
    if overwrite:
        ref.set(root, value)
        return
    current = ref.get(root)
    if current is None:
        ref.set(root, value)
    elif isinstance(current, list):
        current.append(value)
    elif isinstance(current, str):
        ref.set(root, [current, value])


def _flat_matcher(
    raw: Callable[[str], Any],
    keys: tuple[str, ...],
    limit_errors: tuple[type[BaseException], ...],
    general: Callable[[str, bool], dict[str, Any] | None],
) -> Callable[..., dict[str, Any] | None]:
    """`match` for the common expression (flat names, each once, in group order, no coercion,
    no time budget): the engine's own search and one dict built in C."""

    def match(text: str, keep_empty_captures: bool = False) -> dict[str, Any] | None:
        if keep_empty_captures:
            return general(text, True)
        try:
            m = raw(text)
        except limit_errors:
            raise MatchTimeout("the match reached its backtracking limit") from None
        if m is None:
            return None
        values = m.groups("")  # an unmatched group reads as "": one test finds both kinds
        if "" in values:  # unmatched or empty captures are left out
            return {k: v for k, v in zip(keys, values) if v}
        return dict(zip(keys, values))

    return match


def _tail_matcher(
    findall: Callable[[str], list],
    keys: tuple[str, ...],
    limit_errors: tuple[type[BaseException], ...],
    general: Callable[[str, bool], dict[str, Any] | None],
) -> Callable[..., dict[str, Any] | None]:
    """The flat matcher for an expression ending in a greedy `(.*)` (`... %{GREEDYDATA:rest}`):
    its first match runs to the end of the text, so findall finds exactly that match and hands
    back its groups without building a match object."""

    def match(text: str, keep_empty_captures: bool = False) -> dict[str, Any] | None:
        if keep_empty_captures:
            return general(text, True)
        try:
            found = findall(text)
        except limit_errors:
            raise MatchTimeout("the match reached its backtracking limit") from None
        if not found:
            return None
        values = found[0]
        if "" in values:  # unmatched or empty captures are left out
            return {k: v for k, v in zip(keys, values) if v}
        return dict(zip(keys, values))

    return match


class Grok:
    """A compiled grok expression.

    `Grok("%{IP:[client][ip]} %{INT:n:int}").match(line)` returns the captures as a nested
    dict, or None. `regex` is the expanded regex (Logstash dialect), `elements` the
    expression's top-level pieces with their fragments, `captures` the group-to-field map.
    `match(text, keep_empty_captures=False)` is chosen at compile time: a specialised function for
    the common flat expression, the general one otherwise. It raises MatchTimeout when a time
    budget was set (or the engine's backtracking limit was reached).
    """

    __slots__ = (
        "expression",
        "ecs_compatibility",
        "named_captures_only",
        "regex",
        "elements",
        "captures",
        "compiled",
        "search",
        "match",
    )

    def __init__(
        self,
        pattern: str,
        ecs_compatibility: str = "v1",
        pattern_definitions: Mapping[str, str] | None = None,
        patterns_dir: Iterable[str] | str | None = None,
        patterns_files_glob: str = "*",
        named_captures_only: bool = True,
        *,
        patterns: Mapping[str, str] | None = None,
        engine: str = "pcre",
        timeout_millis: float = 0,
    ) -> None:
        if not isinstance(pattern, str):
            raise GrokError(f"a grok expression is text, not {type(pattern).__name__}: {pattern!r}")
        table = dict(patterns) if patterns is not None else build_patterns(
            ecs_compatibility, pattern_definitions, patterns_dir, patterns_files_glob
        )
        self.expression = pattern
        self.ecs_compatibility = ecs_compatibility
        self.named_captures_only = named_captures_only
        self.regex, elements = expand(pattern, table, named_captures_only)
        self.elements: tuple[Element, ...] = tuple(elements)
        try:
            self.compiled: CompiledRegex
            self.compiled, translated = compile_regex(self.regex, engine, timeout_millis)
        except ValueError as exc:
            raise GrokError(f"grok expression {pattern!r} does not compile: {exc}") from None
        order: dict[str, list[int]] = {}
        for index, name in enumerate(translated.names, start=1):
            order.setdefault(name, []).append(index)
        # Ruby's named_captures order: names by first appearance, then each group of a name.
        self.captures: tuple[Capture, ...] = tuple(
            Capture(index, name) for name, indexes in order.items() for index in indexes
        )
        self.search = self.compiled.search
        self.match = self._general_match
        raw = self.compiled.raw_search
        keys = tuple(cap.path[0] for cap in self.captures)
        flat = all(len(cap.path) == 1 and cap.coerce is None and not cap.ref.metadata for cap in self.captures)
        in_order = tuple(cap.group for cap in self.captures) == tuple(range(1, len(keys) + 1))
        if raw is not None and flat and in_order and len(set(keys)) == len(keys):
            findall = self.compiled.raw_findall
            if findall is not None and len(keys) >= 2 and self.compiled.source.endswith("(.*)"):
                self.match = _tail_matcher(findall, keys, self.compiled.limit_errors, self._general_match)
            else:
                self.match = _flat_matcher(raw, keys, self.compiled.limit_errors, self._general_match)

    def __repr__(self) -> str:
        return f"Grok({self.expression!r}, engine={self.compiled.engine!r})"

    @property
    def engine(self) -> str:
        """"pcre" or "re": the engine this expression runs on."""
        return self.compiled.engine

    @property
    def engine_regex(self) -> str:
        """The regex as handed to the engine (translated, groups positional)."""
        return self.compiled.source

    def _general_match(self, text: str, keep_empty_captures: bool = False) -> dict[str, Any] | None:
        """Any expression: nested fields, coercions, repeated names."""
        groups = self.search(text)
        if groups is None:
            return None
        result: dict[str, Any] = {}
        for cap in self.captures:
            value = groups[cap.group - 1]
            if value is not None and cap.coerce is not None:
                value = cap.coerce(value)
            if (value is None or value == "") and not keep_empty_captures:
                continue
            write_capture(result, cap.ref, value, False)
        return result
