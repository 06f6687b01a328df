"""Warnings Logstash never gives: traps a configuration runs into silently.

- a grok capture into a field that already holds a value, without `overwrite` (Logstash turns
  the field into an array: the PortTrack rule's `message` becomes `[line, rest]`);
- a condition on a field that neither the input nor any filter sets, said only where the whole
  pipeline is known (an input section present) and no input could set it;
- a grok capture name that is no field reference (`%{DATA:[@metadata][timestamp}`): an error;
- an `else if` that can never run (its condition repeats an earlier branch's);
- a `date` filter without `timezone` on a pattern that carries no offset;
- a sprintf reference that is no field reference (`%{message[0]}`): the filter fails on every event;
- the language's own traps (`config.language_traps`), such as `[a] in ["x"]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any, Iterator

from ..config import Attribute, Plugin, Selector, language_traps, to_python
from ..errors import Position
from .._options import ignored_reason
from ..errors import EventError
from ..event import Template, parse_field_ref
from ..filters.base import ANY_FIELD
from .compiler import CompiledIf, CompiledPlugin, walk

__all__ = ["Finding", "lint", "INPUT_FIELDS"]

#: top-level fields every event may carry before any filter runs (Logstash's own, and the input's
#: common options `type`, `tags`)
INPUT_FIELDS = frozenset({"message", "@timestamp", "@version", "tags", "type", "event"})

#: what each input's events carry before any filter, as field paths (a prefix covers what is under it)
_INPUT_PATHS: dict[str, frozenset[tuple[str, ...]]] = {
    "beats": frozenset({
        ("host",), ("agent",), ("ecs",), ("input",), ("log",), ("event",), ("fileset",), ("service",),
        ("container",), ("kubernetes",), ("stream",), ("fields",), ("cloud",), ("data_stream",), ("process",),
        ("orchestrator",), ("error",), ("beat",), ("source",), ("offset",), ("prospector",), ("docker",),
        ("@metadata", "beat"), ("@metadata", "type"), ("@metadata", "version"), ("@metadata", "ip_address"),
        ("@metadata", "input"), ("@metadata", "pipeline"), ("@metadata", "raw_index"),
    }),
    "kafka": frozenset({("@metadata", "kafka")}),
    "file": frozenset({("log",), ("host",), ("path",), ("event",)}),
    "stdin": frozenset({("host",), ("event",)}),
}
#: codecs that decode each line or message as JSON: an event may then carry any field
_JSON_CODECS = frozenset({"json", "json_lines"})
#: inputs whose events may carry any field whatever their codec (none of the project's: a Beats
#: event's own fields are listed above, a shipper's extra ones under [fields])
_ANY_FIELD_INPUTS: frozenset[str] = frozenset()
_DATE_KEYWORDS = {"ISO8601", "UNIX", "UNIX_MS", "TAI64N"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One warning, placed in the configuration."""

    position: Position
    message: str
    error: bool = False  #: the configuration is wrong (check exits 1), not merely suspicious

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


_path = partial(parse_field_ref, lenient=True)


def _attribute(plugin: Plugin, name: str) -> Attribute | None:
    return next((a for a in plugin.attributes if a.name == name), None)


def _selectors(expr: Any) -> Iterator[Selector]:
    if isinstance(expr, Selector):
        yield expr
        return
    for name in ("left", "right", "operand"):
        child = getattr(expr, name, None)
        if child is not None:
            yield from _selectors(child)
    for child in getattr(expr, "operands", ()) or ():
        yield from _selectors(child)


def _grok_traps(plugin: CompiledPlugin, known: set[tuple[str, ...]]) -> Iterator[Finding]:
    opts = plugin.instance.options
    overwrite = set(opts.overwrite)
    target = _path(opts.target) if opts.target else ()
    where = _attribute(plugin.node, "match")
    position = where.position if where else plugin.node.position
    said: set[str] = set()  # one warning per field and place, however many patterns capture it
    for source, groks in plugin.instance.groks:
        present = known | {_path(source)}
        for grok in groks:
            for cap in grok.captures:
                if cap.field in said:
                    continue
                try:
                    parse_field_ref(cap.field)
                except EventError as exc:
                    said.add(cap.field)
                    yield Finding(
                        position,
                        f"grok capture %{{...:{cap.field}}} names no valid field reference ({exc}): "
                        f"write it as [a][b], each name in brackets",
                        error=True,
                    )
                    continue
                path = target + cap.path
                if cap.field in overwrite or path[:1] == ("@metadata",):
                    continue
                if path in present:
                    said.add(cap.field)
                    shown = "".join(f"[{p}]" for p in path)
                    yield Finding(
                        position,
                        f"grok captures %{{...:{cap.field}}} into {shown}, which already holds a value: "
                        f"Logstash makes it an array [old, new]. Add overwrite => [\"{cap.field}\"] "
                        f"or capture into another field",
                    )


def _date_traps(plugin: CompiledPlugin) -> Iterator[Finding]:
    opts = plugin.instance.options
    if getattr(opts, "timezone", None):
        return
    match = list(getattr(opts, "match", []) or [])
    for pattern in match[1:]:
        if pattern in _DATE_KEYWORDS:
            continue
        letters = re.sub(r"'[^']*'", "", pattern)
        if "Z" not in letters and "X" not in letters:
            where = _attribute(plugin.node, "match")
            yield Finding(
                where.position if where else plugin.node.position,
                f"date pattern {pattern!r} has no zone offset and the filter has no timezone: the "
                f"time is read in the machine's zone. Set timezone => \"UTC\" (or the logs' zone)",
            )


#: options whose text is a sprintf template (`%{field}`), in every filter and in mutate
_TEMPLATE_OPTIONS = frozenset({"add_field", "add_tag", "remove_field", "remove_tag"})
_MUTATE_TEMPLATE_OPTIONS = frozenset({"replace", "update", "coerce", "rename"})


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _template_traps(plugin: CompiledPlugin) -> Iterator[Finding]:
    names = _TEMPLATE_OPTIONS | (_MUTATE_TEMPLATE_OPTIONS if plugin.node.name == "mutate" else frozenset())
    for attr in plugin.node.attributes:
        if attr.name not in names:
            continue
        for text in _texts(to_python(attr.value)):
            for problem in Template(text).problems:
                yield Finding(
                    attr.position,
                    f"{problem}: Logstash fails this filter on every event"
                    f"{' (tag _mutate_error)' if plugin.node.name == 'mutate' else ''}",
                )


def _input_paths(inputs: Any) -> set[tuple[str, ...]] | None:
    """What the inputs' events may carry; None when there is no input section (the pipeline's
    input lives in another file: nothing can be said of what is missing); ANY_FIELD when an input
    may carry any field."""
    found: set[tuple[str, ...]] = set()
    nodes = [n for n in walk(inputs) if isinstance(n, CompiledPlugin)]
    if not nodes:
        return None
    for node in nodes:
        name = node.node.name
        found |= _INPUT_PATHS.get(name, set())
        settings = node.instance
        codec = getattr(settings, "codec", None)
        codec_name = next(iter(codec), None) if isinstance(codec, dict) else codec
        if name in _ANY_FIELD_INPUTS or codec_name in _JSON_CODECS or name not in _INPUT_PATHS:
            found.add(ANY_FIELD)
        for key in (getattr(settings, "add_field", None) or {}):
            found.add(_path(str(key)))
    return found


def lint(pipeline: Any) -> list[Finding]:
    """Every warning (and the errors `check` adds to load's) for a compiled `Pipeline`, in source order."""
    findings: list[Finding] = []
    filters = pipeline.compiled.filters
    from_inputs = _input_paths(pipeline.compiled.inputs)
    plugins = [n for n in walk(filters) if isinstance(n, CompiledPlugin) and n.instance is not None]
    everything: set[tuple[str, ...]] = set()
    for p in plugins:
        everything |= p.instance.fields_written()
    known: set[tuple[str, ...]] = {("message",)}
    for p in plugins:  # source order: a field set by an earlier filter "already holds a value"
        findings.extend(_template_traps(p))
        if p.node.name == "grok":
            findings.extend(_grok_traps(p, known))
        elif p.node.name == "date":
            findings.extend(_date_traps(p))
        known |= {f for f in p.instance.fields_written() if f != ANY_FIELD}
    compiled = pipeline.compiled
    for kind, section in (("input", compiled.inputs), ("filter", filters), ("output", compiled.outputs)):
        for node in walk(section):
            if isinstance(node, CompiledPlugin):
                for attr in node.node.attributes:
                    why = ignored_reason(f"{kind} {node.node.name}", attr.name)
                    if why:
                        findings.append(Finding(attr.position, f"{attr.name} is accepted and has no effect here: {why}"))
    anything = from_inputs is None or ANY_FIELD in everything or ANY_FIELD in from_inputs
    everything |= from_inputs or set()
    for node in walk(filters):
        if not isinstance(node, CompiledIf):
            continue
        seen = []
        for compiled in node.branches:
            branch = compiled.node
            cond = branch.condition
            if cond is not None and cond in seen:
                findings.append(
                    Finding(branch.position, "this else-if repeats an earlier branch's condition: it can never run")
                )
            seen.append(cond)
            if cond is None or anything:
                continue
            for selector in _selectors(cond):
                path = _path(selector.text)
                if path[0] in INPUT_FIELDS:
                    continue
                if not any(path[: len(f)] == f or f[: len(path)] == path for f in everything):
                    findings.append(
                        Finding(
                            selector.position,
                            f"condition tests {selector.text}, which neither the input nor any filter sets: "
                            f"it is always missing here",
                        )
                    )
    findings.extend(Finding(position, message) for position, message in language_traps(pipeline.config))
    findings.sort(key=lambda f: (f.position.source, f.position.line, f.position.column))
    return findings
