"""A filter section run step by step, batch at a time: the reference the generated code
(`pipeline.codegen`) is tested against, and what `Pipeline(generate_code=False)` runs.

A step takes the events still flowing and returns those that flow on. Cancelled events stop;
an event on which a filter raised stops too, tagged `_filter_error` with the reason in
`[@metadata][_porttrack][error]`, so the runtime can send it to the dead letter queue.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from ..event import Event
from ..filters.base import Filter

__all__ = ["Step", "FilterStep", "ConditionalStep", "run_steps", "FAILURE_TAG", "failure_of", "fail_event"]

FAILURE_TAG = "_filter_error"
_META_KEY = "_porttrack"


class Step(Protocol):
    def process(self, events: list[Event]) -> list[Event]: ...


def failure_of(event: Event) -> str | None:
    """The reason a filter failed on this event, or None."""
    info = event.metadata.get(_META_KEY)
    return info.get("error") if isinstance(info, dict) else None


def fail_event(event: Event, where: str, exc: BaseException) -> None:
    """Mark the event failed at `where`: tagged, the reason in its metadata, no further filters."""
    info = event.metadata.get(_META_KEY)
    if not isinstance(info, dict):  # keep the id, original input and place a source put there
        info = event.metadata[_META_KEY] = {}
    info["error"] = f"{where} raised {type(exc).__name__}: {exc}"
    info["at"] = where
    event.tag(FAILURE_TAG)
    event.halted = True


class FilterStep:
    """One filter over a batch; an exception fails that event only."""

    __slots__ = ("plugin", "_filter", "_where")

    def __init__(self, plugin: Filter) -> None:
        self.plugin = plugin
        self._filter = plugin.filter
        self._where = f"filter {plugin.name} (id {plugin.id})"

    def __repr__(self) -> str:
        return f"FilterStep({self.plugin!r})"

    def process(self, events: list[Event]) -> list[Event]:
        out = []
        apply = self._filter
        for event in events:
            try:
                apply(event)
            except Exception as exc:  # a bad event must not stop the batch
                fail_event(event, self._where, exc)
                continue
            if not event.cancelled:
                out.append(event)
        return out


Condition = Callable[[Event], bool]


class ConditionalStep:
    """`if / else if / else`: each event goes down the first branch whose condition holds."""

    __slots__ = ("branches", "_where")

    def __init__(self, branches: Sequence[tuple[Condition | None, Sequence[Step]]], where: str = "condition") -> None:
        self.branches = tuple((cond, tuple(steps)) for cond, steps in branches)
        self._where = where

    def process(self, events: list[Event]) -> list[Event]:
        buckets: list[list[Event]] = [[] for _ in self.branches]
        conditions = [cond for cond, _ in self.branches]
        for event in events:
            try:
                for i, cond in enumerate(conditions):
                    if cond is None or cond(event):
                        buckets[i].append(event)
                        break
            except Exception as exc:
                fail_event(event, self._where, exc)
        for (_, steps), bucket in zip(self.branches, buckets):
            if bucket and steps:
                run_steps(steps, bucket)
        return [e for e in events if not e.halted]


def run_steps(steps: Sequence[Step], events: list[Event]) -> list[Event]:
    """Run a sequence of steps; returns the events that came through all of them."""
    for step in steps:
        if not events:
            break
        events = step.process(events)
    return events
