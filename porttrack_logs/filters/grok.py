"""The `grok` filter: Logstash's option names and event rules, every expression compiled at start-up.

Rules reproduced from Logstash: fields are tried in `match` order, patterns in list order,
`break_on_match` stops at the first success; a non-string value is matched as its text, an
array element by element; a capture into an existing string field makes an array, into an
array appends, into any other type is dropped unless the field is in `overwrite`. No match
adds `tag_on_failure`; running out of `timeout_millis` adds only `tag_on_timeout`.
With `break_on_match => false` a field counts as matched when any of its patterns matched
(Logstash counts only the last pattern tried, its open bug #49; the conformance corpus expects
the intended behaviour).
"""

from __future__ import annotations

import time
from typing import Any, Callable, ClassVar, Literal

from pydantic import field_validator

from ..errors import ConfigError, EventError, GrokError, MatchTimeout
from ..event import Event, FieldRef, field_ref, parse_field_ref, ruby_text
from ..grok import LONG_TEXT, Grok, build_patterns, write_capture
from ..grok._grok import Capture
from .base import CodeWriter, Filter, FilterOptions, Path, StrList, StrMap

__all__ = ["GrokFilter", "GrokOptions"]


class GrokOptions(FilterOptions):
    """Logstash's grok options. `ecs_compatibility` defaults to v8 as in a Logstash 8 pipeline."""

    match: StrMap = {}
    pattern_definitions: StrMap = {}
    patterns_dir: StrList = []
    patterns_files_glob: str = "*"
    break_on_match: bool = True
    named_captures_only: bool = True
    keep_empty_captures: bool = False
    overwrite: StrList = []
    target: str | None = None
    tag_on_failure: StrList = ["_grokparsefailure"]
    tag_on_timeout: str = "_groktimeout"
    timeout_millis: int = 30000
    timeout_scope: Literal["pattern", "event"] = "pattern"
    ecs_compatibility: Literal["disabled", "v1", "v8"] = "v8"

    @field_validator("match")
    @classmethod
    def _patterns_are_text(cls, value: dict[str, Any]) -> dict[str, Any]:
        for field, patterns in value.items():
            items = patterns if isinstance(patterns, list) else [patterns]
            if not items or not all(isinstance(p, str) for p in items):
                raise ValueError(f"match[{field!r}] must be a pattern or a list of patterns, got {patterns!r}")
        return value

    @field_validator("timeout_millis")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("timeout_millis must be 0 (no limit) or a positive number of milliseconds")
        return value


_TIMEOUT = object()  # stands for "the match timed out" in generated code


class _Compiled:
    """One expression ready to run: its search function and where each group goes."""

    __slots__ = ("grok", "search", "plan")

    def __init__(self, grok: Grok, plan: tuple[tuple[int, FieldRef, bool, Any, bool], ...]) -> None:
        self.grok = grok
        self.search = grok.search
        self.plan = plan


class GrokFilter(Filter):
    """`grok { match => { "message" => "%{...}" } ... }`, run in process."""

    name: ClassVar[str] = "grok"
    Options: ClassVar[type[FilterOptions]] = GrokOptions

    __slots__ = ("_fields", "_break", "_keep_empty", "_failure_tags", "_timeout_tag", "_event_budget_s")

    def _compile(self, options: GrokOptions) -> None:
        try:
            patterns = build_patterns(
                options.ecs_compatibility,
                {k: v if isinstance(v, str) else str(v) for k, v in options.pattern_definitions.items()},
                options.patterns_dir,
                options.patterns_files_glob,
            )
        except ConfigError as exc:
            raise exc if exc.option else ConfigError(exc.message, option="patterns_dir") from None
        expressions = {
            field: (value if isinstance(value, list) else [value]) for field, value in options.match.items()
        }
        # timeout_scope => event: as in Logstash, one budget covers every pattern tried on one
        # field value (any one pattern may use all of it); the clock is read between patterns.
        event_scope = options.timeout_scope == "event"
        target = parse_field_ref(options.target, lenient=True) if options.target else ()
        overwrite = frozenset(options.overwrite)
        fields = []
        for field, texts in expressions.items():
            compiled = []
            for text in texts:
                try:
                    grok = Grok(
                        text,
                        options.ecs_compatibility,
                        named_captures_only=options.named_captures_only,
                        patterns=patterns,
                        timeout_millis=options.timeout_millis,
                    )
                except GrokError as exc:
                    raise GrokError(f"grok match[{field!r}]: {exc.message}", option="match") from None
                plan = []
                for cap in grok.captures:
                    ref = field_ref("".join(f"[{p}]" for p in target + cap.path))
                    plan.append((cap.group - 1, ref, ref.metadata, cap.coerce, cap.field in overwrite))
                compiled.append(_Compiled(grok, tuple(plan)))
            fields.append((field_ref(field), tuple(compiled)))
        self._fields = tuple(fields)
        self._break = options.break_on_match
        self._keep_empty = options.keep_empty_captures
        self._failure_tags = tuple(options.tag_on_failure)
        self._timeout_tag = options.tag_on_timeout
        self._event_budget_s = options.timeout_millis / 1000.0 if event_scope and options.timeout_millis else 0.0

    @property
    def groks(self) -> list[tuple[str, list[Grok]]]:
        """The compiled expressions per source field (for `--explain` and debugging)."""
        return [(ref.text, [c.grok for c in compiled]) for ref, compiled in self._fields]

    def _writes(self) -> set[Path]:
        target = parse_field_ref(self.options.target, lenient=True) if self.options.target else ()
        return {target + cap.path for _, groks in self.groks for grok in groks for cap in grok.captures} | {("tags",)}

    def emit(self, g: CodeWriter, indent: int) -> bool | None:
        """Inline code for the generated pipeline (see pipeline.codegen): one field, one pattern,
        a string value; anything else goes through `apply`, as does a non-string value."""
        if len(self._fields) != 1 or len(self._fields[0][1]) != 1 or self._event_budget_s or self._keep_empty:
            return None
        source, (item,) = self._fields[0]
        v, groups, cap = g.temp("v"), g.temp("g"), g.temp("c")
        timeout = g.const(_TIMEOUT, "timeout")
        g.get(indent, source, v)
        g.line(indent, f"if {v}.__class__ is str:")
        body = indent + 1
        g.line(body, "try:")
        compiled = item.grok.compiled
        if compiled.bounded_search is not None:  # the engine's bounded search, for short lines
            m = g.temp("m")
            g.line(body + 1, f"if len({v}) <= {LONG_TEXT}:")
            g.line(body + 2, f"{m} = {g.const(compiled.bounded_search, 'bounded')}({v})")
            g.line(body + 2, f"{groups} = None if {m} is None else {m}.groups()")
            g.line(body + 1, "else:")
            g.line(body + 2, f"{groups} = {g.const(item.search, 'search')}({v})")
            g.line(body, f"except {g.const(compiled.limit_errors, 'limits')}:")
            g.line(body + 1, f"{groups} = {timeout}")
        else:
            g.line(body + 1, f"{groups} = {g.const(item.search, 'search')}({v})")
        g.line(body, f"except {g.const(MatchTimeout, 'MatchTimeout')}:")
        g.line(body + 1, f"{groups} = {timeout}")
        g.line(body, "except Exception:  # as apply: a value that cannot be matched is a miss")
        g.line(body + 1, f"{groups} = None")
        g.line(body, f"if {groups} is None:")
        g.outcome(body + 1, "False")
        g.tag(body + 1, self._failure_tags)
        g.line(body, f"elif {groups} is {timeout}:")
        g.outcome(body + 1, "False")
        g.line(body + 1, f"{g.event}.tag({g.const(self._timeout_tag, 'tag')})")
        g.line(body, "else:")
        g.outcome(body + 1, "True")
        if item.plan:
            self._emit_captures(g, body + 1, item, groups, cap)
        g.line(indent, "else:")
        g.outcome(indent + 1, f"{g.const(self.apply, 'apply')}({g.event})")
        return True

    def _emit_captures(self, g: CodeWriter, indent: int, item: _Compiled, groups: str, cap: str) -> None:
        """The captures of a match written straight into the event, in turn, typed ones coerced
        inline as `Grok.match` does. As in `_match`, a write that fails keeps the captures
        written so far and makes the field a miss.

        Captures that go under one top-level field (nested ones, or one name several times) are
        decided once, where the first of them comes: a field that exists already takes each
        write in its place by Logstash's rule; an absent one is, when all its captures took part,
        one dict display, else built in place from dicts of our own (no checks on the way down).
        Either way the event gets the keys the writes one by one give, in the same order."""
        current, scratch = g.temp("cur"), g.temp("s")
        name = lambda f: g.const(f, "coerce")  # noqa: E731
        entries = list(zip(item.plan, item.grok.captures))
        displays = self._displays(item, groups, name, scratch)
        modes: dict[tuple[bool, str], tuple[str, dict[tuple[str, ...], str]]] = {}

        def write(at: int, i: int) -> None:  # one capture by Logstash's rule, in its place
            (index, ref, _, coerce, overwrite), capture = entries[i]
            g.line(at, f"{cap} = {groups}[{index}]")
            if coerce is not None:
                g.line(at, f"if {cap} is not None: {cap} = {item.grok.coercion_source(capture, cap, name, scratch)}")
            g.line(at, f"if {cap} is not None and {cap} != '':")
            if overwrite:
                g.set(at + 1, ref, cap)
            else:  # write_capture's rule, written out
                parent = g.get(at + 1, ref, current)
                g.line(at + 1, f"if {current} is None:")
                g.set(at + 2, ref, cap, parent)
                g.line(at + 1, f"elif {current}.__class__ is list:")
                g.line(at + 2, f"{current}.append({cap})")
                g.line(at + 1, f"elif isinstance({current}, str):")
                g.line(at + 2, f"{current} = [{current}, {cap}]")
                g.set(at + 2, ref, current, parent)

        def built(at: int, i: int, field: FieldRef, parents: dict[tuple[str, ...], str]) -> None:
            self._emit_built(g, at, item.grok, field, parents, entries, i, (groups, cap, current, scratch), name)

        g.line(indent, "try:")
        at = indent + 1
        done: set[int] = set()
        for i, ((index, ref, in_meta, coerce, overwrite), capture) in enumerate(entries):
            if i in done:
                continue
            top = (in_meta, ref.path[0]) if ref.path else None
            shown = displays.get(top) if top is not None else None
            if shown is None:
                write(at, i)
                continue
            members, field, value = shown
            if members[0] == i:  # the first capture of its field: decide
                nested = all(len(entries[j][0][1].path) > 1 for j in members)
                parents = {path[:k]: g.temp("p") for j in members for path in [entries[j][0][1].path]
                           for k in range(1, len(path))} if nested else {}
                present = " and ".join(f"{groups}[{entries[j][0][0]}]" for j in members)
                if members == list(range(members[0], members[-1] + 1)):  # one after another: one block
                    done.update(members)
                    g.line(at, f"if {g.get_expr(field)} is not None:")  # the field exists: each by the rule
                    for j in members:
                        write(at + 1, j)
                    if value is not None:
                        g.line(at, f"elif {present}:")  # written whole
                        g.set(at + 1, field, value)
                    g.line(at, "else:")
                    if parents:  # absent, some captures missing: built in place
                        g.line(at + 1, " = ".join(parents.values()) + " = None")
                    for j in members:
                        built(at + 1, j, field, parents) if parents else write(at + 1, j)
                    continue
                mode = g.temp("mode")  # captures of other fields in between: decided here, written in place
                modes[top] = (mode, parents)  # type: ignore[index]
                g.line(at, f"if {g.get_expr(field)} is not None:")
                g.line(at + 1, f"{mode} = 0")
                if value is not None:
                    g.line(at, f"elif {present}:")
                    g.set(at + 1, field, value)
                    g.line(at + 1, f"{mode} = 2")
                g.line(at, "else:")
                if parents:
                    g.line(at + 1, f"{mode} = 1")
                    g.line(at + 1, " = ".join(parents.values()) + " = None")
                else:
                    g.line(at + 1, f"{mode} = 0")
            mode, parents = modes[top]  # type: ignore[index]
            if parents:
                g.line(at, f"if {mode} == 1:")
                built(at + 1, i, field, parents)
                g.line(at, f"elif not {mode}:")
            else:
                g.line(at, f"if not {mode}:")
            write(at + 1, i)
        g.line(indent, f"except {g.const(EventError, 'EventError')}:")
        g.outcome(indent + 1, "False")
        g.tag(indent + 1, self._failure_tags)

    @staticmethod
    def _emit_built(
        g: CodeWriter, indent: int, grok: Grok, field: FieldRef, parents: dict[tuple[str, ...], str],
        entries: list, i: int, names: tuple[str, str, str, str], name: Callable[[Any], str],
    ) -> None:
        """One capture written into a top-level field this match creates: its parents made on
        the first write below them (the field itself too, so it comes where the writes one by
        one would put it), the value by Logstash's rule where its path was captured before."""
        groups, cap, current, scratch = names
        (index, ref, _, coerce, overwrite), capture = entries[i]
        path = ref.path
        g.line(indent, f"{cap} = {groups}[{index}]")
        if coerce is not None:
            g.line(indent, f"if {cap} is not None: {cap} = {grok.coercion_source(capture, cap, name, scratch)}")
        g.line(indent, f"if {cap} is not None and {cap} != '':")
        top = parents[path[:1]]
        g.line(indent + 1, f"if {top} is None:")
        g.line(indent + 2, f"{top} = {{}}")
        g.set(indent + 2, field, top)
        for k in range(2, len(path)):
            var, up = parents[path[:k]], parents[path[: k - 1]]
            g.line(indent + 1, f"if {var} is None: {var} = {up}[{path[k - 1]!r}] = {{}}")
        parent, key = parents[path[:-1]], repr(path[-1])
        earlier = any(entries[j][0][1].path == path and entries[j][0][2] == entries[i][0][2] for j in range(i))
        if overwrite or not earlier:
            g.line(indent + 1, f"{parent}[{key}] = {cap}")
        else:  # write_capture's rule on a dict of our own
            g.line(indent + 1, f"{current} = {parent}.get({key})")
            g.line(indent + 1, f"if {current} is None: {parent}[{key}] = {cap}")
            g.line(indent + 1, f"elif {current}.__class__ is list: {current}.append({cap})")
            g.line(indent + 1, f"elif {current}.__class__ is str: {parent}[{key}] = [{current}, {cap}]")

    @staticmethod
    def _displays(
        item: _Compiled, groups: str, name: Callable[[Any], str], scratch: str
    ) -> dict[tuple[bool, str], tuple[list[int], FieldRef, str | None]]:
        """Per top-level field that nested captures or one name captured several times go to:
        the indexes of its captures (in order), the field, and the Python display of the value
        their writes build when all took part and the field was absent (Logstash's rule for a
        repeated name included), or None where it may not be written whole (then only built in
        place). Nothing at all where a path is also the parent of another (the write rule
        decides at run time) or a capture goes to `[@metadata]` itself."""
        entries = list(zip(item.plan, item.grok.captures))
        keys = {(plan[2], plan[1].path) for plan, _ in entries}
        if any(not path for _, path in keys) or any(
            (meta, path[:i]) in keys for meta, path in keys for i in range(1, len(path))
        ):
            return {}
        members: dict[tuple[bool, str], list[int]] = {}
        for i, (plan, _) in enumerate(entries):
            members.setdefault((plan[2], plan[1].path[0]), []).append(i)
        out: dict[tuple[bool, str], tuple[list[int], FieldRef, str | None]] = {}
        for (meta, top), indexes in members.items():
            if len(indexes) == 1 and len(entries[indexes[0]][0][1].path) == 1:  # one flat field: as cheap
                continue
            paths: dict[tuple[str, ...], list[tuple[tuple, Capture]]] = {}
            for i in indexes:
                paths.setdefault(entries[i][0][1].path, []).append(entries[i])
            tree: dict[str, Any] = {}
            for path, caps in paths.items():
                values = [
                    item.grok.coercion_source(c, f"{groups}[{plan[0]}]", name, scratch) if plan[3] else f"{groups}[{plan[0]}]"
                    for plan, c in caps
                ]
                if caps[-1][0][4]:  # overwrite: the last write wins
                    value = values[-1]
                elif caps[0][0][3] is not None or len(caps) == 1:  # a number first: later ones dropped
                    value = values[0]
                else:
                    value = "[" + ", ".join(values) + "]"
                node = tree
                for key in path[:-1]:
                    node = node.setdefault(key, {})
                node[path[-1]] = value

            def render(node: Any) -> str:
                if isinstance(node, str):
                    return node
                return "{" + ", ".join(f"{k!r}: {render(v)}" for k, v in node.items()) + "}"

            # Written whole where its first capture comes, the field would hold later captures
            # before a capture in between fails (a nested write under a field that is no hash):
            # then, as in `_match`, those must not be there. So no display past such a capture.
            between = set(range(indexes[0] + 1, indexes[-1])) - set(indexes)
            whole = not any(len(entries[j][0][1].path) > 1 for j in between)
            nested = all(len(entries[i][0][1].path) > 1 for i in indexes)
            if not whole and not nested:
                continue
            field = field_ref(("[@metadata]" if meta else "") + f"[{top}]")
            out[(meta, top)] = (indexes, field, render(tree[top]) if whole else None)
        return out

    def apply(self, event: Event) -> bool:
        data = event.raw_fields()  # captures go through field references, which decode as they read
        meta = event.metadata
        budget = self._event_budget_s
        matched = False
        try:
            for ref, compiled in self._fields:
                value = ref.get(meta if ref.metadata else data)
                try:
                    if isinstance(value, list):
                        success = False
                        # a snapshot, as Logstash's event.get hands out a copy: a capture back
                        # into this very field appends to it and must not be matched again
                        for item in tuple(value):
                            text = item if isinstance(item, str) else ruby_text(item)
                            deadline = time.monotonic() + budget if budget else 0.0
                            success = self._match(compiled, text, data, meta, deadline) or success
                    else:
                        text = value if isinstance(value, str) else ruby_text(value)
                        deadline = time.monotonic() + budget if budget else 0.0
                        success = self._match(compiled, text, data, meta, deadline)
                except MatchTimeout:
                    raise
                except Exception:  # noqa: BLE001 - as Logstash: a field that cannot be matched is a miss
                    success = False
                if success:
                    matched = True
                    if self._break:
                        break
        except MatchTimeout:
            event.tag(self._timeout_tag)
            return False
        if not matched and self._failure_tags:
            event.tag(*self._failure_tags)
        return matched

    def _match(self, compiled: tuple[_Compiled, ...], text: str, data: dict, meta: dict, deadline: float) -> bool:
        matched = False
        keep_empty = self._keep_empty
        for item in compiled:
            if deadline and time.monotonic() > deadline:
                raise MatchTimeout("the field value ran past timeout_millis (timeout_scope => event)")
            groups = item.search(text)
            if groups is None:
                continue
            matched = True
            for index, ref, in_meta, coerce, overwrite in item.plan:
                value = groups[index]
                if value is not None and coerce is not None:
                    value = coerce(value)
                if not keep_empty and (value is None or value == ""):
                    continue
                root = meta if in_meta else data
                # A write that fails ([a][b] under a string `a`) raises: as in Logstash, the
                # captures written so far stay and the field counts as not matched (`apply`).
                if overwrite:
                    ref.set(root, value)
                else:
                    write_capture(root, ref, value, False)
            if self._break:
                break
        return matched
