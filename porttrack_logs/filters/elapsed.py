"""The `elapsed` filter: the time between a start event and its end event, matched by an id field.

A start event (tagged `start_tag`) is remembered by the value of `unique_id_field` (the first
one, or with `keep_start_event => "last"` the latest); the end event (tagged `end_tag`) with the
same id gets `elapsed_time` (seconds between the two `@timestamp`s, a float),
`elapsed_timestamp_start` and the tags `elapsed` and `elapsed_match`; or, with
`new_event_on_match`, a new "match event" carrying them is made and runs the rest of the filters
after the end event. An end event without a remembered start is tagged
`elapsed_end_without_start`. An event without the id field is left alone.

Start events that wait too long expire as Logstash's do: every periodic flush (Logstash calls it
every 5 seconds; `Pipeline.flush`, which the runtime calls as often) ages each waiting start by 5
seconds, and one whose age reached `timeout` is dropped and reported by an "expired event"
(tags `elapsed`, `elapsed_expired_error`; `elapsed_time` its age, `elapsed_timestamp_start`, the
id). New events carry `host` (this machine's name), as Logstash's. The common options apply to
start, end, match and expired events, as Logstash's `filter_matched` does.

The state is one dict behind a lock, so pipelines on several worker threads may share the filter.
"""

from __future__ import annotations

import socket
import threading
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict

from ..event import Event, field_ref, parse_field_ref
from .base import FilterOptions, Path
from .clone import SpawningFilter

__all__ = ["ElapsedFilter", "FLUSH_SECONDS"]

FLUSH_SECONDS = 5  #: the age a periodic flush adds to every waiting start (`Pipeline.FLUSH_SECONDS`, Logstash's 5 s)

ELAPSED_TAG = "elapsed"
MATCH_TAG = "elapsed_match"
END_WITHOUT_START_TAG = "elapsed_end_without_start"
EXPIRED_TAG = "elapsed_expired_error"
TIME_FIELD = "elapsed_time"
START_FIELD = "elapsed_timestamp_start"


class ElapsedOptions(FilterOptions):
    """elapsed's options, as Logstash names them (start_tag, end_tag, unique_id_field required)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    start_tag: str
    end_tag: str
    unique_id_field: str
    timeout: float = 1800
    new_event_on_match: bool = False
    keep_start_event: Literal["first", "last"] = "first"


class _Waiting:
    """A start event waiting for its end: its `@timestamp` and its age in seconds (5 a flush)."""

    __slots__ = ("start", "age")

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.age = 0


class ElapsedFilter(SpawningFilter):
    """Logstash's `elapsed`."""

    name = "elapsed"
    Options = ElapsedOptions
    flushes: ClassVar[bool] = True  #: `Pipeline.flush` calls `flush()` (expired start events)
    __slots__ = ("_start_tag", "_end_tag", "_id", "_timeout", "_new_event", "_keep_last", "_waiting", "_lock", "_host")

    def _compile(self, options: ElapsedOptions) -> None:
        self._start_tag = options.start_tag
        self._end_tag = options.end_tag
        self._id = field_ref(options.unique_id_field)
        self._timeout = options.timeout
        self._new_event = options.new_event_on_match
        self._keep_last = options.keep_start_event == "last"
        self._waiting: dict[Any, _Waiting] = {}
        self._lock = threading.Lock()
        self._host = socket.gethostname()

    def _writes(self) -> set[Path]:
        return {("tags",), (TIME_FIELD,), (START_FIELD,), ("host",), parse_field_ref(self._id.text, lenient=True)}

    @property
    def waiting(self) -> int:
        """How many start events wait for their end."""
        return len(self._waiting)

    def spawn(self, event: Event) -> list[Event]:
        unique_id = event.get(self._id)
        if unique_id is None:
            return []
        tags = event.tags
        key = _key(unique_id)
        if self._start_tag in tags:
            if self._decorates:
                self.decorate(event)
            stamp = event.get("@timestamp")
            with self._lock:
                if self._keep_last or key not in self._waiting:
                    self._waiting[key] = _Waiting(stamp)
            return []
        if self._end_tag not in tags:
            return []
        if self._decorates:
            self.decorate(event)
        with self._lock:
            waiting = self._waiting.pop(key, None)
        if waiting is None:
            event.tag(END_WITHOUT_START_TAG)
            return []
        elapsed = (event.get("@timestamp") - waiting.start).total_seconds()
        if not self._new_event:
            self._add_info(event, elapsed, unique_id, waiting.start, MATCH_TAG)
            return []
        match = Event({"host": self._host})
        self._add_info(match, elapsed, unique_id, waiting.start, MATCH_TAG)
        if self._decorates:
            self.decorate(match)
        return [match]

    def flush(self) -> list[Event]:
        """One periodic flush: every waiting start ages by `FLUSH_SECONDS`; those past `timeout`
        are dropped, each reported by a new expired event (in the order they arrived)."""
        with self._lock:
            expired = []
            for key, waiting in self._waiting.items():
                waiting.age += FLUSH_SECONDS
                if waiting.age >= self._timeout:
                    expired.append((key, waiting))
            for key, _ in expired:
                del self._waiting[key]
        out = []
        for key, waiting in expired:
            event = Event({"host": self._host})
            event.tag(ELAPSED_TAG, EXPIRED_TAG)
            event.set(self._id, _value(key))
            event.set(TIME_FIELD, waiting.age)
            event.set(START_FIELD, waiting.start)
            if self._decorates:
                self.decorate(event)
            out.append(event)
        return out

    def _add_info(self, event: Event, elapsed: float, unique_id: Any, start: datetime, tag: str) -> None:
        event.tag(ELAPSED_TAG, tag)
        event.set(TIME_FIELD, elapsed)
        event.set(self._id, unique_id)
        event.set(START_FIELD, start)


class _Unhashable:
    """An id value that is a hash or an array, keyed by its repr (Ruby hashes them by value)."""

    __slots__ = ("value", "_text")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._text = repr(value)

    def __hash__(self) -> int:
        return hash(self._text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unhashable) and other._text == self._text


def _key(value: Any) -> Any:
    """A dict key for an id value; numbers of equal value but other types stay apart (Ruby's eql?)."""
    if isinstance(value, (dict, list)):
        return _Unhashable(value)
    return (value.__class__, value)


def _value(key: Any) -> Any:
    return key.value if isinstance(key, _Unhashable) else key[1]
