"""Output routing: which outputs each event goes to, from the output section's plugins and
`if / else if / else` blocks (Logstash semantics: every plugin at a level, the first branch whose
condition holds). The conditions are the ones the compiler compiled once (`CompiledBranch.condition`),
read from the `CompiledIf` nodes of `CompiledConfig.outputs`.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

from ..event import Event
from ..pipeline.compiler import CompiledIf, CompiledPlugin, Node

__all__ = ["Router", "compile_routes"]

Condition = Callable[[Event], bool]
_Route = Union[int, tuple[tuple[Union[Condition, None], tuple["_Route", ...]], ...]]


class Router:
    """`route(events)`: one list of events per output (in `outputs` order), and the events whose
    routing raised (a condition that cannot be evaluated), each with the reason."""

    __slots__ = ("outputs", "_routes", "_flat")

    def __init__(self, outputs: Sequence[Any], routes: tuple[_Route, ...]) -> None:
        self.outputs = tuple(outputs)
        self._routes = routes
        self._flat = all(isinstance(r, int) for r in routes)  # no conditionals: every output takes all

    def route(self, events: Sequence[Event]) -> tuple[list[list[Event]], list[tuple[Event, str]]]:
        buckets: list[list[Event]] = [[] for _ in self.outputs]
        failed: list[tuple[Event, str]] = []
        if self._flat:
            for index in self._routes:
                buckets[index].extend(events)  # type: ignore[index]
            return buckets, failed
        for event in events:
            chosen: list[int] = []
            try:
                _walk(self._routes, event, chosen)
            except Exception as exc:  # a condition that raises fails this event only
                failed.append((event, f"output condition raised {type(exc).__name__}: {exc}"))
                continue
            for index in chosen:
                buckets[index].append(event)
        return buckets, failed


def _walk(routes: tuple[_Route, ...], event: Event, chosen: list[int]) -> None:
    for route in routes:
        if isinstance(route, int):
            chosen.append(route)
            continue
        for condition, body in route:
            if condition is None or condition(event):
                _walk(body, event, chosen)
                break


def compile_routes(nodes: Sequence[Node], build: Callable[[CompiledPlugin], Any]) -> Router:
    """A router over the output section `nodes`; `build(plugin)` makes each output's sink, in source order."""
    outputs: list[Any] = []

    def compile_body(body: Sequence[Node]) -> tuple[_Route, ...]:
        routes: list[_Route] = []
        for node in body:
            if isinstance(node, CompiledPlugin):
                outputs.append(build(node))
                routes.append(len(outputs) - 1)
            elif isinstance(node, CompiledIf):
                branches = []
                for branch in node.branches:
                    condition = None if branch.condition is None else branch.condition.test
                    branches.append((condition, compile_body(branch.body)))
                routes.append(tuple(branches))
        return tuple(routes)

    routes = compile_body(nodes)
    return Router(outputs, routes)
