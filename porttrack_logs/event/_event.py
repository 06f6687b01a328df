"""`Event`: one log event, a dict addressed by Logstash field references."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..errors import EventError
from ._fieldref import METADATA, MISSING, FieldRef, decode_lazy
from ._timestamp import NanoTimestamp, fraction_nanos, with_nanos

__all__ = ["Event", "field_ref", "TIMESTAMP", "parse_timestamp"]

TIMESTAMP = "@timestamp"
_REFS: dict[str, FieldRef] = {}
_REF_CACHE_LIMIT = 10_000
_new_object = object.__new__


def field_ref(text: str | FieldRef) -> FieldRef:
    """A parsed `FieldRef` for `text`, cached: compile-time code should keep the result."""
    if isinstance(text, FieldRef):
        return text
    ref = _REFS.get(text)
    if ref is None:
        ref = FieldRef(text)
        if len(_REFS) < _REF_CACHE_LIMIT:
            _REFS[text] = ref
    return ref


def parse_timestamp(value: Any) -> datetime:
    """An aware UTC datetime from a datetime, ISO8601 text or epoch seconds (naive means UTC).
    Text with more than six fraction digits keeps the nanoseconds (a `NanoTimestamp`)."""
    if isinstance(value, datetime):
        moment = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if value.__class__ is NanoTimestamp and moment is not value:
            return with_nanos(moment, value.nanos)
        return moment
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        parsed = parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        if len(value) > 27:  # room for more than six fraction digits ("YYYY-MM-DDTHH:MM:SS.ffffffZ" is 27)
            fine = fraction_nanos(value)
            if fine is not None:
                return with_nanos(parsed.replace(microsecond=fine[0]), fine[1])
        return parsed
    raise ValueError(f"not a timestamp: {value!r}")


class Event:
    """A log event: its fields, its `@metadata`, and whether a filter cancelled it.

    `Event({"message": "..."})` takes ownership of the dict (no copy) and, as Logstash does,
    sets `@timestamp` to now and `@version` to "1" when they are absent. A string `@timestamp`
    is parsed; an unparseable one moves to `_@timestamp` and tags `_timestampparsefailure`.
    """

    __slots__ = ("_data", "_meta", "cancelled", "halted", "_lazy")

    def __init__(self, data: dict[str, Any] | None = None, *, metadata: dict | None = None) -> None:
        if data is None:
            data = {}
        elif not isinstance(data, dict):
            raise EventError(f"an event is built from a dict, not {type(data).__name__}")
        meta = data.pop(METADATA, None)
        self._meta: dict[str, Any] = metadata if metadata is not None else (meta if isinstance(meta, dict) else {})
        ts = data.get(TIMESTAMP)
        if ts is None:
            data[TIMESTAMP] = datetime.now(timezone.utc)
        elif type(ts) is not datetime and not isinstance(ts, datetime):
            try:
                data[TIMESTAMP] = parse_timestamp(ts)
            except (ValueError, TypeError, OverflowError):
                data["_@timestamp"] = data.pop(TIMESTAMP)
                data[TIMESTAMP] = datetime.now(timezone.utc)
                _add_tag(data, "_timestampparsefailure")
        if "@version" not in data:
            data["@version"] = "1"
        self._data = data
        self.cancelled = False
        self.halted = False  # cancelled, or failed in a filter: runs no further filters
        self._lazy = False  # top-level values may still be undecoded JSON (see from_lazy)

    def __repr__(self) -> str:
        return f"Event({self._data!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Event):
            return self._data == other._data and self._meta == other._meta
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    # -- field access ---------------------------------------------------------------------
    def get(self, ref: str | FieldRef, default: Any = None) -> Any:
        """The value at a field reference (`message`, `[log][level]`, `[@metadata][x]`)."""
        if ref.__class__ is not FieldRef:
            ref = field_ref(ref)
        return ref.get(self._meta if ref.metadata else self._data, default)

    def includes(self, ref: str | FieldRef) -> bool:
        """Whether the field exists (a field holding None exists)."""
        if ref.__class__ is not FieldRef:
            ref = field_ref(ref)
        return ref.resolve(self._meta if ref.metadata else self._data) is not MISSING

    def set(self, ref: str | FieldRef, value: Any) -> None:
        """Write a value, creating the hashes on the way."""
        if ref.__class__ is not FieldRef:
            ref = field_ref(ref)
        ref.set(self._meta if ref.metadata else self._data, value)

    def remove(self, ref: str | FieldRef) -> Any:
        """Remove a field; returns the old value, or None."""
        ref = field_ref(ref)
        return ref.remove(self._meta if ref.metadata else self._data)

    # -- tags -----------------------------------------------------------------------------
    @property
    def tags(self) -> list[str]:
        tags = _tags_of(self._data)
        if tags is None:
            return []
        return tags if isinstance(tags, list) else [tags]

    def tag(self, *names: str) -> None:
        """Add tags that are not already there (Logstash's `add_tag` semantics)."""
        for name in names:
            _add_tag(self._data, name)

    def untag(self, *names: str) -> None:
        tags = _tags_of(self._data)
        if tags is None:
            return
        if not isinstance(tags, list):
            tags = [tags]
        remaining = [t for t in tags if t not in names]
        self._data["tags"] = remaining

    # -- whole event ----------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        """The `@metadata` hash: travels with the event, never serialized."""
        return self._meta

    def to_dict(self) -> dict[str, Any]:
        """The event's fields without `@metadata`, every value decoded. The live dict, not a copy."""
        if self._lazy:
            data = self._data
            for key, value in data.items():
                decoded = decode_lazy(value)
                if decoded is not value:
                    data[key] = decoded
            self._lazy = False
        return self._data

    def raw_fields(self) -> dict[str, Any]:
        """The fields as held: top-level values a filter never read may still be undecoded JSON
        (for sinks that write them back as they came; everyone else wants `to_dict`)."""
        return self._data

    @classmethod
    def from_lazy(cls, data: dict[str, Any]) -> "Event":
        """An event whose top-level values may be undecoded JSON, decoded when first read."""
        ts = data.get(TIMESTAMP)
        if (ts.__class__ is datetime or ts.__class__ is NanoTimestamp) and METADATA not in data:
            # What the codec hands over for nearly every event: nothing to parse or lift out,
            # so the checks of __init__ are skipped (a third of the decode time, measured).
            if "@version" not in data:
                data["@version"] = "1"
            event = _new_object(cls)
            event._data = data
            event._meta = {}
            event.cancelled = event.halted = False
            event._lazy = True
            return event
        if ts is not None and type(ts) is not datetime:
            data[TIMESTAMP] = decode_lazy(ts)
        if METADATA in data:
            data[METADATA] = decode_lazy(data[METADATA])
        event = cls(data)
        event._lazy = True
        return event

    def cancel(self) -> None:
        """Drop the event: the pipeline stops processing it and does not emit it."""
        self.cancelled = True
        self.halted = True



def _tags_of(data: dict) -> Any:
    """The `tags` value, decoded in place if it was still undecoded JSON."""
    tags = data.get("tags")
    decoded = decode_lazy(tags)
    if decoded is not tags:
        data["tags"] = decoded
    return decoded


def _add_tag(data: dict, name: str) -> None:
    tags = _tags_of(data)
    if tags is None:
        data["tags"] = [name]
    elif isinstance(tags, list):
        if name not in tags:
            tags.append(name)
    elif tags != name:
        data["tags"] = [tags, name]
