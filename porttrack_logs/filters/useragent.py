"""The `useragent` filter: a browser's user-agent string into name, version, OS and device.

Parsed by `ua-parser` with its bundled rules (`ua-parser-builtins`); the fields made from a
string are kept in an LRU cache of `lru_cache_size` strings, as Logstash keeps its parses. With ECS disabled the fields are flat (`name`,
`major`, `os_name`, ...) under `target` (default: the event's root) with `prefix`; with ECS v1/v8
they go to `[user_agent][...]` (or `target`), the version parts to `[@metadata][filter][user_agent]`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Literal

from pydantic import ConfigDict, field_validator
from ua_parser import BasicResolver, CachingResolver, Domain, load_builtins
from ua_parser.caching import Lru

from ..event import Event, field_ref, parse_field_ref
from .base import ANY_FIELD, Filter, FilterOptions, Path

__all__ = ["UseragentFilter", "make_resolver"]

Ecs = Literal["disabled", "v1", "v8"]
_MATCHERS = None


def make_resolver(cache_size: int | None = None) -> Any:
    """ua-parser's resolver on its bundled rules (loaded once), behind its LRU cache when sized."""
    global _MATCHERS
    if _MATCHERS is None:
        _MATCHERS = load_builtins()
    resolver = BasicResolver(_MATCHERS)
    return CachingResolver(resolver, Lru(cache_size)) if cache_size else resolver


class UseragentOptions(FilterOptions):
    """useragent's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str
    target: str | None = None
    prefix: str = ""
    lru_cache_size: int = 100_000
    regexes: str | None = None
    ecs_compatibility: Ecs = "v8"

    @field_validator("lru_cache_size")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("regexes")
    @classmethod
    def _no_regexes(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError("a Logstash option porttrack-logs does not implement: the rules bundled with "
                             "ua-parser (ua-parser-builtins) are the ones used")
        return value


def _version(*parts: str | None) -> str | None:
    out = []
    for part in parts:
        if part is None:
            break
        out.append(part)
    return ".".join(out) or None


class UseragentFilter(Filter):
    """Logstash's `useragent`."""

    name = "useragent"
    Options = UseragentOptions
    __slots__ = ("_resolve", "_source", "_target", "_ecs", "_prefix", "_cache", "_cache_size")

    def _compile(self, options: UseragentOptions) -> None:
        self._resolve = make_resolver()
        self._cache: OrderedDict[str, tuple[dict, Any, tuple[str, ...]]] = OrderedDict()
        self._cache_size = options.lru_cache_size
        self._source = field_ref(options.source)
        self._ecs = options.ecs_compatibility != "disabled"
        target = options.target if options.target is not None else ("user_agent" if self._ecs else None)
        self._target = field_ref(target) if target else None
        self._prefix = options.prefix

    def _writes(self) -> set[Path]:
        if self._target is None:
            return {ANY_FIELD}
        return {parse_field_ref(self._target.text, lenient=True)}

    def parse(self, text: str) -> Any:
        """ua-parser's result for one string (cached), "Other" where no rule matched, as Logstash's."""
        return self._resolve(text, Domain.ALL).complete().with_defaults()

    def apply(self, event: Event) -> bool:
        source = self._source
        value = source.get(event._meta if source.metadata else event._data)
        if value.__class__ is not str:
            if not isinstance(value, list):
                return False
            value = value[0] if value else None
            if not isinstance(value, str):
                return False
        if not value:
            return False
        cache = self._cache
        made = cache.get(value)
        if made is None:
            made = cache[value] = self._fields(value)
            if len(cache) > self._cache_size:
                cache.popitem(last=False)  # the least recently used
        else:
            cache.move_to_end(value)
        fields, meta, nested = made
        if self._ecs:
            fresh = fields.copy()  # each event its own dicts: a later filter may change them
            for key in nested:
                fresh[key] = fresh[key].copy()
            node = event.get(self._target)
            if node.__class__ is dict:
                node.update(fresh)
            else:
                event.set(self._target, fresh)
            if meta is not None:
                root = event._meta
                holder = root.get("filter")
                if holder.__class__ is not dict:
                    holder = root["filter"] = {}
                version, os_version = meta
                made_meta = {}
                if version:
                    made_meta["version"] = version.copy()
                if os_version:
                    made_meta["os"] = {"version": os_version.copy()}
                holder["user_agent"] = made_meta
            return True
        target = self._target
        if target is None:
            for key, item in fields.items():
                event.set(field_ref(f"[{key}]"), item)
            return True
        node = event.get(target)
        if not isinstance(node, dict):
            node = {}
            event.set(target, node)
        node.update(fields)
        return True

    def _fields(self, text: str) -> tuple[dict, Any, tuple[str, ...]]:
        """The fields for one string in the configured layout, computed once: (fields, the
        metadata parts or None, the keys of the fields that hold a dict, copied per event)."""
        result = self.parse(text)
        ua, os_, device = result.user_agent, result.os, result.device
        if self._ecs:
            fields, meta = self._ecs_fields(text, ua, os_, device)
            return fields, meta, tuple(k for k, v in fields.items() if v.__class__ is dict)
        return self._legacy_fields(ua, os_, device), None, ()

    def _legacy_fields(self, ua: Any, os_: Any, device: Any) -> dict:
        fields: dict[str, Any] = {}
        if ua is not None:
            fields.update(name=ua.family, major=ua.major, minor=ua.minor, patch=ua.patch,
                          version=_version(ua.major, ua.minor, ua.patch))
        if os_ is not None:
            fields.update(os=os_.family, os_name=os_.family, os_major=os_.major, os_minor=os_.minor,
                          os_patch=os_.patch, os_version=_version(os_.major, os_.minor, os_.patch))
            version = _version(os_.major, os_.minor, os_.patch)
            fields["os_full"] = f"{os_.family} {version}" if version else os_.family
        if device is not None:
            fields["device"] = device.family
        prefix = self._prefix
        return {prefix + key: item for key, item in fields.items() if item is not None}

    def _ecs_fields(self, text: str, ua: Any, os_: Any, device: Any) -> tuple[dict, Any]:
        node: dict[str, Any] = {"original": text}
        version_parts: dict[str, str] = {}
        os_parts: dict[str, str] = {}
        if ua is not None:
            node["name"] = ua.family
            version = _version(ua.major, ua.minor, ua.patch)
            if version:
                node["version"] = version
            version_parts = {k: v for k, v in (("major", ua.major), ("minor", ua.minor), ("patch", ua.patch)) if v}
        if os_ is not None:
            version = _version(os_.major, os_.minor, os_.patch)
            os_node = {"name": os_.family, "full": f"{os_.family} {version}" if version else os_.family}
            if version:
                os_node["version"] = version
            node["os"] = os_node
            os_parts = {k: v for k, v in (("major", os_.major), ("minor", os_.minor), ("patch", os_.patch)) if v}
        if device is not None:
            node["device"] = {"name": device.family}
        return node, ((version_parts, os_parts) if version_parts or os_parts else None)
