"""Attribute values as plain Python, the way Logstash hands them to a plugin."""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

from ..errors import ConfigError
from ._tree import Array, Bareword, Hash, Number, Plugin, String

__all__ = ["to_python", "plugin_options", "merge_hashes", "substitute_variables"]

# `${NAME}` or `${NAME:default}` in an option value, replaced from the environment at start-up.
_VARIABLE = re.compile(r"\$\{(\w+)(?::([^}]*))?\}")


def substitute_variables(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """Replace `${NAME}` / `${NAME:default}` in every string of an option value (lists and hash
    values too), as Logstash does at start-up. An undefined name without a default is an error."""
    env = os.environ if environ is None else environ
    if isinstance(value, str):
        if "${" not in value:
            return value

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(
                f"${{{name}}} is not set in the environment and has no default; set {name} or write "
                f"${{{name}:default}}"
            )

        return _VARIABLE.sub(replace, value)
    if isinstance(value, list):
        return [substitute_variables(v, env) for v in value]
    if isinstance(value, dict):
        return {k: substitute_variables(v, env) for k, v in value.items()}
    return value


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
        return {value.name: _combined_options(value, substitute=False)}
    raise ConfigError(f"not a value node: {type(value).__name__}")


def plugin_options(plugin: Plugin, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The plugin's options as a dict, `${VAR}` references replaced from the environment (`environ`,
    default `os.environ`); an option given twice is combined as Logstash does.

    Two hashes merge (a key present in both collects its values in a list), a list is extended
    by the later value, two different scalars become a list of both, the same scalar stays one.
    """
    return _combined_options(plugin, substitute=True, environ=environ)


def _combined_options(plugin: Plugin, *, substitute: bool, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for attr in plugin.attributes:
        try:
            value = to_python(attr.value)
            if substitute:
                value = substitute_variables(value, environ)
        except ConfigError as exc:
            raise ConfigError(
                f"option '{attr.name}' of plugin '{plugin.name}': {exc.message}", position=attr.position, option=attr.name
            ) from None
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
