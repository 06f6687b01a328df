"""The `split` filter: one event per line of a text field (or per element of an array field).

Each piece becomes a copy of the event with the piece at `field` (or `target`); the copies flow on
in order where the original was, and the original is dropped, as in Logstash. A text with no
`terminator` is left alone; a value that is neither text nor array tags `_split_type_failure`.
"""

from __future__ import annotations

from pydantic import ConfigDict, field_validator

from ..event import Event, field_ref, parse_field_ref
from .base import FilterOptions, Path
from .clone import SpawningFilter, copy_event, copy_value

__all__ = ["SplitFilter"]


class SplitOptions(FilterOptions):
    """split's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    field: str = "message"
    terminator: str = "\n"
    target: str | None = None

    @field_validator("terminator")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value


class SplitFilter(SpawningFilter):
    """Logstash's `split`."""

    name = "split"
    Options = SplitOptions
    __slots__ = ("_field", "_target", "_terminator")

    def _compile(self, options: SplitOptions) -> None:
        self._field = field_ref(options.field)
        self._target = field_ref(options.target) if options.target else None
        self._terminator = options.terminator

    def _writes(self) -> set[Path]:
        ref = self._target or self._field
        return {parse_field_ref(ref.text, lenient=True), ("tags",)}

    def spawn(self, event: Event) -> list[Event]:
        value = event.get(self._field)
        if isinstance(value, list):
            pieces = value
            if self._target is None:
                event.remove(self._field)  # each copy gets its own element, not the whole array
        elif isinstance(value, str):
            pieces = value.split(self._terminator)
            if len(pieces) == 1:
                return []
        else:
            event.tag("_split_type_failure")
            return []
        out = []
        dest = self._target or self._field
        for piece in pieces:
            if piece is None or (hasattr(piece, "__len__") and len(piece) == 0):
                continue
            new = copy_event(event)
            new.set(dest, copy_value(piece))
            if self._decorates:
                self.decorate(new)
            out.append(new)
        event.cancel()
        return out

