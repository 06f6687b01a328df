"""Logstash field references (`message`, `[log][level]`, `[tags][0]`), parsed once into paths."""

from __future__ import annotations

import re
from typing import Any, Callable

from ..errors import EventError

__all__ = ["FieldRef", "parse_field_ref", "METADATA", "MISSING", "register_lazy", "decode_lazy"]

METADATA = "@metadata"
_TOKEN = re.compile(r"\[([^\[\]]+)\]")
_SEGMENT = re.compile(r"[^\[\]]+")
_MISSING = object()
MISSING = _MISSING  #: what `FieldRef.resolve` returns for an absent field


class _NeverLazy:
    """Stands for "no lazy value type registered": nothing is ever of this type."""


# Undecoded JSON values (a source may leave a top-level value as raw bytes until a filter reads
# it, and a sink writes it back untouched). Registered by that source; stdlib stays the rule here.
_LAZY_TYPE: type = _NeverLazy
_LAZY_DECODE: Callable[[Any], Any] = lambda value: value  # noqa: E731


def register_lazy(kind: type, decode: Callable[[Any], Any]) -> None:
    """Declare a type of undecoded value and how to decode it; field access decodes on first use."""
    global _LAZY_TYPE, _LAZY_DECODE
    _LAZY_TYPE, _LAZY_DECODE = kind, decode


def decode_lazy(value: Any) -> Any:
    """The decoded value when `value` is an undecoded one, else `value` itself."""
    return _LAZY_DECODE(value) if type(value) is _LAZY_TYPE else value


def parse_field_ref(text: str, *, lenient: bool = False) -> tuple[str, ...]:
    """Split a field reference into its path: `[a][b]` -> ('a', 'b'); a bare `a.b` stays one key.
    `lenient` reads any text, as Logstash reads a grok capture's name: `a[b]` -> ('a', 'b')."""
    if lenient:
        return tuple(_SEGMENT.findall(text)) or (text,) if "[" in text or "]" in text else (text,)
    if not text:
        raise EventError("an empty field reference names nothing", field=repr(text))
    if text[0] != "[":
        if "[" in text or "]" in text:
            raise EventError(
                "brackets inside a bare name; write it as [outer][inner]", field=text
            )
        return (text,)
    parts: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() != pos:
            break
        parts.append(match.group(1))
        pos = match.end()
    if pos != len(text) or not parts:
        raise EventError(
            f"malformed field reference at character {pos + 1}; expected [name][name]...",
            field=text,
        )
    return tuple(parts)


def _index(container: list, key: str) -> int | None:
    try:
        i = int(key)
    except ValueError:
        return None
    if -len(container) <= i < len(container):
        return i
    return None


def _generic_resolve(path: tuple[str, ...]) -> Callable[[dict], Any]:
    def resolve(root: dict) -> Any:
        node: Any = root
        for key in path:
            if isinstance(node, dict):
                parent, node = node, node.get(key, _MISSING)
                if node is _MISSING:
                    return _MISSING
                if type(node) is _LAZY_TYPE:
                    node = parent[key] = _LAZY_DECODE(node)
            elif isinstance(node, list):
                i = _index(node, key)
                if i is None:
                    return _MISSING
                node = node[i]
            else:
                return _MISSING
        return node

    return resolve


def _make_resolve(path: tuple[str, ...]) -> Callable[[dict], Any]:
    """A reader specialised to the path's depth: plain dict gets on the common path."""
    if not path:
        return lambda root: root
    slow = _generic_resolve(path)
    if len(path) == 1:
        key = path[0]

        def resolve1(root: dict) -> Any:
            value = root.get(key, _MISSING)
            if type(value) is _LAZY_TYPE:
                value = root[key] = _LAZY_DECODE(value)
            return value

        return resolve1
    if len(path) == 2:
        k0, k1 = path

        def resolve2(root: dict) -> Any:
            node = root.get(k0, _MISSING)
            if type(node) is dict:
                return node.get(k1, _MISSING)
            return _MISSING if node is _MISSING else slow(root)

        return resolve2
    return slow


def _make_get(path: tuple[str, ...], resolve: Callable[[dict], Any]) -> Callable[..., Any]:
    """A reader returning `default` for an absent field, specialised to the path's depth."""
    if len(path) == 1:
        key = path[0]

        def get1(root: dict, default: Any = None) -> Any:
            value = root.get(key, _MISSING)
            if value is _MISSING:
                return default
            if type(value) is _LAZY_TYPE:
                value = root[key] = _LAZY_DECODE(value)
            return value

        return get1

    def get(root: dict, default: Any = None) -> Any:
        value = resolve(root)
        return default if value is _MISSING else value

    return get


def _make_set(path: tuple[str, ...], general: Callable[[dict, Any], None]) -> Callable[[dict, Any], None]:
    """A writer specialised to the path's depth; the general one for everything unusual."""
    if len(path) == 1:
        key = path[0]

        def set1(root: dict, value: Any) -> None:
            root[key] = value

        return set1
    if len(path) == 2:
        k0, k1 = path

        def set2(root: dict, value: Any) -> None:
            node = root.get(k0)
            if type(node) is dict:
                node[k1] = value
            else:
                general(root, value)

        return set2
    return general


class FieldRef:
    """A parsed field reference; reads and writes an event's data without re-parsing.

    `resolve(root)` returns the value or the module's `_MISSING` sentinel; it is a function
    specialised once for the reference's depth, so the hot path is one or two dict lookups.
    """

    __slots__ = ("text", "path", "metadata", "resolve", "get", "set", "_parents", "_leaf")

    def __init__(self, text: str) -> None:
        path = parse_field_ref(text)
        self.text = text
        self.metadata = path[0] == METADATA
        if self.metadata:
            path = path[1:]
        self.path = path
        self._parents = path[:-1]
        self._leaf = path[-1] if path else None
        self.resolve = _make_resolve(path)
        #: get(root, default=None): the value, or `default` when absent; set(root, value)
        self.get, self.set = _make_get(path, self.resolve), _make_set(path, self._set)

    def __repr__(self) -> str:
        return f"FieldRef({self.text!r})"

    def _parent(self, root: dict, create: bool) -> Any:
        node: Any = root
        for key in self._parents:
            if isinstance(node, dict):
                child = node.get(key, _MISSING)
                if child is _MISSING or child is None:
                    if not create:
                        return _MISSING
                    child = node[key] = {}
                elif type(child) is _LAZY_TYPE:
                    child = node[key] = _LAZY_DECODE(child)
                node = child
            elif isinstance(node, list):
                i = _index(node, key)
                if i is None:
                    if not create:
                        return _MISSING
                    raise EventError(f"cannot index a list with {key!r}", field=self.text)
                node = node[i]
            else:
                if not create:
                    return _MISSING
                raise EventError(
                    f"cannot set a nested field under a {type(node).__name__} value",
                    field=self.text,
                )
        return node

    def _set(self, root: dict, value: Any) -> None:
        if self._leaf is None:
            if not isinstance(value, dict):
                raise EventError("the root of an event can only be set to a hash", field=self.text)
            root.clear()
            root.update(value)
            return
        parents = self._parents
        if not parents:
            root[self._leaf] = value
            return
        if len(parents) == 1:
            node = root.get(parents[0])
            if type(node) is dict:
                node[self._leaf] = value
                return
        parent = self._parent(root, create=True)
        if isinstance(parent, dict):
            parent[self._leaf] = value
        elif isinstance(parent, list):
            i = _index(parent, self._leaf)
            if i is None:
                try:
                    i = int(self._leaf)
                except ValueError:
                    raise EventError(f"cannot index a list with {self._leaf!r}", field=self.text) from None
                if i == len(parent):
                    parent.append(value)
                    return
                raise EventError(f"list index {i} is out of range", field=self.text)
            parent[i] = value
        else:
            raise EventError(
                f"cannot set a nested field under a {type(parent).__name__} value", field=self.text
            )

    def remove(self, root: dict) -> Any:
        """Remove the field and return its value (None when it was absent)."""
        if self._leaf is None:
            old = dict(root)
            root.clear()
            return old
        parent = self._parent(root, create=False)
        if isinstance(parent, dict):
            return decode_lazy(parent.pop(self._leaf, None))
        if isinstance(parent, list):
            i = _index(parent, self._leaf)
            if i is not None:
                return parent.pop(i)
        return None
