"""`check --template`: run a pipeline over sample events and predict, offline, what Elasticsearch rejects.

Each event runs through the filters one plugin at a time (the configuration's own tree, as the
step-by-step reference runner does), with the event's fields compared before and after each
plugin, so every field is known by the last plugin that wrote it. What comes out is encoded as the
Elasticsearch output sends it, routed to its index (the output's `index`, rendered per event), and
checked against the mapping that index gets from the templates (`_mapping.IndexState`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..codec import encode_event_into
from ..event import Event, Template
from ..pipeline import Pipeline
from ..pipeline.compiler import CompiledPlugin, Node
from ..pipeline.steps import fail_event
from ..sources.container_files import Rejected, decode_lines
from ._mapping import IndexState, Mappings, Problem, load_document

__all__ = ["Finding", "MappingReport", "DocumentResult", "check_pipeline", "sample_events", "index_name_problem", "DEFAULT_INDEX"]

#: The index the Elasticsearch output writes to when its `index` option is not set.
DEFAULT_INDEX = "porttrack-logs-%{+yyyy.MM.dd}"


@dataclass(slots=True)
class DocumentResult:
    """One document as the output would send it, where it goes, and what Elasticsearch would do."""

    place: str
    index: str
    document: bytes
    rejection: Problem | None
    writer: str | None  # the plugin that wrote the rejected field
    notes: list[Problem]


@dataclass(slots=True)
class Finding:
    """Documents with the same problem on the same field from the same writer."""

    field: str
    reason: str
    rejects: bool
    writer: str
    count: int
    example_place: str
    example: bytes

    def render(self, total: int) -> str:
        kind = "error" if self.rejects else "note"
        verb = "Elasticsearch would reject the document" if self.rejects else "indexed"
        doc = self.example.decode("utf-8", "replace")
        if len(doc) > 400:
            doc = doc[:400] + "..."
        return (
            f"{kind}: field {self.field}: {self.reason} ({verb}); written by {self.writer}; "
            f"{self.count} of {total} documents, e.g. {self.example_place}: {doc}"
        )


@dataclass(slots=True)
class MappingReport:
    """What `check_pipeline` found: per document results, grouped findings, and what it could not check."""

    documents: list[DocumentResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    events_in: int = 0
    dropped: int = 0
    failed: int = 0  # failed in a filter: the dead letter queue, not Elasticsearch
    undecodable: int = 0
    unchecked: set[str] = field(default_factory=set)
    untemplated: set[str] = field(default_factory=set)  # indices no template matches

    @property
    def rejected(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.rejection is not None]


def sample_events(paths: Sequence[str | Path]) -> Iterator[tuple[str, Event | None]]:
    """(place, event) for each record of the sample files; event None for a line that cannot be decoded."""
    for path in paths:
        with Path(path).open("rb") as fh:
            for n, record in enumerate(decode_lines(fh, str(path)), 1):
                if isinstance(record, Rejected):
                    yield f"{path} record {n} (byte {record.offset})", None
                else:
                    yield f"{path} record {n}", Event.from_lazy(record.event)


def _leaves(value: Any, prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _leaves(item, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = copy.deepcopy(value) if isinstance(value, (list, dict)) else value
    return out


_MISSING = object()


class _Tracer:
    """Runs the configuration's filter tree on one event at a time, recording who wrote each field."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.nodes = pipeline.compiled.filters

    def run(self, event: Event) -> dict[str, tuple[int, str]]:
        writes: dict[str, tuple[int, str]] = {}
        self._run(self.nodes, event, writes, [0])
        return writes

    def _run(self, nodes: Sequence[Node], event: Event, writes: dict[str, tuple[int, str]], seq: list[int]) -> None:
        for node in nodes:
            if event.cancelled or event.halted:
                return
            if isinstance(node, CompiledPlugin):
                plugin = node.instance
                where = f"{node.node.name} at {node.node.position}"
                if plugin.options.id and plugin.options.id != f"{node.node.name}@{node.node.position.line}:{node.node.position.column}":
                    where = f"{node.node.name} (id {plugin.options.id}) at {node.node.position}"
                before = _leaves(event.to_dict(), "", {})
                try:
                    plugin.filter(event)
                except Exception as exc:  # as the steps do: the event fails, the check goes on
                    fail_event(event, f"filter {plugin.name} (id {plugin.id})", exc)
                if event.cancelled:
                    return
                after = _leaves(event.to_dict(), "", {})
                seq[0] += 1
                for path, value in after.items():
                    old = before.get(path, _MISSING)
                    if old is _MISSING or type(old) is not type(value) or old != value:
                        writes[path] = (seq[0], where)
                continue
            for branch in node.branches:
                try:
                    taken = branch.condition is None or branch.condition.test(event)
                except Exception as exc:
                    fail_event(event, f"condition at {node.node.position}", exc)
                    return
                if taken:
                    self._run(branch.body, event, writes, seq)
                    break


def _writer(writes: dict[str, tuple[int, str]], field_path: str) -> str:
    best: tuple[int, str] | None = None
    for path, entry in writes.items():
        if path == field_path or path.startswith(field_path + ".") or field_path.startswith(path + "."):
            if best is None or entry[0] > best[0]:
                best = entry
    return best[1] if best else "the input event (no filter wrote it)"


_BAD_INDEX_CHARS = set('\\/*?"<>| ,#:')


def index_name_problem(name: str) -> str | None:
    """Why Elasticsearch refuses `name` as an index name (invalid_index_name_exception), or None."""
    if not name:
        return "the index name is empty"
    if name != name.lower():
        return f"index name [{name}] must be lowercase"
    bad = sorted(set(name) & _BAD_INDEX_CHARS)
    if bad:
        return f"index name [{name}] must not contain {' '.join(repr(c) for c in bad)}"
    if name[0] in "-_+":
        return f"index name [{name}] must not start with '-', '_' or '+'"
    if name in (".", ".."):
        return f"index name [{name}] must not be '.' or '..'"
    if len(name.encode("utf-8")) > 255:
        return f"index name [{name[:40]}...] is longer than 255 bytes"
    return None


def _index_option(pipeline: Pipeline) -> str:
    from ..pipeline.compiler import plugins

    for plugin in plugins(pipeline.compiled.outputs):
        if plugin.node.name == "elasticsearch" and plugin.instance is not None:
            return plugin.instance.index or DEFAULT_INDEX
    return DEFAULT_INDEX


def check_pipeline(
    pipeline: Pipeline,
    events: Iterable[tuple[str, Event | None]],
    mappings: Mappings,
    *,
    index: str | None = None,
    major: int = 9,
) -> MappingReport:
    """Run `events` ((place, event) pairs) through `pipeline` and judge each document against `mappings`.

    `index` (a sprintf template) overrides the index the pipeline's elasticsearch output names;
    `major` is the Elasticsearch major to predict for (8 and 9 differ in two corners of value parsing).
    Documents are judged in order, each index starting empty as a new daily index does, so a field
    one document adds dynamically is part of the mapping the next one meets.
    """
    tracer = _Tracer(pipeline)
    route = Template(index or _index_option(pipeline))
    states: dict[str, IndexState] = {}
    report = MappingReport()
    groups: dict[tuple[bool, str, str], Finding] = {}
    for place, event in events:
        report.events_in += 1
        if event is None:
            report.undecodable += 1
            continue
        writes = tracer.run(event)
        if event.cancelled:
            report.dropped += 1
            continue
        if event.halted:
            report.failed += 1
            continue
        name = route.render(event)
        buffer = bytearray()
        encode_event_into(event, buffer)
        body = bytes(buffer)
        bad_name = index_name_problem(name)
        if bad_name is not None:  # the whole item fails before any mapping is looked at
            problem = Problem("_index", bad_name, True)
            writer = f"the output's index option {route.text!r}"
            report.documents.append(DocumentResult(place, name, body, problem, writer, []))
            key = (True, "_index", writer)
            if key in groups:
                groups[key].count += 1
            else:
                groups[key] = Finding("_index", bad_name, True, writer, 1, place, body)
            continue
        state = states.get(name)
        if state is None:
            state = states[name] = mappings.for_index(name, major=major)
            if state.template is None:
                report.untemplated.add(name)
        verdict = state.check(load_document(body))
        rejection = verdict.rejection
        writer = _writer(writes, rejection.field) if rejection else None
        report.documents.append(DocumentResult(place, name, body, rejection, writer, verdict.notes))
        for problem in ([rejection] if rejection else []) + verdict.notes:
            who = writer if problem is rejection else _writer(writes, problem.field)
            key = (problem.rejects, problem.field, who)
            found = groups.get(key)
            if found is None:
                groups[key] = Finding(problem.field, problem.reason, problem.rejects, who, 1, place, body)
            else:
                found.count += 1
    for state in states.values():
        report.unchecked |= state.unchecked
    report.findings = sorted(groups.values(), key=lambda f: (not f.rejects, f.field))
    return report
