"""What every filter shares: option validation, the common options, and the batch loop.

A filter subclass declares `name`, an `Options` pydantic model (derived from `FilterOptions`,
so unknown options are rejected) and implements `_compile(options)` once and `apply(event)`
per event. `apply` returns True when the filter "matched": only then does the base apply
`add_field`, `remove_field`, `add_tag`, `remove_tag`, in that order, as Logstash does.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Protocol, Sequence

from pydantic import BaseModel, ConfigDict, ValidationError

from .._options import LogstashOptions, StrList, StrMap, as_hash, as_list, not_implemented_message
from ..errors import ConfigError
from ..event import Event, FieldRef, Template, field_ref, parse_field_ref

__all__ = ["Filter", "FilterOptions", "StrList", "StrMap", "as_list", "as_hash", "validation_to_config_error", "ANY_FIELD",
           "Path", "CodeWriter"]

Path = tuple[str, ...]  #: a field reference as its keys (`event.parse_field_ref`)
#: in `Filter.fields_written`: the filter may create any field (json without a target, say)
ANY_FIELD: Path = ("*",)


class FilterOptions(LogstashOptions):
    """Options every Logstash filter accepts (with Logstash's coercions, `_options.LogstashOptions`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str | None = None
    enable_metric: bool = True
    periodic_flush: bool = False
    add_field: StrMap = {}
    add_tag: StrList = []
    remove_field: StrList = []
    remove_tag: StrList = []


def validation_to_config_error(plugin: str, exc: ValidationError) -> ConfigError:
    """One readable ConfigError from pydantic's errors, naming the first bad option."""
    lines = []
    first_option: str | None = None
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(options)"
        if first_option is None and err["loc"]:
            first_option = str(err["loc"][0])
        if err["type"] == "extra_forbidden":
            lines.append(not_implemented_message(plugin, loc) or f"unknown option '{loc}' for {plugin}")
        else:
            got = err.get("input")
            lines.append(f"option '{loc}' of {plugin}: {err['msg']} (got {got!r})")
    return ConfigError("; ".join(lines), option=first_option)


class CodeWriter(Protocol):
    """What `Filter.emit` writes a filter's per-event code with (`pipeline.codegen` implements it).
    The generated function's locals are the writer's: code reaches the event as `event`, its
    fields through `get`/`set`, and reports the filter's outcome through `outcome`."""

    event: str  #: the name of the event being processed, in the generated code

    def const(self, value: Any, hint: str = "k") -> str:
        """A name under which `value` is visible to the generated code (one name per object)."""

    def temp(self, hint: str = "t") -> str:
        """A fresh local variable name."""

    def line(self, indent: int, text: str) -> None:
        """One line of code, `indent` levels deep."""

    def outcome(self, indent: int, matched: str) -> None:
        """Code recording whether the filter matched (a Python expression); common options follow it."""

    def get(self, indent: int, ref: FieldRef, var: str) -> str | None:
        """Code leaving the value at `ref` in `var` (None when absent); for a two-level reference,
        returns the variable holding the parent, for `set(..., parent=)`."""

    def get_expr(self, ref: FieldRef) -> str:
        """An expression for the value at `ref` (None when absent)."""

    def set(self, indent: int, ref: FieldRef, value: str, parent: str | None = None) -> None:
        """Code writing the variable `value` at `ref`, creating hashes on the way; `parent` is what
        `get` returned for the same reference, when nothing since may have replaced it."""

    def tag(self, indent: int, tags: Sequence[str]) -> None:
        """Code adding constant tags as `Event.tag` does."""


class Filter:
    """Base of every filter: `filter(event)` mutates in place, `process(events)` runs a batch."""

    name: ClassVar[str] = "filter"
    Options: ClassVar[type[FilterOptions]] = FilterOptions

    __slots__ = ("options", "id", "_add_field", "_remove_field", "_add_tag", "_remove_tag", "_decorates")

    def __init__(self, **options: Any) -> None:
        try:
            opts = self.Options(**options)
        except ValidationError as exc:
            raise validation_to_config_error(self.name, exc) from None
        self.options = opts
        self.id = opts.id or f"{self.name}"
        self._add_field = tuple(
            (Template(str(key)), tuple(Template(str(v)) for v in as_list(value)), isinstance(value, list))
            for key, value in opts.add_field.items()
        )
        self._remove_field = tuple(Template(f) for f in opts.remove_field)
        self._add_tag = tuple(Template(t) for t in opts.add_tag)
        self._remove_tag = tuple(Template(t) for t in opts.remove_tag)
        self._decorates = bool(self._add_field or self._remove_field or self._add_tag or self._remove_tag)
        self._compile(opts)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r}>"

    @property
    def constant_tags(self) -> tuple[str, ...] | None:
        """The tags to add on success when that is all the common options do, and none is a
        template; None otherwise (for generated code, which then calls `decorate`)."""
        if self._add_field or self._remove_field or self._remove_tag:
            return None
        if not all(t.constant for t in self._add_tag):
            return None
        return tuple(t.text for t in self._add_tag)

    @property
    def decorates(self) -> bool:
        """Whether the filter has common options (add_field, add_tag, ...) to apply on success."""
        return self._decorates

    def fields_written(self) -> set[Path]:
        """The field paths this filter may create (`ANY_FIELD` when it may create any), its common
        options' included: what `check` knows of the fields a condition may test."""
        found = {parse_field_ref(str(key), lenient=True) for key in self.options.add_field}
        if self.options.add_tag:
            found.add(("tags",))
        return found | self._writes()

    # -- to implement ---------------------------------------------------------------------
    def _writes(self) -> set[Path]:
        """The field paths the filter itself may create; by default, any."""
        return {ANY_FIELD}

    def _compile(self, options: Any) -> None:
        """Turn validated options into compiled state, once, at start-up."""

    def apply(self, event: Event) -> bool:
        """Change the event; return True when the filter matched (then common options apply)."""
        raise NotImplementedError

    def emit(self, g: CodeWriter, indent: int) -> bool | None:
        """Write this filter's per-event code with `g`, ending each path with `g.outcome`, and
        return True; or return None to be called instead. It must behave exactly as `apply`
        (the generated-versus-steps tests hold it to that). By default: be called."""
        return None

    # -- running --------------------------------------------------------------------------
    def filter(self, event: Event) -> None:
        """Run the filter on one event, in place (it may cancel the event)."""
        if self.apply(event) and self._decorates and not event.cancelled:
            self.decorate(event)

    def process(self, events: Iterable[Event]) -> list[Event]:
        """Run a batch; cancelled events are not returned."""
        out = []
        apply = self.apply
        decorates = self._decorates
        for event in events:
            if apply(event) and decorates and not event.cancelled:
                self.decorate(event)
            if not event.cancelled:
                out.append(event)
        return out

    def decorate(self, event: Event) -> None:
        """Apply add_field, remove_field, add_tag, remove_tag, in Logstash's order."""
        for key_t, value_ts, is_list in self._add_field:
            key = key_t.render(event)
            values = [t.render(event) for t in value_ts]
            ref = field_ref(key)
            if not event.includes(ref):
                event.set(ref, values if is_list else values[0])
            else:
                current = event.get(ref)
                if not isinstance(current, list):
                    current = [current]
                    event.set(ref, current)
                current.extend(values)
        for field_t in self._remove_field:
            event.remove(field_t.render(event))
        if self._add_tag:
            event.tag(*(t.render(event) for t in self._add_tag))
        if self._remove_tag:
            event.untag(*(t.render(event) for t in self._remove_tag))
