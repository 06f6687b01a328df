"""The `clone` filter: copies of each event, one per name in `clones`, flowing on after it.

Each copy is deep (fields and `@metadata`); with ECS disabled its `type` is set to the clone's
name, with ECS v1/v8 the name is added to its tags instead, as Logstash's clone 4.2 does. The
common options (add_field, add_tag, ...) apply to the copies, not to the original.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Literal

from pydantic import ConfigDict

from ..event import Event
from .base import Filter, FilterOptions, Path, StrList

__all__ = ["CloneFilter", "SpawningFilter", "copy_event", "copy_value"]

Ecs = Literal["disabled", "v1", "v8"]


def copy_value(value: Any) -> Any:
    """A deep copy of a field value: hashes and arrays copied, the rest (immutable) shared."""
    cls = value.__class__
    if cls is dict:
        return {k: copy_value(v) for k, v in value.items()}
    if cls is list:
        return [copy_value(v) for v in value]
    return value  # str, numbers, datetime, undecoded JSON: immutable


def copy_event(event: Event) -> Event:
    """A deep copy of an event (Logstash's `event.clone`); undecoded values are shared, they never change."""
    new = Event(copy_value(event.raw_fields()), metadata=copy_value(event.metadata))
    new._lazy = event._lazy  # noqa: SLF001 - the copy holds the same undecoded values
    return new


class SpawningFilter(Filter):
    """A filter that makes new events: `spawn(event)` does all the work (common options included)
    and returns them; the pipeline runs them through the filters that follow (`pipeline.steps`)."""

    spawns: ClassVar[bool] = True
    __slots__ = ()

    def spawn(self, event: Event) -> list[Event]:
        raise NotImplementedError

    def apply(self, event: Event) -> bool:
        raise TypeError(f"{self.name} makes new events: run it with spawn(event) or process(events)")

    def filter(self, event: Event) -> None:
        """Run on one event, not following the events made (for tools that trace one event, such
        as `check --template`); the pipeline calls `spawn` instead."""
        self.spawn(event)

    def process(self, events: Iterable[Event]) -> list[Event]:
        out: list[Event] = []
        for event in events:
            new = self.spawn(event)
            if not event.cancelled:
                out.append(event)
            out.extend(e for e in new if not e.cancelled)
        return out


class CloneOptions(FilterOptions):
    """clone's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    clones: StrList = []
    ecs_compatibility: Ecs = "v8"


class CloneFilter(SpawningFilter):
    """Logstash's `clone`."""

    name = "clone"
    Options = CloneOptions
    __slots__ = ("_clones", "_as_tag")

    def _compile(self, options: CloneOptions) -> None:
        self._clones = tuple(options.clones)
        self._as_tag = options.ecs_compatibility != "disabled"

    def _writes(self) -> set[Path]:
        return {("tags",) if self._as_tag else ("type",)} if self._clones else set()

    def spawn(self, event: Event) -> list[Event]:
        out = []
        for name in self._clones:
            clone = copy_event(event)
            if self._as_tag:
                clone.tag(name)
            else:
                clone.set("type", name)
            if self._decorates:
                self.decorate(clone)
            out.append(clone)
        return out
