"""Attribute values as plain Python, the way Logstash hands them to a plugin."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ._tree import Array, Bareword, Hash, Number, Plugin, String

__all__ = ["to_python", "plugin_options", "merge_hashes"]


def to_python(value: object) -> Any:
    """A value node as str, int, float, list or dict; barewords stay strings (`true` is "true").

    Logstash does the same: the plugin's option types turn "true" into a boolean later. A plugin
    given as a value (a codec with options) becomes `{name: {options}}`.
    """
    if isinstance(value, (String, Bareword, Number)):
        return value.value
    if isinstance(value, Array):
        return [to_python(v) for v in value.items]
    if isinstance(value, Hash):
        return {to_python(e.key): to_python(e.value) for e in value.entries}
    if isinstance(value, Plugin):
        return {value.name: plugin_options(value)}
    raise ConfigError(f"not a value node: {type(value).__name__}")


def plugin_options(plugin: Plugin) -> dict[str, Any]:
    """The plugin's options as a dict; an option given twice is combined as Logstash does.

    Two hashes merge (a key present in both collects its values in a list), a list is extended
    by the later value, two different scalars become a list of both, the same scalar stays one.
    """
    options: dict[str, Any] = {}
    for attr in plugin.attributes:
        value = to_python(attr.value)
        if attr.name not in options:
            options[attr.name] = value
            continue
        existing = options[attr.name]
        if isinstance(existing, dict):
            if not isinstance(value, dict):
                raise ConfigError(
                    f"option '{attr.name}' of plugin '{plugin.name}' is given first as a hash, then as "
                    f"{type(value).__name__}; give every occurrence as a hash",
                    position=attr.position,
                    option=attr.name,
                )
            options[attr.name] = merge_hashes(existing, value)
        elif isinstance(existing, list):
            existing.extend(value if isinstance(value, list) else [value])
        elif existing != value:
            options[attr.name] = [existing, value]
    return options


def merge_hashes(dst: dict[str, Any], src: dict[str, Any]) -> dict[str, Any]:
    """Merge `src` into `dst` as Logstash merges repeated hash options: duplicate keys become lists."""
    for key, svalue in src.items():
        if key not in dst:
            dst[key] = svalue
            continue
        dvalue = dst[key]
        if isinstance(dvalue, dict) and isinstance(svalue, dict):
            dvalue = merge_hashes(dvalue, svalue)
        elif isinstance(svalue, list):
            dvalue = _union(dvalue if isinstance(dvalue, list) else [dvalue], svalue)
        elif isinstance(dvalue, list):
            if svalue not in dvalue:
                dvalue.append(svalue)
        elif dvalue != svalue:
            dvalue = [dvalue, svalue]
        dst[key] = dvalue
    return dst


def _union(first: list[Any], second: list[Any]) -> list[Any]:
    """Ruby's `a | b`: the items of both, in order, each once."""
    out: list[Any] = []
    for item in (*first, *second):
        if item not in out:
            out.append(item)
    return out
