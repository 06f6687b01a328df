"""A filter section compiled to one Python function: the per-event path without step machinery.

`generate(nodes)` writes the source of `run(events)`: one loop over the batch, the conditions as
Python expressions, and each filter either as the code it emits itself (`Filter.emit`) or as a
call to its `filter` method. Nothing is tracked per event for error reports: when an event fails,
the line of the generated code that raised names the filter or condition. Semantics are those of `steps`: a cancelled event runs no further
filters; an exception fails that event only (tag `_filter_error`, reason in metadata); a condition
that raises fails the event the same way. The interpreted steps stay as the reference and are
what the tests compare this code with.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..codec import LAZY
from ..event import Event, FieldRef, decode_lazy
from ..filters.base import Filter
from .compiler import CompiledIf, CompiledPlugin, Node
from .steps import fail_event

__all__ = ["Emitter", "generate"]


class Emitter:
    """Collects the generated lines and the objects they refer to by name."""

    #: the generated function's locals, named here and nowhere else
    event, fields, meta, ok = "ev", "d", "m", "_ok"

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.places: list[int] = []  # for each line, the index of the statement it belongs to
        self.place = -1  # the statement being written (see `generate`: failures name it)
        self.names: dict[str, Any] = {}
        self._named: dict[int, str] = {}  # id of a value already named -> its name
        self._counter = 0

    def const(self, value: Any, hint: str = "k") -> str:
        """A name under which `value` is visible to the generated code (one name per object)."""
        name = self._named.get(id(value))
        if name is not None:
            return name
        self._counter += 1
        name = f"_{hint}{self._counter}"
        self.names[name] = value  # kept alive here, so its id stays its own
        self._named[id(value)] = name
        return name

    def temp(self, hint: str = "t") -> str:
        """A fresh local variable name."""
        self._counter += 1
        return f"_{hint}{self._counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)
        self.places.append(self.place)

    # -- field access written out: dict operations for one- and two-level references --------------
    def get(self, indent: int, ref: FieldRef, var: str) -> str | None:
        """Code leaving the value at `ref` in `var` (None when absent), decoding lazy values.

        For a two-level reference, returns the variable holding the parent (`[log]` of
        `[log][level]`): `set(..., parent=)` writes through it if nothing replaced it meanwhile."""
        root, path = ("m" if ref.metadata else "d"), ref.path
        lazy, decode = self.const(LAZY, "lazy"), self.const(decode_lazy, "decode")
        if len(path) == 1:
            key = repr(path[0])
            self.emit(indent, f"{var} = {root}.get({key})")
            self.emit(indent, f"if {var}.__class__ is {lazy}: {var} = {root}[{key}] = {decode}({var})")
            return None
        if len(path) == 2:
            node, k0, k1 = self.temp("n"), repr(path[0]), repr(path[1])
            self.emit(indent, f"{node} = {root}.get({k0})")
            self.emit(indent, f"if {node}.__class__ is {lazy}: {node} = {root}[{k0}] = {decode}({node})")
            self.emit(
                indent,
                f"{var} = {node}.get({k1}) if {node}.__class__ is dict else {self.const(ref.get, 'get')}({root})",
            )
            return node
        self.emit(indent, f"{var} = {self.const(ref.get, 'get')}({root})")
        return None

    def get_expr(self, ref: FieldRef) -> str:
        """An expression for the value at `ref` (None when absent): dict lookups on the common
        path, the reference's own reader when a value is undecoded or not a hash."""
        root, path = ("m" if ref.metadata else "d"), ref.path
        general = f"{self.const(ref.get, 'get')}({root})"
        if len(path) == 1:
            x = self.temp("x")
            return f"({x} if ({x} := {root}.get({path[0]!r})).__class__ is not {self.const(LAZY, 'lazy')} else {general})"
        if len(path) == 2:
            node = self.temp("n")
            return (
                f"({node}.get({path[1]!r}) if ({node} := {root}.get({path[0]!r})).__class__ is dict"
                f" else None if {node} is None else {general})"
            )
        return general

    def set(self, indent: int, ref: FieldRef, value: str, parent: str | None = None) -> None:
        """Code writing the variable `value` at `ref`, creating hashes on the way; `parent` is
        what `get` returned for the same reference, when nothing since may have replaced it."""
        root, path = ("m" if ref.metadata else "d"), ref.path
        if len(path) == 1:
            self.emit(indent, f"{root}[{path[0]!r}] = {value}")
        elif len(path) == 2:
            node = parent
            if node is None:
                node = self.temp("n")
                self.emit(indent, f"{node} = {root}.get({path[0]!r})")
            self.emit(indent, f"if {node}.__class__ is dict: {node}[{path[1]!r}] = {value}")
            self.emit(indent, f"elif {node} is None: {root}[{path[0]!r}] = {{{path[1]!r}: {value}}}")
            self.emit(indent, f"else: {self.const(ref.set, 'set')}({root}, {value})")
        else:
            self.emit(indent, f"{self.const(ref.set, 'set')}({root}, {value})")

    def tag(self, indent: int, tags: Sequence[str]) -> None:
        """Code adding constant tags as `Event.tag` does: in place on a list of tags, a new list
        when there is none, the method itself for anything else (a lone string, undecoded JSON)."""
        tags = tuple(dict.fromkeys(tags))
        if not tags:
            return
        current = self.temp("tg")
        self.emit(indent, f"{current} = d.get('tags')")
        self.emit(indent, f"if {current}.__class__ is list:")
        for name in tags:
            self.emit(indent + 1, f"if {name!r} not in {current}: {current}.append({name!r})")
        self.emit(indent, f"elif {current} is None: d['tags'] = {list(tags)!r}")
        self.emit(indent, f"else: ev.tag(*{self.const(tags, 'tags')})")


def _plugin(g: Emitter, node: CompiledPlugin, where: list[str], indent: int) -> None:
    plugin: Filter = node.instance
    where.append(f"filter {plugin.name} (id {plugin.id})")
    g.place = len(where) - 1
    emitted = plugin.emit(g, indent)
    if emitted is None:  # the filter as a call; it may cancel the event
        g.emit(indent, f"{g.const(plugin.filter, 'filter')}(ev)")
        g.emit(indent, "if ev.cancelled: continue")
    elif plugin.decorates:  # the filter's own code left its outcome in `_ok`; it never cancels
        tags = plugin.constant_tags
        if tags:
            g.emit(indent, "if _ok:")
            g.tag(indent + 1, tags)
        else:
            g.emit(indent, f"if _ok: {g.const(plugin.decorate, 'decorate')}(ev)")


def _conditional(g: Emitter, node: CompiledIf, where: list[str], indent: int) -> None:
    where.append(f"condition at {node.node.position}")
    place = len(where) - 1
    for i, branch in enumerate(node.branches):
        g.place = place
        if branch.condition is None:
            g.emit(indent, "else:")
        else:
            g.emit(indent, f"{'if' if i == 0 else 'elif'} {branch.condition.expression(g)}:")
        if branch.body:
            _statements(g, branch.body, where, indent + 1)
        else:
            g.emit(indent + 1, "pass")


def _statements(g: Emitter, nodes: Sequence[Node], where: list[str], indent: int) -> None:
    for node in nodes:
        if isinstance(node, CompiledPlugin):
            if node.instance is not None:
                _plugin(g, node, where, indent)
        else:
            _conditional(g, node, where, indent)


def generate(nodes: Sequence[Node]) -> tuple[Callable[[list[Event]], None], str]:
    """The compiled `run(events)` for a filter section, and its source (for debugging)."""
    g = Emitter()
    where: list[str] = []
    g.emit(0, "def run(events):")
    g.emit(1, "for ev in events:")
    g.emit(2, "d = ev.raw_fields()")
    g.emit(2, "m = ev.metadata")
    g.emit(2, "try:")
    start = len(g.lines)
    _statements(g, nodes, where, 3)
    if len(g.lines) == start:
        g.emit(3, "pass")
    g.place = -1
    g.emit(2, "except Exception as _exc:  # one event fails, the batch goes on; the line says where")
    g.emit(3, "_fail(ev, _where[_places[_exc.__traceback__.tb_lineno]], _exc)")
    source = "\n".join(g.lines) + "\n"
    scope: dict[str, Any] = dict(g.names)
    scope["_fail"] = fail_event
    scope["_where"] = tuple(where) + ("pipeline",)
    scope["_places"] = (-1, *g.places)  # line numbers start at 1
    exec(compile(source, "<porttrack pipeline>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope["run"], source
