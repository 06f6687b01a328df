"""`Pipeline`: a compiled Logstash configuration whose filters run on batches, with no I/O."""

from __future__ import annotations

import os
from typing import Iterable, Sequence

from ..config import PipelineConfig, load, parse
from ..event import Event
from ..filters.base import Filter
from .codegen import generate
from .compiler import CompiledConfig, CompiledPlugin, Node, build_steps, compile_config, plugins
from .steps import Step, run_steps

__all__ = ["Pipeline", "BATCH_SIZE"]

#: Events per `process` call in the CLI and the sidecar: Logstash's `pipeline.batch.size` default.
#: Small batches stay in the CPU caches from decode to encode: on PortTrack's events a batch of
#: 125 runs 1.7x faster end to end than one of 20,000 (`benchmarks/pipeline_bench.py` shows both).
BATCH_SIZE = 125


class Pipeline:
    """Filters of a Logstash pipeline, compiled once; `process(events)` runs a batch through them.

    Build one with `Pipeline.from_config(path_or_text)`. `process` takes `Event`s or plain dicts
    and returns the events that came through, in order; dropped events are not returned; an event
    on which a filter raised comes back tagged `_filter_error` (see `pipeline.steps.failure_of`).

    `ordered` is Logstash's `pipeline.ordered`: True (the default, what Logstash's `auto` gives one
    worker) keeps the batch's order, events a filter makes right after their parent; False gives
    the order Logstash's several workers give a batch: at each conditional, its first branch's
    events, then the next branch's, then those that took none (`pipeline.steps.ConditionalStep`).
    """

    __slots__ = ("config", "compiled", "_steps", "_run", "source", "_flushers", "ordered")

    #: How often the runtime should call `flush`, in seconds: Logstash's periodic flush interval.
    FLUSH_SECONDS = 5

    def __init__(self, config: PipelineConfig, compiled: CompiledConfig, *, generate_code: bool = True,
                 ordered: bool = True) -> None:
        self.config = config
        self.compiled = compiled
        self.ordered = ordered
        self._steps: list[Step] | None = None
        self._run = None
        self.source: str | None = None  # the generated Python, when generate_code
        if generate_code:
            self._run, self.source = generate(compiled.filters, ordered=ordered)
        #: [filter, the statements after it to the end of the section, their steps (built on first flush)]
        self._flushers = [
            [node.instance, rest, None] for node, rest in _with_rest(compiled.filters)
            if getattr(node.instance, "flushes", False)
        ]

    @classmethod
    def from_config(
        cls,
        source: str | os.PathLike | Sequence[str | os.PathLike],
        *,
        support_escapes: bool = False,
        generate_code: bool = True,
        ordered: bool = True,
    ) -> "Pipeline":
        """Load from a file, a directory (files in name order), a list of them, or configuration text.

        A `str` is taken as configuration text when it contains `{`, as a path otherwise. With
        `generate_code` (the default) the filters run as one generated Python function; without it,
        step by step (the reference the generated code is tested against). `ordered`: see the class.
        """
        texts: dict[str, str] = {}
        if isinstance(source, str) and "{" in source:
            config = parse(source, "<string>", support_escapes=support_escapes)
            texts["<string>"] = source
        else:
            config = load(source, support_escapes=support_escapes)
        return cls(config, compile_config(config, texts), generate_code=generate_code, ordered=ordered)

    @property
    def filters(self) -> list[Filter]:
        """The filter instances, in source order (those inside conditionals included)."""
        return [p.instance for p in plugins(self.compiled.filters)]

    @property
    def steps(self) -> list[Step]:
        """The filter section as step-by-step steps, built on first use."""
        if self._steps is None:
            self._steps = build_steps(self.compiled.filters, ordered=self.ordered)
        return self._steps

    @property
    def flushes(self) -> bool:
        """Whether any filter releases events with time, so the runtime must call `flush`."""
        return bool(self._flushers)

    def flush(self) -> list[Event]:
        """Logstash's periodic flush, for the runtime to call every `FLUSH_SECONDS`: the events
        filters release with time (elapsed's expired starts), each run through the statements
        after the filter that made it, to the end of the section, as Logstash runs them; [] when
        no filter holds events. Flushed events are rare, so both modes run them step by step."""
        out: list[Event] = []
        for entry in self._flushers:
            made = entry[0].flush()
            if not made:
                continue
            if entry[2] is None:
                entry[2] = build_steps(entry[1], ordered=self.ordered)
            out.extend(run_steps(entry[2], made, keep_failed=True))
        return [e for e in out if not e.cancelled]

    def process(self, events: Iterable[Event | dict]) -> list[Event]:
        """Run a batch through the filters; returns the events that came out, in input order
        (unless `ordered` is False)."""
        batch = [e if isinstance(e, Event) else Event(e) for e in events]
        if self._run is not None:
            grown = self._run(batch)  # a list only when a filter may make events (clone, split)
            if grown is not None:
                return grown
        else:
            batch = run_steps(self.steps, batch, keep_failed=True)
        return [e for e in batch if not e.cancelled]


def _with_rest(nodes: Sequence[Node], rest: tuple[Node, ...] = ()) -> Iterable[tuple[CompiledPlugin, tuple[Node, ...]]]:
    """Each filter of a section with what runs after it, to the end of the section (the rest of
    its branch, then what follows the conditional): where the events it makes go on."""
    nodes = tuple(nodes)
    for i, node in enumerate(nodes):
        after = nodes[i + 1:] + rest
        if isinstance(node, CompiledPlugin):
            if node.instance is not None:
                yield node, after
        else:
            for branch in node.branches:
                yield from _with_rest(branch.body, after)
