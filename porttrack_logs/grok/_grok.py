"""`Grok`: one grok expression compiled once into one regex, with captures mapped by group index."""

from __future__ import annotations

from itertools import compress
from typing import Any, Callable, Iterable, Mapping

from ..errors import GrokError, MatchTimeout
from ..event import COERCIONS, FieldRef, parse_field_ref, to_f, to_i
from ._bank import bank, chomp as _chomp, flavour_of, load_pattern_files
from ._engine import CompiledRegex, compile_regex
from ._expand import Element, capture_name_parts, expand
from ._shape import always_nonempty

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

    __slots__ = ("group", "name", "field", "path", "ref", "coerce", "result_ref")

    def __init__(self, group: int, name: str) -> None:
        field, coercion = capture_name_parts(name)
        self.group = group
        self.name = name
        self.field = field
        self.path = parse_field_ref(field, lenient=True)
        self.ref = FieldRef("".join(f"[{p}]" for p in self.path))
        self.coerce: Callable[[str], Any] | None = COERCIONS.get(coercion or "")
        #: where `Grok.match` puts it: the same path, a metadata one under "@metadata"
        self.result_ref = FieldRef("".join(f"[{p}]" for p in self.ref.path)) if self.ref.path else None

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


def write_result(result: dict, cap: "Capture", value: Any) -> None:
    """Write one capture into a `Grok.match` result by Logstash's rule, metadata under "@metadata"."""
    if not cap.ref.metadata:
        write_capture(result, cap.result_ref, value, False)
    elif cap.result_ref is not None:
        write_capture(result.setdefault("@metadata", {}), cap.result_ref, value, False)
    else:  # `[@metadata]` itself: the key, by the same rule
        current = result.get("@metadata")
        if current is None:
            result["@metadata"] = value
        elif isinstance(current, list):
            current.append(value)
        elif isinstance(current, str):
            result["@metadata"] = [current, value]


def group_bodies(source: str) -> list[str]:
    """The text inside each capturing group of a translated regex, in group order."""
    bodies: list[str] = []
    opened: list[int | None] = []  # per open parenthesis: its group's slot in `bodies`, or None
    starts: list[int] = []
    i, n, in_class = 0, len(source), False
    while i < n:
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if source.startswith("^]", i + 1) or source.startswith("]", i + 1):
                i += 1 + source.startswith("^]", i + 1)  # a leading ] is a member
        elif c == "(":
            if source.startswith("(?", i):
                opened.append(None)
            else:
                opened.append(len(bodies))
                bodies.append("")
            starts.append(i + 1)
        elif c == ")" and opened:
            slot, start = opened.pop(), starts.pop()
            if slot is not None:
                bodies[slot] = source[start:i]
        i += 1
    return bodies


# What a group's regex must be for Python's own int()/float() to read its text as Ruby's
# to_i/to_f do: ASCII digits with an optional sign (INT, POSINT, NONNEGINT), or BASE10NUM.
_DIGITS = ("[+-]?[0-9]+", "[1-9][0-9]*", "[0-9]+")
_BASE10NUM = "(?<![0-9.+-])(?>[+-]?(?:(?:[0-9]+(?:\\.[0-9]+)?)|(?:\\.[0-9]+)))"


def _unwrap(body: str) -> str:
    """`body` without word boundaries around it and groups that enclose all of it."""
    while True:
        before = body
        body = body.removeprefix("\\b").removesuffix("\\b")
        for opening in ("(?:", "(?>"):
            if body.startswith(opening) and body.endswith(")") and group_bodies("(" + body[len(opening):]) == [body[len(opening):-1]]:
                body = body[len(opening):-1]
        if body == before:
            return body


def body_kind(body: str) -> str:
    """"digits" (a signed run of ASCII digits), "decimal" (BASE10NUM) or "" (anything else)."""
    core = _unwrap(body)
    if core == _BASE10NUM:
        return "decimal"
    if "|" in core or any(core[i + 1 : i + 2] in ("?", "*", "+", "{") for i, c in enumerate(core) if c == ")"):
        return ""
    flat = core.replace("(?:", "").replace("(?>", "").replace(")", "")
    return "digits" if flat in _DIGITS else ""


def fast_coercion(
    coercion: Callable[[str], Any] | None, value: str, k: Callable[[Any], str], kind: str = "", scratch: str = "_v"
) -> str:
    """A Python expression coercing the expression `value` as `coercion` does, with no call
    through a table: the builtin where the group's regex (`kind`) guarantees the same result,
    else the builtin on plain ASCII digits and Ruby's rule (`k` names it) for the rest.
    (A dict of small ints' texts in front of int() does not pay, measured in place by
    `benchmarks/grok_vs_es.py --coercion`: int() of a group is ~1,100 instructions on 3.11, a hit
    ~500, yet a fresh group's hash and the dependent loads into a table out of cache cost about
    what they save, and a miss adds the whole lookup; a 65,536-entry table is slower throughout.)"""
    if coercion is to_i:
        if kind == "digits":
            return f"int({value})"
        if kind == "decimal":
            return f"(int({scratch}) if '.' not in ({scratch} := {value}) else {k(to_i)}({scratch}))"
        return f"(int({scratch}) if ({scratch} := {value}).isdigit() and {scratch}.isascii() else {k(to_i)}({scratch}))"
    if coercion is to_f:
        if kind in ("digits", "decimal"):
            return f"float({value})"
        return f"(float({scratch}) if ({scratch} := {value}).replace('.', '', 1).isdigit() and {scratch}.isascii() else {k(to_f)}({scratch}))"
    return value if coercion is None else f"{k(coercion)}({value})"


def _key_path(cap: "Capture") -> tuple[str, ...]:
    """Where a capture lands in `Grok.match`'s result: its path, metadata under "@metadata"."""
    return ("@metadata", *cap.ref.path) if cap.ref.metadata else cap.path


class _MatcherSource:
    """The source of one expression's `match`, written once at compile time for its captures:
    a dict display when every group took part, statements for the rest, no loop over captures."""

    def __init__(self, captures: tuple["Capture", ...], source: str) -> None:
        bodies = group_bodies(source)
        self.kinds = {
            c.group: body_kind(bodies[c.group - 1]) if c.group <= len(bodies) else "" for c in captures if c.coerce is not None
        }
        self.names: dict[str, Any] = {}
        self._ids: dict[int, str] = {}
        self.lines: list[str] = []
        self.paths: dict[tuple[str, ...], list[Capture]] = {}
        for cap in captures:
            self.paths.setdefault(_key_path(cap), []).append(cap)
        keys = set(self.paths)
        # a path that is also the parent of another ([a] and [a][b]) needs Logstash's write rule at run time
        self.conflict = any(p[:i] in keys for p in keys for i in range(1, len(p)))
        self.captures = captures

    def k(self, value: Any) -> str:
        name = self._ids.get(id(value))
        if name is None:
            name = self._ids[id(value)] = f"_k{len(self._ids)}"
            self.names[name] = value
        return name

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def value(self, cap: "Capture", groups: str = "g") -> str:
        return fast_coercion(cap.coerce, f"{groups}[{cap.group - 1}]", self.k, self.kinds.get(cap.group, ""))

    # -- every group took part, none empty: one display --------------------------------------
    def display(self, present: tuple[int, ...] | None = None) -> str:
        """The result as one dict display: of every capture, or of those whose group index
        (0-based) is in `present` (parents then come where the general loop would first create them)."""
        tree: dict[str, Any] = {}
        shown = None if present is None else frozenset(present)
        for path, caps in self.paths.items():
            if shown is not None:
                caps = [c for c in caps if c.group - 1 in shown]
                if not caps:
                    continue
            node = tree
            for key in path[:-1]:
                node = node.setdefault(key, {})
            if caps[0].coerce is not None or len(caps) == 1:
                node[path[-1]] = self.value(caps[0])  # a number first: later values are dropped
            else:
                node[path[-1]] = "[" + ", ".join(self.value(c) for c in caps) + "]"
        return self._render(tree)

    def learner(self, limit: int = 32) -> Callable[[tuple[int, ...]], Callable[[tuple], dict] | None]:
        """Writes, the first time a set of present groups (their indexes) is seen, the display
        for it (up to `limit` sets; past that, None: the statements take the rest)."""
        displays: dict[tuple[int, ...], Callable[[tuple], dict]] = {}

        def learn(present: tuple[int, ...]) -> Callable[[tuple], dict] | None:
            if len(displays) >= limit:
                return None
            # a coerced group outside `present` is None (left out) or "" (kept, as 0: the statements)
            absent = sorted({c.group - 1 for c in self.captures if c.coerce is not None} - set(present))
            guard = " or ".join(f"g[{i}] is not None" for i in absent)
            source = "def shown(g):\n" + (f"    if {guard}: return _rest(g)\n" if guard else "")
            source += f"    return {self.display(present)}\n"
            scope = dict(self.names)  # after `display`, which may name what it calls
            exec(compile(source, "<grok matcher>", "exec"), scope)  # noqa: S102 - our own generated code
            displays[present] = scope["shown"]
            return scope["shown"]

        learn.displays = displays  # type: ignore[attr-defined]
        return learn

    def _render(self, node: dict[str, Any]) -> str:
        return "{" + ", ".join(f"{k!r}: {v if isinstance(v, str) else self._render(v)}" for k, v in node.items()) + "}"

    # -- some groups missing or empty (or keep_empty_captures): one statement per capture -------
    def statements(self, indent: int, keep_empty: bool) -> None:
        self.line(indent, "r = {}")
        if self.conflict:
            for cap in self.captures:
                self._present(indent, cap, keep_empty)
                self.line(indent + 1, f"{self.k(write_result)}(r, {self.k(cap)}, v)")
            self.line(indent, "return r")
            return
        parents: dict[tuple[str, ...], str] = {(): "r"}
        for path in self.paths:
            for i in range(1, len(path)):
                if path[:i] not in parents:
                    parents[path[:i]] = f"p{len(parents)}"
                    self.line(indent, f"{parents[path[:i]]} = None")
        for path, caps in self.paths.items():
            for n, cap in enumerate(caps):
                self._present(indent, cap, keep_empty)
                for i in range(1, len(path)):  # create the parents on the first write below them
                    up, var = parents[path[: i - 1]], parents[path[:i]]
                    self.line(indent + 1, f"if {var} is None: {var} = {up}[{path[i - 1]!r}] = {{}}")
                parent, key = parents[path[:-1]], repr(path[-1])
                if n == 0:
                    self.line(indent + 1, f"{parent}[{key}] = v")
                    continue
                self.line(indent + 1, f"c = {parent}.get({key})")  # write_capture's rule
                self.line(indent + 1, f"if c is None: {parent}[{key}] = v")
                self.line(indent + 1, "elif c.__class__ is list: c.append(v)")
                self.line(indent + 1, f"elif c.__class__ is str: {parent}[{key}] = [c, v]")
        self.line(indent, "return r")

    def _present(self, indent: int, cap: "Capture", keep_empty: bool) -> None:
        index = cap.group - 1
        if keep_empty:  # every capture is written, None included
            self.line(indent, f"v = g[{index}]")
            if cap.coerce is not None:
                self.line(indent, f"if v is not None: v = {self.value(cap)}")
            self.line(indent, "if True:")
        elif cap.coerce is None:
            self.line(indent, f"if v := g[{index}]:")
        else:
            self.line(indent, f"if (v := g[{index}]) is not None:")
            self.line(indent + 1, f"v = {self.value(cap)}")


def build_matcher(
    captures: tuple["Capture", ...],
    compiled: CompiledRegex,
    search: Callable[[str], tuple | None],
) -> tuple[Callable[..., dict[str, Any] | None], str]:
    """`match(text, keep_empty_captures=False)` for these captures, and its source."""
    w = _MatcherSource(captures, compiled.source)
    raw, findall = compiled.raw_search, compiled.raw_findall
    coerced = any(c.coerce is not None for c in captures)
    tail = findall is not None and len(captures) >= 2 and compiled.source.endswith("(.*)")
    limits, timeout = w.k(compiled.limit_errors), w.k(MatchTimeout)
    w.line(0, "def _exact(text):")  # the groups with None for a group that took no part
    if raw is not None:
        w.line(1, "try:")
        w.line(2, f"m = {w.k(raw)}(text)")
        w.line(1, f"except {limits}:")
        w.line(2, f"raise {timeout}('the match reached its backtracking limit') from None")
        w.line(1, "return None if m is None else m.groups()")
    else:
        w.line(1, f"return {w.k(search)}(text)")
    w.line(0, "def _rest(g):")
    w.statements(1, False)
    # Some groups took no part or are empty: the display for the groups present, written the
    # first time that set is seen. A coerced group that matched "" is kept (as 0): statements.
    # The key: the indexes of the groups that are neither None nor "", in one C-level pass. A
    # display learnt for a key checks first that its coerced groups outside the key are None.
    learn = w.learner()
    indexes = tuple(range(max((c.group for c in captures), default=0)))
    partial = [
        f"shown = {w.k(learn.displays)}.get(present := tuple({w.k(compress)}({w.k(indexes)}, g)))",  # type: ignore[attr-defined]
        f"if shown is None and (shown := {w.k(learn)}(present)) is None: return _rest(g)",
        "return shown(g)",
    ]
    w.line(0, "def _partial(g):")
    for text in partial:
        w.line(1, text)
    w.line(0, "def _keep(text):")
    w.line(1, "g = _exact(text)")
    w.line(1, "if g is None: return None")
    w.statements(1, True)
    w.line(0, "def match(text, keep_empty_captures=False):")
    w.line(1, "if keep_empty_captures: return _keep(text)")
    if w.conflict:
        w.line(1, "g = _exact(text)")
        w.line(1, "return None if g is None else _rest(g)")
    elif tail:
        # a greedy `(.*)` at the end: the first match runs to the end of the text, so findall
        # finds exactly that one and hands back its groups without a match object; it reads a
        # group that took no part as "", which only matters for a coerced one (then: search again)
        w.line(1, "try:")
        w.line(2, f"found = {w.k(findall)}(text)")
        w.line(1, f"except {limits}:")
        w.line(2, f"raise {timeout}('the match reached its backtracking limit') from None")
        w.line(1, "if not found: return None")
        w.line(1, "g = found[0]")
        w.line(1, f"if '' in g: return _partial({'_exact(text)' if coerced else 'g'})")
    else:
        if raw is not None:  # `_exact`, inline
            w.line(1, "try:")
            w.line(2, f"m = {w.k(raw)}(text)")
            w.line(1, f"except {limits}:")
            w.line(2, f"raise {timeout}('the match reached its backtracking limit') from None")
            w.line(1, "if m is None: return None")
            w.line(1, "g = m.groups()")
        else:
            w.line(1, "g = _exact(text)")
            w.line(1, "if g is None: return None")
        # a group None or "": `_partial`, inline. Only the groups the regex lets be None or ""
        # are tested (none: no test), each by one truth test.
        sure = always_nonempty(compiled.source, len(captures))
        uncertain = sorted({c.group - 1 for c in captures if c.group not in sure})
        if uncertain:
            w.line(1, f"if not ({' and '.join(f'g[{i}]' for i in uncertain)}):")
            for text in partial:
                w.line(2, text)
    if not w.conflict:
        w.line(1, f"return {w.display()}")
    source = "\n".join(w.lines) + "\n"
    scope = dict(w.names)
    exec(compile(source, "<grok matcher>", "exec"), scope)  # noqa: S102 - our own generated code
    w.names["_rest"] = scope["_rest"]  # for the displays `learn` writes later
    return scope["match"], source


class Grok:
    """A compiled grok expression.

    `Grok("%{IP:[client][ip]} %{INT:n:int}").match(line)` returns the captures as a nested
    dict, or None. `regex` is the expanded regex (Logstash dialect), `elements` the
    expression's top-level pieces with their fragments, `captures` the group-to-field map.
    `match(text, keep_empty_captures=False)` is written at compile time for this expression's
    captures (`build_matcher`; its source in `matcher_source`); `[@metadata]` captures come back
    under the key "@metadata". It raises MatchTimeout when a time budget was set (or the
    engine's backtracking limit was reached).
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
        "matcher_source",
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
        self.match, self.matcher_source = build_matcher(self.captures, self.compiled, self.search)

    def __repr__(self) -> str:
        return f"Grok({self.expression!r}, engine={self.compiled.engine!r})"

    def coercion_source(self, cap: Capture, value: str, name: Callable[[Any], str], scratch: str) -> str:
        """Python source coercing the variable `value` holding `cap`'s text, as `match` does it
        (for the grok filter's generated code; `name` names a callable, `scratch` is a free local)."""
        bodies = group_bodies(self.compiled.source)
        kind = body_kind(bodies[cap.group - 1]) if cap.group <= len(bodies) else ""
        return fast_coercion(cap.coerce, value, name, kind, scratch)

    @property
    def engine(self) -> str:
        """"pcre" or "re": the engine this expression runs on."""
        return self.compiled.engine

    @property
    def engine_regex(self) -> str:
        """The regex as handed to the engine (translated, groups positional)."""
        return self.compiled.source

    def _general_match(self, text: str, keep_empty_captures: bool = False) -> dict[str, Any] | None:
        """The reference `match`: a loop over the captures, which the written matcher must equal."""
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
            write_result(result, cap, value)
        return result
