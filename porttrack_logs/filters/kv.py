"""The `kv` filter: `a=1 b="two words" c=[x]` into fields, with one scanning regex compiled at start.

Keys and values are cut as Logstash's kv does: values may be quoted or bracketed, the value
splitter may be padded by spaces (`whitespace => lenient`), repeated keys collect into arrays.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Literal

from pydantic import ConfigDict, field_validator

from ..errors import ConfigError, EventError
from ..event import Event, Template, field_ref, parse_field_ref
from .base import ANY_FIELD, Filter, FilterOptions, Path, StrList, StrMap

from ..grok import PCRE_LIMIT_ERRORS as _PCRE_LIMIT_ERRORS
from ..grok import pcre_limit_for

try:
    import pcre as _pcre
except ImportError:  # pragma: no cover - pypcre is a declared dependency
    _pcre = None

__all__ = ["KvFilter"]

Transform = Literal["lowercase", "uppercase", "capitalize"]
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "lowercase": str.lower,
    "uppercase": str.upper,
    "capitalize": str.capitalize,
}


class KvOptions(FilterOptions):
    """kv's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str = "message"
    target: str | None = None
    field_split: str = " "
    value_split: str = "="
    field_split_pattern: str | None = None
    value_split_pattern: str | None = None
    include_keys: StrList = []
    exclude_keys: StrList = []
    prefix: str = ""
    trim_key: str | None = None
    trim_value: str | None = None
    remove_char_key: str | None = None
    remove_char_value: str | None = None
    transform_key: Transform | None = None
    transform_value: Transform | None = None
    allow_duplicate_values: bool = True
    allow_empty_values: bool = False
    default_keys: StrMap = {}
    recursive: bool = False
    whitespace: Literal["strict", "lenient"] = "lenient"
    include_brackets: bool = True
    tag_on_failure: StrList = ["_kv_filter_error"]
    timeout_millis: int = 30_000
    tag_on_timeout: str = "_kv_filter_timeout"
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None  # accepted; only Logstash's warning differs

    @field_validator("value_split", "field_split_pattern", "value_split_pattern")
    @classmethod
    def _not_empty(cls, value: str | None) -> str | None:
        if value is not None and value == "":
            raise ValueError("must be a non-empty string")
        return value


def _regex(text: str, option: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ConfigError(f"kv: bad regular expression {text!r} in {option}: {exc}", option=option) from None
    return text


def _until_class(charclass: str) -> str:
    return rf"((?:\\.|[^{charclass}])+)"


def _until_pattern(pattern: str) -> str:
    return rf"((?:\\.|(?!{pattern}).)+)"


def _quoted(open_: str, close: str) -> str:
    return re.escape(open_) + "(?:" + _until_class(re.escape(close)) + ")?" + re.escape(close)


def _class_body(chars: str) -> str:
    """Characters for a regex class, as Logstash pastes them (only `\\`, `]` and `^` need care here)."""
    return chars.replace("\\", "\\\\").replace("]", "\\]").replace("[", "\\[") if "\\" not in chars else chars


def build_scan_regex(options: KvOptions) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The regex that finds each key and value, and the one that says a text has any pair at all."""
    field_split = _class_body(options.field_split)
    value_split = _class_body(options.value_split)
    field_pattern = _regex(options.field_split_pattern or f"[{field_split}]", "field_split_pattern")
    value_pattern = _regex(options.value_split_pattern or f"[{value_split}]", "value_split_pattern")
    if options.whitespace == "lenient":
        value_pattern = f" *(?:{value_pattern}) *"
    if options.value_split_pattern or options.field_split_pattern:
        key = _until_pattern(f"(?:{value_pattern})|(?:{field_pattern})")
    else:
        key = _until_class(value_split + field_split)
    values = [_quoted('"', '"'), _quoted("'", "'")]
    if options.include_brackets:
        values += [_quoted("(", ")"), _quoted("[", "]"), _quoted("<", ">")]
    values.append(_until_pattern(field_pattern) if options.field_split_pattern else _until_class(field_split))
    value = "(?:" + "|".join(values) + ")"
    scan = f"{key}(?:{value_pattern}){value}?(?:(?:{field_pattern})|$)"
    try:
        return re.compile(scan, re.MULTILINE), re.compile(value_pattern, re.MULTILINE)
    except re.error as exc:
        raise ConfigError(f"kv: the splitters make an invalid regex: {exc}", option="field_split") from None


def _stripper(chars: str | None) -> re.Pattern[str] | None:
    if chars is None:
        return None
    return re.compile(f"^[{chars}]+|[{chars}]+$", re.MULTILINE)


def _remover(chars: str | None) -> re.Pattern[str] | None:
    return None if chars is None else re.compile(f"[{chars}]")


class _Timeout(Exception):
    """A scan ran past `timeout_millis` (PCRE2's match limit or the clock, or the alarm for `re`)."""


def _bounded(scan: re.Pattern[str], has_split: re.Pattern[str], budget_ms: float) -> tuple[Any, Any] | None:
    """(scan's finditer, has_split's search) compiled by PCRE2 with a match limit standing for the
    time budget (as grok's are), so a scan is bounded in any thread; None when PCRE2 cannot take
    them. Without its start-of-match optimisations PCRE2 backtracks where Logstash's engine does,
    so a pathological splitter times out as Logstash's does rather than being skipped over."""
    if _pcre is None or budget_ms <= 0:
        return None
    prefix = f"(*LIMIT_MATCH={pcre_limit_for(budget_ms)})(*NO_START_OPT)"
    try:
        return (
            _pcre.compile(prefix + scan.pattern, _pcre.MULTILINE).finditer,
            _pcre.compile(prefix + has_split.pattern, _pcre.MULTILINE).search,
        )
    except Exception:  # noqa: BLE001 - a construct PCRE2 reads otherwise: `re` under the alarm instead
        return None


def _on_alarm(signum: int, frame: object) -> None:
    raise _Timeout


class KvFilter(Filter):
    """Logstash's `kv`."""

    name = "kv"
    Options = KvOptions
    __slots__ = (
        "_source", "_target", "_scan", "_has_split", "_include", "_exclude", "_prefix",
        "_trim_key", "_trim_value", "_remove_key", "_remove_value", "_key_case", "_value_case",
        "_unique", "_defaults", "_recursive", "_failure_tags", "_keys", "_empty", "_budget_s", "_timeout_tag",
        "_pcre",
    )

    def _compile(self, options: KvOptions) -> None:
        self._source = field_ref(options.source)
        self._target = field_ref(options.target) if options.target else None
        self._scan, self._has_split = build_scan_regex(options)
        try:
            self._trim_key = _stripper(options.trim_key)
            self._trim_value = _stripper(options.trim_value)
            self._remove_key = _remover(options.remove_char_key)
            self._remove_value = _remover(options.remove_char_value)
        except re.error as exc:
            raise ConfigError(f"kv: bad character set in trim/remove option: {exc}", option="trim_key") from None
        self._include = tuple(Template(k) for k in options.include_keys)
        self._exclude = tuple(Template(k) for k in options.exclude_keys)
        constant = all(t.constant for t in self._include + self._exclude)
        self._keys = (
            (frozenset(t.text for t in self._include), frozenset(t.text for t in self._exclude)) if constant else None
        )
        self._prefix = Template(options.prefix)
        self._key_case = _TRANSFORMS.get(options.transform_key or "")
        self._value_case = _TRANSFORMS.get(options.transform_value or "")
        self._unique = not options.allow_duplicate_values
        self._defaults = dict(options.default_keys)
        self._recursive = options.recursive
        self._failure_tags = tuple(options.tag_on_failure)
        self._empty = options.allow_empty_values
        self._budget_s = max(0, options.timeout_millis) / 1000.0
        self._timeout_tag = options.tag_on_timeout
        #: (scan finditer, has-split search) on PCRE2 when a budget applies: bounded in any thread
        self._pcre = _bounded(self._scan, self._has_split, self._budget_s * 1000.0)

    def _writes(self) -> set[Path]:
        target = self.options.target
        return {parse_field_ref(target, lenient=True) if target else ANY_FIELD, ("tags",)}

    def apply(self, event: Event) -> bool:
        """Logstash's kv, bounded by `timeout_millis`: a scan past it tags `tag_on_timeout` (no
        field is written, common options do not apply) and the next event goes on. The bound
        holds in any thread: PCRE2 stops a backtracking search at its match limit and the clock is
        read between pairs. Only splitters PCRE2 cannot compile run on `re`, bounded by a timer
        signal on the main thread and unbounded elsewhere."""
        if self._pcre is not None:
            try:
                return self._apply(event, time.monotonic() + self._budget_s)
            except _Timeout:
                event.tag(self._timeout_tag)
                return False
        if self._budget_s <= 0 or threading.current_thread() is not threading.main_thread():
            return self._apply(event)
        if signal.getsignal(signal.SIGALRM) is _on_alarm:  # installed for the batch (`process`)
            return self._timed(event)
        previous = signal.signal(signal.SIGALRM, _on_alarm)  # about 10 us: once per batch when possible
        try:
            return self._timed(event)
        finally:
            signal.signal(signal.SIGALRM, previous)

    def _timed(self, event: Event) -> bool:
        """`_apply` under the interval timer (its SIGALRM handler installed): a timeout tags the event."""
        try:
            signal.setitimer(signal.ITIMER_REAL, self._budget_s)
            try:
                return self._apply(event)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            event.tag(self._timeout_tag)
            return False

    def process(self, events: Iterable[Event]) -> list[Event]:
        """A batch; on `re`, with the timeout's signal handler installed once for all its events."""
        if self._pcre is not None or self._budget_s <= 0 or threading.current_thread() is not threading.main_thread():
            return super().process(events)
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        try:
            return super().process(events)
        finally:
            signal.signal(signal.SIGALRM, previous)

    def _apply(self, event: Event, deadline: float | None = None) -> bool:
        """The work; with a `deadline` (PCRE2's bounded path) a scan past it raises `_Timeout`."""
        value = event.get(self._source)
        found: dict[str, Any] = {}
        try:
            if isinstance(value, str):
                self._parse(value, event, found, deadline)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        self._parse(item, event, found, deadline)
            pairs = {**self._defaults, **found} if self._defaults else found
            if not pairs:
                return False
            if self._target is not None:
                event.set(self._target, pairs)
            else:
                for key, item in pairs.items():
                    event.set(field_ref(key), item)
        except (EventError, ValueError, TypeError):  # e.g. a key that is no valid field reference
            event.tag(*self._failure_tags)
            return False
        return True

    def _pairs(self, text: str, deadline: float | None) -> Iterator[tuple[str | None, ...]] | None:
        """The groups of each key/value match in `text`, or None when it holds no value splitter."""
        if deadline is None:
            if not self._has_split.search(text):
                return None
            return (m.groups() for m in self._scan.finditer(text))
        scan, has_split = self._pcre
        try:
            if has_split(text) is None:
                return None
        except _PCRE_LIMIT_ERRORS:
            raise _Timeout from None
        return self._bounded_pairs(scan, text, deadline)

    @staticmethod
    def _bounded_pairs(finditer: Callable[..., Any], text: str, deadline: float) -> Iterator[tuple[str | None, ...]]:
        """PCRE2's `finditer`, each search stopped by its match limit, the clock read between them."""
        matches = finditer(text)
        while True:
            try:
                m = next(matches, None)
            except _PCRE_LIMIT_ERRORS:
                raise _Timeout from None
            if m is None:
                return
            yield m.groups()
            if time.monotonic() > deadline:
                raise _Timeout

    def _parse(self, text: str, event: Event, found: dict[str, Any], deadline: float | None = None) -> dict[str, Any]:
        pairs = self._pairs(text, deadline)
        if pairs is None:
            return found
        include, exclude = self._keys if self._keys is not None else (
            {t.render(event) for t in self._include},
            {t.render(event) for t in self._exclude},
        )
        prefix = self._prefix.render(event)
        for groups in pairs:
            key = groups[0]
            value = next((v for v in groups[1:] if v is not None), None)
            if not value:
                if not self._empty:
                    continue
                value = ""
            if self._trim_key is not None:
                key = self._trim_key.sub("", key)
            if self._remove_key is not None:
                key = self._remove_key.sub("", key)
            if self._key_case is not None:
                key = self._key_case(key)
            if include and key not in include:
                continue
            if key in exclude:
                continue
            key = prefix + key
            if self._trim_value is not None:
                value = self._trim_value.sub("", value)
            if self._remove_value is not None:
                value = self._remove_value.sub("", value)
            if self._value_case is not None:
                value = self._value_case(value)
            if self._unique and key in found and value in found[key]:
                continue  # (on a text value Logstash's test is "contains", kept as is)
            item: Any = value
            if self._recursive:
                inner = self._parse(value, event, {}, deadline)
                if inner:
                    item = inner
            if key in found:
                prior = found[key]
                if isinstance(prior, list):
                    prior.append(item)
                else:
                    found[key] = [prior, item]
            else:
                found[key] = item
        return found
