"""The `prune` filter: keep or remove top-level fields by name patterns or by value patterns.

`whitelist_names` keeps only matching fields, `blacklist_names` removes matching ones (by
default the names that look like an unexpanded `%{...}`); `whitelist_values`/`blacklist_values`
do the same per field by its value (array elements one by one). With `interpolate` the
patterns are sprintf templates, rendered per event.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ConfigDict

from ..errors import ConfigError
from ..event import Event, Template
from .base import Filter, FilterOptions, Path, StrList, StrMap

__all__ = ["PruneFilter"]


class PruneOptions(FilterOptions):
    """prune's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    interpolate: bool = False
    whitelist_names: StrList = []
    blacklist_names: StrList = ["%\\{[^}]+\\}"]
    whitelist_values: StrMap = {}
    blacklist_values: StrMap = {}


def _compile_all(patterns: list[str], option: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in patterns)
    except re.error as exc:
        raise ConfigError(f"prune: bad regular expression in {option}: {exc}", option=option) from None


def _values(mapping: dict[str, Any], option: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for key, value in mapping.items():
        patterns = value if isinstance(value, list) else [value]
        _compile_all([str(p) for p in patterns], option)
        out[key] = tuple(str(p) for p in patterns)
    return out


class PruneFilter(Filter):
    """Logstash's `prune`."""

    name = "prune"
    Options = PruneOptions
    __slots__ = ("_interpolate", "_wn", "_bn", "_wv", "_bv")

    def _compile(self, options: PruneOptions) -> None:
        self._interpolate = options.interpolate
        _compile_all(options.whitelist_names, "whitelist_names")
        _compile_all(options.blacklist_names, "blacklist_names")
        self._wn = tuple(options.whitelist_names)
        self._bn = tuple(options.blacklist_names)
        self._wv = _values(options.whitelist_values, "whitelist_values")
        self._bv = _values(options.blacklist_values, "blacklist_values")

    def _writes(self) -> set[Path]:
        return set()

    def _regexes(self, patterns: tuple[str, ...], event: Event) -> list[re.Pattern[str]]:
        if self._interpolate:
            return [re.compile(Template(p).render(event)) for p in patterns]
        return [re.compile(p) for p in patterns]  # re caches compiled patterns

    def apply(self, event: Event) -> bool:
        data = event.to_dict()
        if self._wn:
            keep = self._regexes(self._wn, event)
            for name in list(data):
                if not any(r.search(name) for r in keep):
                    del data[name]
        if self._bn:
            drop = self._regexes(self._bn, event)
            for name in list(data):
                if any(r.search(name) for r in drop):
                    del data[name]
        for field, patterns in self._wv.items():
            self._by_value(data, field, self._regexes(patterns, event), keep=True)
        for field, patterns in self._bv.items():
            self._by_value(data, field, self._regexes(patterns, event), keep=False)
        return True

    @staticmethod
    def _by_value(data: dict, field: str, regexes: list[re.Pattern[str]], keep: bool) -> None:
        if field not in data:
            return
        value = data[field]
        if isinstance(value, list):
            kept = [v for v in value if any(r.search(str(v)) for r in regexes) == keep]
            if kept:
                data[field] = kept
            else:
                del data[field]
        elif any(r.search(str(value)) for r in regexes) != keep:
            del data[field]
