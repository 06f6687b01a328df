"""A filter section compiled to one Python function: the per-event path without step machinery.

`generate(nodes)` writes the source of `run(events)`: one loop over the batch, the conditions as
Python expressions, and each filter either as the code it emits itself (`Filter.emit`) or as a
call to its `filter` method. Semantics are those of `steps`: a cancelled event runs no further
filters; an exception fails that event only (tag `_filter_error`, reason in metadata); a condition
that raises fails the event the same way. The interpreted steps stay as the reference and are
what the tests compare this code with.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..event import Event
from ..filters.base import Filter
from ..filters.conditions import compile_condition, emit_condition
from .compiler import CompiledIf, CompiledPlugin, Node
from .steps import fail_event

__all__ = ["Emitter", "generate"]


class Emitter:
    """Collects the generated lines and the objects they refer to by name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self._counter = 0

    def const(self, value: Any, hint: str = "k") -> str:
        """A name under which `value` is visible to the generated code."""
        self._counter += 1
        name = f"_{hint}{self._counter}"
        self.names[name] = value
        return name

    def temp(self, hint: str = "t") -> str:
        """A fresh local variable name."""
        self._counter += 1
        return f"_{hint}{self._counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def _plugin(g: Emitter, node: CompiledPlugin, where: list[str], indent: int) -> None:
    plugin: Filter = node.instance
    where.append(f"filter {plugin.name} (id {plugin.id})")
    g.emit(indent, f"_w = {len(where) - 1}")
    emitted = plugin.emit(g, indent) if hasattr(plugin, "emit") else None
    if emitted is None:  # the filter as a call; it may cancel the event
        g.emit(indent, f"{g.const(plugin.filter, 'filter')}(ev)")
        g.emit(indent, "if ev.cancelled: continue")
    elif plugin.decorates:  # the filter's own code left its outcome in `_ok`; it never cancels
        g.emit(indent, f"if _ok: {g.const(plugin.decorate, 'decorate')}(ev)")


def _conditional(g: Emitter, node: CompiledIf, where: list[str], indent: int) -> None:
    where.append(f"condition at {node.node.position}")
    g.emit(indent, f"_w = {len(where) - 1}")
    for i, (branch, body) in enumerate(node.branches):
        cond = branch.condition
        if cond is None:
            g.emit(indent, "else:")
        else:
            expression = emit_condition(cond, g)
            if expression is None:
                expression = f"{g.const(compile_condition(cond), 'cond')}(ev)"
            g.emit(indent, f"{'if' if i == 0 else 'elif'} {expression}:")
        if body:
            _statements(g, body, where, indent + 1)
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
    g.emit(2, "_w = -1")
    g.emit(2, "try:")
    start = len(g.lines)
    _statements(g, nodes, where, 3)
    if len(g.lines) == start:
        g.emit(3, "pass")
    g.emit(2, "except Exception as _exc:  # one event fails, the batch goes on")
    g.emit(3, "_fail(ev, _where[_w], _exc)")
    source = "\n".join(g.lines) + "\n"
    scope: dict[str, Any] = dict(g.names)
    scope["_fail"] = fail_event
    scope["_where"] = tuple(where) + ("pipeline",)
    exec(compile(source, "<porttrack pipeline>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope["run"], source
