"""The `uuid` filter: a random (version 4) UUID in `target`, kept unless `overwrite`."""

from __future__ import annotations

import uuid

from ..event import Event, field_ref, parse_field_ref
from .base import Filter, FilterOptions, Path

__all__ = ["UuidFilter"]


class UuidOptions(FilterOptions):
    """uuid's options, as Logstash names them."""

    target: str
    overwrite: bool = False


class UuidFilter(Filter):
    """Logstash's `uuid`."""

    name = "uuid"
    Options = UuidOptions
    __slots__ = ("_target", "_overwrite")

    def _compile(self, options: UuidOptions) -> None:
        self._target = field_ref(options.target)
        self._overwrite = options.overwrite

    def _writes(self) -> set[Path]:
        return {parse_field_ref(self._target.text, lenient=True)}

    def apply(self, event: Event) -> bool:
        if self._overwrite or event.get(self._target) is None:
            event.set(self._target, str(uuid.uuid4()))
        return True
