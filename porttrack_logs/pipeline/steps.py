"""A filter section run step by step, batch at a time: the reference the generated code
(`pipeline.codegen`) is tested against, and what `Pipeline(generate_code=False)` runs.

A step takes the events still flowing and returns those that flow on. Cancelled events stop;
an event on which a filter raised stops too, tagged `_filter_error` with the reason in
`[@metadata][_porttrack][error]`, so the runtime can send it to the dead letter queue.

A filter may make new events (`clone`, `split`: `spawns` set, `spawn(event)` returns them): they
are inserted right after the event they came from and run the rest of the filters from there, as
Logstash's do. `flow` is `process` with failed events kept in place (halted, so no later step runs
on them), which is how the pipeline keeps a failed event that no input batch holds.

A conditional keeps the batch's order by default (Logstash's `pipeline.ordered`, which its `auto`
gives one worker). Unordered (`ordered=False`, what Logstash runs with several workers), it hands
on its first branch's events, then the next branch's, then those that took no branch: a stable
partition of the batch per conditional, as Logstash's compiled graph splits a batch at each `if`.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from ..event import Event
from ..filters.base import Filter

__all__ = ["Step", "FilterStep", "ConditionalStep", "run_steps", "spawns", "FAILURE_TAG", "failure_of", "fail_event"]

FAILURE_TAG = "_filter_error"
_META_KEY = "_porttrack"


class Step(Protocol):
    def process(self, events: list[Event]) -> list[Event]: ...

    def flow(self, events: list[Event]) -> list[Event]: ...


def spawns(step_or_filter: object) -> bool:
    """Whether a filter (or a step holding one) may make new events."""
    return bool(getattr(step_or_filter, "spawns", False))


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

    __slots__ = ("plugin", "_filter", "_where", "spawns")

    def __init__(self, plugin: Filter) -> None:
        self.plugin = plugin
        self.spawns = spawns(plugin)
        self._filter = plugin.spawn if self.spawns else plugin.filter  # type: ignore[attr-defined]
        self._where = f"filter {plugin.name} (id {plugin.id})"

    def __repr__(self) -> str:
        return f"FilterStep({self.plugin!r})"

    def process(self, events: list[Event]) -> list[Event]:
        if not self.spawns:
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
        return [e for e in self.flow(events) if not e.halted]

    def flow(self, events: list[Event]) -> list[Event]:
        out = []
        apply = self._filter
        spawning = self.spawns
        for event in events:
            if event.halted:  # failed before: kept in place, not run
                if not event.cancelled:
                    out.append(event)
                continue
            try:
                new = apply(event)
            except Exception as exc:  # a bad event must not stop the batch
                fail_event(event, self._where, exc)
                out.append(event)
                continue
            if not event.cancelled:
                out.append(event)
            if spawning and new:
                out.extend(e for e in new if not e.cancelled)
        return out


Condition = Callable[[Event], bool]


class ConditionalStep:
    """`if / else if / else`: each event goes down the first branch whose condition holds."""

    __slots__ = ("branches", "_where", "spawns", "ordered")

    def __init__(self, branches: Sequence[tuple[Condition | None, Sequence[Step]]], where: str = "condition",
                 *, ordered: bool = True) -> None:
        self.branches = tuple((cond, tuple(steps)) for cond, steps in branches)
        self._where = where
        self.spawns = any(spawns(step) for _, steps in self.branches for step in steps)
        self.ordered = ordered

    def process(self, events: list[Event]) -> list[Event]:
        return [e for e in self.flow(events) if not e.halted]

    def _branch(self, event: Event) -> int | None:
        for i, (cond, _) in enumerate(self.branches):
            if cond is None or cond(event):
                return i
        return None

    def flow(self, events: list[Event]) -> list[Event]:
        if not self.ordered:
            return self._partitioned(events)
        if self.spawns:  # event by event, so what a branch makes follows the event it came from
            out: list[Event] = []
            for event in events:
                if event.halted:
                    if not event.cancelled:
                        out.append(event)
                    continue
                try:
                    i = self._branch(event)
                except Exception as exc:
                    fail_event(event, self._where, exc)
                    out.append(event)
                    continue
                if i is None or not self.branches[i][1]:
                    out.append(event)
                else:
                    out.extend(run_steps(self.branches[i][1], [event], keep_failed=True))
            return out
        buckets, _ = self._partition(events)
        for (_, steps), bucket in zip(self.branches, buckets):
            if bucket and steps:
                run_steps(steps, bucket, keep_failed=True)
        return [e for e in events if not e.cancelled]

    def _partitioned(self, events: list[Event]) -> list[Event]:
        """Unordered: each branch's events run as one batch and are handed on branch by branch,
        then the events no branch took."""
        buckets, untaken = self._partition(events)
        out: list[Event] = []
        for (_, steps), bucket in zip(self.branches, buckets):
            if bucket:
                out.extend(run_steps(steps, bucket, keep_failed=True) if steps else bucket)
        out.extend(untaken)
        return [e for e in out if not e.cancelled]

    def _partition(self, events: list[Event]) -> tuple[list[list[Event]], list[Event]]:
        """Each branch's events, in order, and those no branch took (a failed one among them: it runs none)."""
        buckets: list[list[Event]] = [[] for _ in self.branches]
        untaken: list[Event] = []
        for event in events:
            if event.halted:
                untaken.append(event)
                continue
            try:
                i = self._branch(event)
            except Exception as exc:
                fail_event(event, self._where, exc)
                untaken.append(event)
                continue
            (untaken if i is None else buckets[i]).append(event)
        return buckets, untaken


def run_steps(steps: Sequence[Step], events: list[Event], *, keep_failed: bool = False) -> list[Event]:
    """Run a sequence of steps; returns the events that came through all of them (with
    `keep_failed`, the failed ones too, in place), new events after those they came from."""
    for step in steps:
        if not events:
            break
        events = step.flow(events)
    return events if keep_failed else [e for e in events if not e.halted]
