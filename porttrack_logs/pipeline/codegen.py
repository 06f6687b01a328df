"""A filter section compiled to one Python function: the per-event path without step machinery.

`generate(nodes)` writes the source of `run(events)`: one loop over the batch, the conditions as
Python expressions (`Condition.expression`), and each filter either as the code it writes itself
through the `CodeWriter` seam (`Filter.emit`; `SourceWriter` here names every local) or as a call
to its `filter` method. Nothing is tracked per event for error reports: when an event fails,
the line of the generated code that raised names the filter or condition. Semantics are those of `steps`: a cancelled event runs no further
filters; an exception fails that event only (tag `_filter_error`, reason in metadata); a condition
that raises fails the event the same way. The interpreted steps stay as the reference and are
what the tests compare this code with.

A filter that makes new events (`clone`, `split`: `steps.spawns`) gets, once, a continuation
function: the statements after it, to the end of the section, for one event. What the filter
makes is run through it after the event it came from (the newest filter's first, as the steps
order them), and `run` then returns the grown batch (a list) instead of None.

Unordered (`generate(..., ordered=False)`, Logstash's batch order with several workers, see
`steps.ConditionalStep`), each event carries a sort key, a list with one slot per conditional:
the branch it took (past the last branch when it took none). The slots are laid out so that
comparing keys gives the order that stable partitions at each conditional, one after the other,
would give: a later conditional's slot before an earlier one's, a conditional's slot before those
of the conditionals inside its branches; then the event's place in the batch, then one slot per
event-making filter (0 for the event it ran on, n for its n-th new event, which starts from a copy
of its parent's key). `run` sorts the batch by key once, at the end.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any, Callable, Sequence

from ..codec import LAZY
from ..event import Event, FieldRef, decode_lazy
from ..filters.base import CodeWriter, Filter
from .compiler import CompiledIf, CompiledPlugin, Node, walk
from .steps import fail_event, spawns

__all__ = ["SourceWriter", "generate"]


class SourceWriter(CodeWriter):
    """The `CodeWriter` of a generated `run(events)`: collects its lines and the objects they refer
    to by name, and alone names its locals (the event, its fields and metadata, a filter's outcome)."""

    event, fields, meta, ok = "ev", "d", "m", "_ok"

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.places: list[int] = []  # for each line, the index of the statement it belongs to
        self.place = -1  # the statement being written (see `generate`: failures name it)
        self.names: dict[str, Any] = {}
        self._named: dict[int, str] = {}  # id of a value already named -> its name
        self._counter = 0

    def const(self, value: Any, hint: str = "k") -> str:
        name = self._named.get(id(value))
        if name is not None:
            return name
        self._counter += 1
        name = f"_{hint}{self._counter}"
        self.names[name] = value  # kept alive here, so its id stays its own
        self._named[id(value)] = name
        return name

    def temp(self, hint: str = "t") -> str:
        self._counter += 1
        return f"_{hint}{self._counter}"

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)
        self.places.append(self.place)

    def outcome(self, indent: int, matched: str) -> None:
        self.line(indent, f"{self.ok} = {matched}")

    def _root(self, ref: FieldRef) -> str:
        return self.meta if ref.metadata else self.fields

    # -- field access written out: dict operations for one- and two-level references --------------
    def get(self, indent: int, ref: FieldRef, var: str) -> str | None:
        root, path = self._root(ref), ref.path
        lazy, decode = self.const(LAZY, "lazy"), self.const(decode_lazy, "decode")
        if len(path) == 1:
            key = repr(path[0])
            self.line(indent, f"{var} = {root}.get({key})")
            self.line(indent, f"if {var}.__class__ is {lazy}: {var} = {root}[{key}] = {decode}({var})")
            return None
        if len(path) == 2:
            node, k0, k1 = self.temp("n"), repr(path[0]), repr(path[1])
            self.line(indent, f"{node} = {root}.get({k0})")
            self.line(indent, f"if {node}.__class__ is {lazy}: {node} = {root}[{k0}] = {decode}({node})")
            self.line(
                indent,
                f"{var} = {node}.get({k1}) if {node}.__class__ is dict else {self.const(ref.get, 'get')}({root})",
            )
            return node
        self.line(indent, f"{var} = {self.const(ref.get, 'get')}({root})")
        return None

    def get_expr(self, ref: FieldRef) -> str:
        root, path = self._root(ref), ref.path
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
        root, path = self._root(ref), ref.path
        if len(path) == 1:
            self.line(indent, f"{root}[{path[0]!r}] = {value}")
        elif len(path) == 2:
            node = parent
            if node is None:
                node = self.temp("n")
                self.line(indent, f"{node} = {root}.get({path[0]!r})")
            self.line(indent, f"if {node}.__class__ is dict: {node}[{path[1]!r}] = {value}")
            self.line(indent, f"elif {node} is None: {root}[{path[0]!r}] = {{{path[1]!r}: {value}}}")
            self.line(indent, f"else: {self.const(ref.set, 'set')}({root}, {value})")
        else:
            self.line(indent, f"{self.const(ref.set, 'set')}({root}, {value})")

    def tag(self, indent: int, tags: Sequence[str]) -> None:
        tags = tuple(dict.fromkeys(tags))
        if not tags:
            return
        current = self.temp("tg")
        self.line(indent, f"{current} = {self.fields}.get('tags')")
        self.line(indent, f"if {current}.__class__ is list:")
        for name in tags:
            self.line(indent + 1, f"if {name!r} not in {current}: {current}.append({name!r})")
        self.line(indent, f"elif {current} is None: {self.fields}['tags'] = {list(tags)!r}")
        self.line(indent, f"else: {self.event}.tag(*{self.const(tags, 'tags')})")


class _Order:
    """Where each conditional and each event-making filter keeps its slot in an event's sort key."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        conditionals: list[CompiledIf] = []
        self._layout(tuple(nodes), conditionals)
        self.slots = {id(node): i for i, node in enumerate(conditionals)}
        self.position = len(conditionals)
        makers = [n for n in walk(nodes) if isinstance(n, CompiledPlugin) and n.instance is not None and spawns(n.instance)]
        self.tails = {id(node): self.position + 1 + i for i, node in enumerate(makers)}
        #: a fresh event's key: each conditional "no branch yet", its place 0, made by no filter
        self.start = [len(node.branches) for node in conditionals] + [0] * (1 + len(makers))

    def _layout(self, nodes: tuple[Node, ...], out: list[CompiledIf]) -> None:
        for node in reversed(nodes):  # the last partition decides first
            if isinstance(node, CompiledIf):
                out.append(node)
                for branch in node.branches:
                    self._layout(branch.body, out)


class _Continuations:
    """The continuation functions still to write: one per spawning filter, named on first need."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.todo: list[tuple[str, tuple[Node, ...]]] = []

    def name(self, g: SourceWriter, node: CompiledPlugin, rest: tuple[Node, ...]) -> str:
        name = self.names.get(id(node))
        if name is None:
            name = self.names[id(node)] = g.temp("cont")
            self.todo.append((name, rest))
        return name


def _spawning(g: SourceWriter, node: CompiledPlugin, rest: tuple[Node, ...], conts: _Continuations, indent: int,
              order: _Order | None = None) -> None:
    """A filter that makes events: they wait in `_sp`, with the function that runs the rest on them
    (and, unordered, a copy of the key the event had then, and the slot that numbers them)."""
    cont = conts.name(g, node, rest)
    new = g.temp("new")
    g.line(indent, f"{new} = {g.const(node.instance.spawn, 'spawn')}({g.event})")
    g.line(indent, f"if {new}:")
    g.line(indent + 1, "if _sp is None: _sp = []")
    if order is None:
        g.line(indent + 1, f"_sp.append(({cont}, {new}))")
    else:
        g.line(indent + 1, f"_sp.append(({cont}, {new}, _k.copy(), {order.tails[id(node)]}))")
    g.line(indent, f"if {g.event}.cancelled: continue")


def _plugin(g: SourceWriter, node: CompiledPlugin, where: list[str], indent: int,
            rest: tuple[Node, ...] = (), conts: _Continuations | None = None, order: _Order | None = None) -> None:
    plugin: Filter = node.instance
    where.append(f"filter {plugin.name} (id {plugin.id})")
    g.place = len(where) - 1
    if conts is not None and spawns(plugin):
        _spawning(g, node, rest, conts, indent, order)
        return
    emitted = plugin.emit(g, indent)
    if emitted is None and type(plugin).filter is Filter.filter:  # `Filter.filter` written out: one call less
        if plugin.decorates:
            g.line(indent, f"if {g.const(plugin.apply, 'apply')}({g.event}) and not {g.event}.cancelled: "
                           f"{g.const(plugin.decorate, 'decorate')}({g.event})")
        else:
            g.line(indent, f"{g.const(plugin.apply, 'apply')}({g.event})")
        g.line(indent, f"if {g.event}.cancelled: continue")
    elif emitted is None:  # the filter as a call; it may cancel the event
        g.line(indent, f"{g.const(plugin.filter, 'filter')}({g.event})")
        g.line(indent, f"if {g.event}.cancelled: continue")
    elif plugin.decorates:  # the filter's own code left its outcome in `ok`; it never cancels
        tags = plugin.constant_tags
        if tags:
            g.line(indent, f"if {g.ok}:")
            g.tag(indent + 1, tags)
        else:
            g.line(indent, f"if {g.ok}: {g.const(plugin.decorate, 'decorate')}({g.event})")


def _conditional(g: SourceWriter, node: CompiledIf, where: list[str], indent: int,
                 rest: tuple[Node, ...] = (), conts: _Continuations | None = None, order: _Order | None = None) -> None:
    where.append(f"condition at {node.node.position}")
    place = len(where) - 1
    for i, branch in enumerate(node.branches):
        g.place = place
        if branch.condition is None:
            g.line(indent, "else:")
        else:
            g.line(indent, f"{'if' if i == 0 else 'elif'} {branch.condition.expression(g)}:")
        if order is not None:
            g.line(indent + 1, f"_k[{order.slots[id(node)]}] = {i}")
        if branch.body:
            _statements(g, branch.body, where, indent + 1, rest, conts, order)
        elif order is None:
            g.line(indent + 1, "pass")


def _statements(g: SourceWriter, nodes: Sequence[Node], where: list[str], indent: int,
                rest: tuple[Node, ...] = (), conts: _Continuations | None = None, order: _Order | None = None) -> None:
    """The statements `nodes`; `rest` is what follows them to the end of the section (for
    continuations, written only when `conts` is given); `order` when unordered."""
    nodes = tuple(nodes)
    for i, node in enumerate(nodes):
        after = nodes[i + 1:] + rest if conts is not None else ()
        if isinstance(node, CompiledPlugin):
            if node.instance is not None:
                _plugin(g, node, where, indent, after, conts, order)
        else:
            _conditional(g, node, where, indent, after, conts, order)


def _any_spawns(nodes: Sequence[Node]) -> bool:
    return any(isinstance(n, CompiledPlugin) and n.instance is not None and spawns(n.instance) for n in walk(nodes))


def _run_spawned(pending: list, out: list[Event]) -> None:
    """Run what filters made for one event: the newest filter's events first, each in order."""
    for cont, new in reversed(pending):
        for event in new:
            if not event.cancelled:
                cont(event, out)


def _run_spawned_keyed(pending: list, out: list) -> None:
    """Unordered: each made event starts from its parent's key at the making, numbered in its slot."""
    for cont, new, key, slot in pending:
        for n, event in enumerate(new, 1):
            if not event.cancelled:
                mine = key.copy()
                mine[slot] = n
                cont(event, out, mine)


def _generate_spawning(g: SourceWriter, nodes: Sequence[Node], where: list[str], order: _Order | None = None) -> None:
    """`run` and its continuations, for a section with a filter that makes events: each event
    takes its place in the output first; what was made for it follows, through the rest.
    Unordered, every event is kept with its key, and the batch is sorted by key at the end."""
    conts = _Continuations()
    ev = g.event
    keyed = order is not None

    def body(header: list[str], statements: tuple[Node, ...], indent: int) -> None:
        for text in header:
            g.line(indent, text)
        g.line(indent, f"_out.append((_k, {ev}))" if keyed else f"_out.append({ev})")
        g.line(indent, "_sp = None")
        g.line(indent, f"{g.fields} = {ev}._data")  # `Event.raw_fields()` without its call
        g.line(indent, f"{g.meta} = {ev}._meta")  # `Event.metadata` without its property call
        g.line(indent, "for _once in _ONCE:  # `continue` ends this event's filters")
        g.line(indent + 1, "try:")
        start = len(g.lines)
        _statements(g, statements, where, indent + 2, (), conts, order)
        if len(g.lines) == start:
            g.line(indent + 2, "pass")
        g.place = -1
        g.line(indent + 1, "except Exception as _exc:")
        g.line(indent + 2, f"_fail({ev}, _where[_places[_exc.__traceback__.tb_lineno]], _exc)")
        spawned = "_run_spawned_keyed" if keyed else "_run_spawned"
        g.line(indent, f"if _sp is not None: {spawned}(_sp, _out)")

    g.line(0, "def run(events):")
    g.line(1, "_out = []")
    if keyed:
        g.line(1, f"for _at, {ev} in enumerate(events):")
        body(["_k = _START.copy()", f"_k[{order.position}] = _at"], tuple(nodes), 2)
        g.line(1, "_out.sort(key=_by_key)")
        g.line(1, "return [e for _, e in _out if not e.cancelled]")
    else:
        g.line(1, f"for {ev} in events:")
        body([], tuple(nodes), 2)
        g.line(1, "return [e for e in _out if not e.cancelled]")
    if keyed:
        g.names["_START"] = order.start
    done = 0
    while done < len(conts.todo):
        name, rest = conts.todo[done]
        done += 1
        g.place = -1
        g.line(0, f"def {name}({ev}, _out{', _k' if keyed else ''}):")
        body([], rest, 1)


def generate(nodes: Sequence[Node], g: SourceWriter | None = None, *,
             ordered: bool = True) -> tuple[Callable[[list[Event]], None], str]:
    """The compiled `run(events)` for a filter section, and its source (for debugging).
    `ordered=False`: Logstash's unordered batch order (see the module's docstring)."""
    g = g or SourceWriter()
    where: list[str] = []
    ev = g.event
    if not ordered and any(isinstance(n, CompiledIf) for n in walk(nodes)):
        _generate_spawning(g, nodes, where, _Order(nodes))
        return _finish(g, where)
    if _any_spawns(nodes):
        _generate_spawning(g, nodes, where)
        return _finish(g, where)
    g.line(0, "def run(events):")
    g.line(1, f"for {ev} in events:")
    g.line(2, f"{g.fields} = {ev}._data")  # `Event.raw_fields()` without its call (~40 ns an event)
    meta_line = len(g.lines)
    g.line(2, f"{g.meta} = {ev}._meta")  # `Event.metadata` without its property call (~60 ns an event)
    g.line(2, "try:")
    start = len(g.lines)
    _statements(g, nodes, where, 3)
    if len(g.lines) == start:
        g.line(3, "pass")
    if not any(_names(line, g.meta) for line in g.lines[start:]):  # no statement reads the metadata
        del g.lines[meta_line], g.places[meta_line]
    g.place = -1
    g.line(2, "except Exception as _exc:  # one event fails, the batch goes on; the line says where")
    g.line(3, f"_fail({ev}, _where[_places[_exc.__traceback__.tb_lineno]], _exc)")
    return _finish(g, where)


def _names(line: str, name: str) -> bool:
    """Whether a generated line may use the local `name` (a string holding it counts: kept, safe)."""
    return re.search(rf"(?<![\w.]){name}(?!\w)", line) is not None


def _finish(g: SourceWriter, where: list[str]) -> tuple[Callable[[list[Event]], Any], str]:
    source = "\n".join(g.lines) + "\n"
    scope: dict[str, Any] = dict(g.names)
    scope["_run_spawned"] = _run_spawned
    scope["_run_spawned_keyed"] = _run_spawned_keyed
    scope["_by_key"] = itemgetter(0)
    scope["_ONCE"] = (None,)
    scope["_fail"] = fail_event
    scope["_where"] = tuple(where) + ("pipeline",)
    scope["_places"] = (-1, *g.places)  # line numbers start at 1
    exec(compile(source, "<porttrack pipeline>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope["run"], source
