"""The `drop` filter: cancel the event (all of them, or a `percentage` picked at random)."""

from __future__ import annotations

import random

from pydantic import Field

from ..event import Event
from .base import Filter, FilterOptions, Path

__all__ = ["DropFilter"]


class DropOptions(FilterOptions):
    """drop's one option: how many events in a hundred to drop."""

    percentage: int = Field(100, ge=0, le=100)


class DropFilter(Filter):
    """Logstash's `drop`: a cancelled event leaves the pipeline (its position still gets acknowledged)."""

    name = "drop"
    Options = DropOptions
    __slots__ = ("_always", "_fraction", "_random")

    def _compile(self, options: DropOptions) -> None:
        self._always = options.percentage == 100
        self._fraction = options.percentage / 100.0
        self._random = random.random

    def _writes(self) -> set[Path]:
        return set()

    def apply(self, event: Event) -> bool:
        if self._always or self._random() < self._fraction:
            event.cancel()
            return True
        return False
