"""Reprocessing archived container logs: a pipeline over many files, on several processes, resumable.

The parent expands the globs, asks the offsets record (`sources.offsets`) where each file stands,
splits what is left across worker processes by bytes, and alone writes the record. Each worker is
a fresh process (spawned: it compiles the configuration itself, nothing compiled is pickled), runs
its files through `runtime.loop.run_loop` into the outputs, and reports to the parent over a queue:
progress, the positions `on_done` says are done (indexed, dead-lettered or dropped), the end of
each file, and at the end its counts, parse-failure samples and time per stage. So an interrupted
job (Ctrl-C, or kill -9 of the whole tree) resumes from the last record written, rereading at most
the record's write interval of work; document ids (file identity + byte offset) make the reread
harmless in Elasticsearch: reprocessing twice leaves one copy. File outputs are at-least-once.

Each worker has its own dead letter queue directory (`<dead_letters>/reprocess-<n>`: a queue has
one writer), and the parent explains the sampled grok failures as `porttrack-logs grok --explain`
does.
"""

from __future__ import annotations

import glob
import hashlib
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence, TextIO

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError, PortTrackError
from ..event import Event
from ..pipeline import BATCH_SIZE, Pipeline
from ..pipeline.compiler import CompiledPlugin, plugins
from ..sinks.base import PROVENANCE, Outcome, SinkContext, place_of
from ..sources.container_files import LogFormat, ReadBatch, open_log, read_batches
from ..sources.offsets import FileStart, OffsetsRecord
from .loop import RunSummary, run_loop
from .routing import Router, compile_routes

__all__ = ["ReprocessOptions", "ReprocessReport", "reprocess", "find_files", "PARSE_FAILURE_TAGS"]

#: Tags that mean a filter could not parse an event (grok's are explained with --explain's reason).
PARSE_FAILURE_TAGS = ("_grokparsefailure", "_dateparsefailure", "_jsonparsefailure", "_groktimeout", "_filter_error")
_SAMPLES_PER_WORKER = 200  # parse failures each worker keeps for the report (the first ones)
_TICK = 0.25  # seconds between a worker's progress messages
STOP_TIMEOUT = 30.0  #: seconds the workers get to deliver what they read, once asked to stop
DEFAULT_OFFSETS_DIR = "out/reprocess"  #: where a job's offsets record is kept unless --offsets names one


class ReprocessOptions(BaseModel):
    """What `reprocess` runs: validated once, then read by the parent and handed to each worker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[str] = Field(min_length=1)  # files or globs (`**` recursive)
    config: str  # a pipeline file or directory
    es: str | None = None  # replaces the hosts of the config's elasticsearch outputs (or is the only output)
    output: str | None = None  # NDJSON instead of the config's outputs
    processes: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    offsets: str | None = None  # the offsets record; None: one per job under DEFAULT_OFFSETS_DIR (`job_offsets`)
    dead_letters: str = "out/dead_letter_queue"
    format: LogFormat = "auto"
    batch_size: int = Field(BATCH_SIZE, ge=1)
    progress: Literal["auto", "bar", "plain", "off"] = "auto"
    progress_interval: float = Field(10.0, gt=0)  # seconds between plain progress lines
    samples: int = Field(5, ge=0)  # parse-failure groups in the report
    write_interval: float = Field(1.0, ge=0)  # seconds between writes of the offsets record


@dataclass
class Totals:
    """Counts added up over the workers."""

    read: int = 0
    emitted: int = 0
    dropped: int = 0
    rejected: int = 0
    parse_failures: int = 0
    by_tag: Counter = field(default_factory=Counter)
    outcomes: dict[str, Counter] = field(default_factory=dict)
    stages: Counter = field(default_factory=Counter)  # seconds per stage, summed over workers
    samples: list[dict] = field(default_factory=list)


@dataclass
class ReprocessReport:
    """What a reprocess run did, for the final report (`render`)."""

    files: int
    skipped: list[FileStart]
    resumed: list[FileStart]
    processes: int
    seconds: float
    bytes_done: int
    totals: Totals
    explained: list[tuple[int, str, dict]]  # (count among samples, reason, one sample)
    record: str
    dead_letters: list[str]
    failed: list[str]  # workers that did not finish, and why

    @property
    def events_per_second(self) -> float:
        return self.totals.read / self.seconds if self.seconds > 0 else 0.0

    def render(self) -> str:
        t = self.totals
        lines = [
            f"reprocess: {self.files} files ({len(self.skipped)} done before, {len(self.resumed)} resumed), "
            f"{t.read:,} records, {_size(self.bytes_done)} in {self.seconds:.1f} s on {self.processes} "
            f"process{'es' if self.processes != 1 else ''}: {self.events_per_second:,.0f} events/s"
        ]
        outcomes = Counter()
        for counts in t.outcomes.values():
            outcomes.update(counts)
        lines.append(
            "outcomes: " + ", ".join(f"{o.name.lower().replace('_', ' ')} {outcomes[o]:,}" for o in Outcome)
            + f", dropped by filters {t.dropped:,}, rejected to the dead letter queue {t.rejected:,}"
        )
        for name, counts in sorted(t.outcomes.items()):
            lines.append(f"  output {name}: " + (", ".join(f"{o.name.lower().replace('_', ' ')} {counts[o]:,}" for o in Outcome if counts[o]) or "no events"))
        if t.by_tag:
            lines.append("by tag: " + ", ".join(f"{k} {v:,}" for k, v in t.by_tag.most_common()))
        if t.parse_failures:
            lines.append(
                f"parse failures: {t.parse_failures:,}; the commonest of {len(t.samples)} sampled, by where they stopped:"
            )
            for count, reason, sample in self.explained:
                lines.append(f"  {count:>5}x  {reason}")
                lines.append(f"          e.g. {sample['place']}: {sample['text'][:160]!r}")
        else:
            lines.append("parse failures: none")
        stages = t.stages
        total = sum(stages.values())
        if total:
            lines.append(
                "time per stage (summed over processes): "
                + ", ".join(f"{name} {stages[name]:.1f} s ({100 * stages[name] / total:.0f}%)" for name in ("read/decode", "filters", "output", "other"))
            )
        lines.append(f"offsets record: {self.record}")
        if t.rejected:
            lines.append("dead letters: " + ", ".join(self.dead_letters))
        for failure in self.failed:
            lines.append(f"FAILED: {failure}")
        return "\n".join(lines)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.1f} GB"


def job_offsets(options: ReprocessOptions) -> str:
    """The default offsets record of a job: one per configuration content, paths and destination, so
    the same job started again resumes, and a corrected pipeline over the same archive starts afresh."""
    digest = hashlib.sha256()
    config = Path(options.config)
    for file in sorted(config.iterdir()) if config.is_dir() else [config]:
        if file.is_file():
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    for part in (*options.paths, "\0", options.es or "", "\0", options.output or ""):
        digest.update(part.encode() + b"\0")
    return os.path.join(DEFAULT_OFFSETS_DIR, f"job-{digest.hexdigest()[:16]}.json")


def find_files(patterns: Sequence[str]) -> list[str]:
    """The files the patterns name, in name order, each once; a pattern that names nothing, or a
    directory, is an error naming it."""
    found: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        if os.path.isdir(pattern):
            raise ConfigError(f"input {pattern}: is a directory; name the log files in it (a glob: {pattern}/**/*.log*)")
        matched = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if not matched:
            what = "no such file" if not glob.has_magic(pattern) else "matches no file"
            raise ConfigError(f"input {pattern}: {what}")
        for path in matched:
            if path not in seen:
                seen.add(path)
                found.append(path)
    return found


# -- the workers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Work:
    """One worker's share: plain data only (the worker compiles the configuration itself)."""

    number: int
    options: dict
    files: tuple[tuple[str, int, int], ...]  # (path, start offset, size on disk)
    parent: int
    stop: Any  # a multiprocessing Event: stop reading, deliver what is read, report, exit


class _Timed:
    """Seconds spent per stage in this worker."""

    __slots__ = ("read", "filters", "output")

    def __init__(self) -> None:
        self.read = self.filters = self.output = 0.0


class _TimedPipeline:
    """The pipeline, timed, keeping the first parse failures as samples (what `run_loop` calls)."""

    __slots__ = ("_process", "_timed", "samples", "failures", "_fields")

    def __init__(self, pipeline: Pipeline, timed: _Timed, fields: list[str]) -> None:
        self._process, self._timed = pipeline.process, timed
        self.samples: list[dict] = []
        self.failures = 0
        self._fields = fields

    def process(self, events: list[Event]) -> list[Event]:
        t0 = time.perf_counter()
        out = self._process(events)
        self._timed.filters += time.perf_counter() - t0
        for event in out:
            if event.raw_fields().get("tags"):
                tags = event.tags
                if any(t in PARSE_FAILURE_TAGS for t in tags):
                    self.failures += 1
                    if len(self.samples) < _SAMPLES_PER_WORKER:
                        self.samples.append(_sample(event, tags, self._fields))
        return out


def _sample(event: Event, tags: list[str], fields: list[str]) -> dict:
    info = event.metadata.get(PROVENANCE) or {}
    values = {}
    for name in fields:
        value = event.get(name)
        if isinstance(value, str):
            values[name] = value
    text = values.get("message") or next(iter(values.values()), None) or str(event.get("message"))
    return {"place": place_of(info) or "?", "tags": list(tags), "values": values, "text": text}


class _TimedSink:
    """A sink whose writes are timed; everything else is the sink's own."""

    def __init__(self, sink: Any, timed: _Timed) -> None:
        self._sink, self._timed = sink, timed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sink, name)

    def write(self, events: Sequence[Event]) -> list[Outcome]:
        t0 = time.perf_counter()
        try:
            return self._sink.write(events)
        finally:
            self._timed.output += time.perf_counter() - t0


class _WorkerBatches:
    """A worker's files, batch by batch, from their start offsets; times the reading, and sends
    progress (bytes on disk, counts, the positions done so far) at most every `_TICK` seconds."""

    def __init__(self, work: _Work, options: ReprocessOptions, send: Callable[[tuple], None], timed: _Timed,
                 summary: RunSummary, pipeline: _TimedPipeline) -> None:
        self._work, self._options, self._send, self._timed = work, options, send, timed
        self._summary, self._pipeline = summary, pipeline
        self._done: dict[str, int] = {}
        self._finished: list[tuple[str, int]] = []
        self._bytes_before = 0  # on-disk bytes of the files read to their end
        self._current: Any = None  # the open file being read
        self._counted = 0  # of it, the bytes the parent already counts as done
        self._last = 0.0
        self._files_done = 0
        self._iterator = self._read()

    def __iter__(self) -> "_WorkerBatches":
        return self

    def __next__(self) -> ReadBatch:
        if self._work.stop.is_set():  # asked to stop: the loop delivers what it holds; the file stays unfinished
            raise StopIteration
        t0 = time.perf_counter()
        try:
            batch = next(self._iterator)
        finally:
            t1 = time.perf_counter()
            self._timed.read += t1 - t0
        if t1 - self._last >= _TICK:
            self.tick(t1)
        return batch

    def on_done(self, positions: dict[str, int]) -> None:
        self._done.update(positions)

    def tick(self, now: float | None = None, final: bool = False) -> None:
        self._last = time.perf_counter() if now is None else now
        if self._work.parent != os.getppid():  # the parent is gone (killed): stop, it records nothing more
            os._exit(3)
        position = 0
        if self._current is not None:
            fh = self._current
            raw = getattr(fh, "fileobj", None)  # a .gz: how far into the compressed file
            try:
                position = raw.tell() if raw is not None else fh.tell() - self._counted
            except (OSError, ValueError):
                position = 0
        s, p = self._summary, self._pipeline
        counts = (s.read, s.rejected, p.failures, self._files_done)
        self._send(("progress", self._work.number, self._bytes_before + position, counts, self._done, self._finished, final))
        self._done, self._finished = {}, []

    def _read(self) -> Any:
        opts = self._options
        for path, start, size in self._work.files:
            end = start
            counted = 0 if path.endswith(".gz") else start  # the parent counts a plain file's resumed part as done
            with open_log(path) as fh:
                self._current, self._counted = fh, counted
                for batch in read_batches(fh, path, opts.format, opts.batch_size, start=start):
                    end = batch.end
                    yield batch
                self._current = None
            self._bytes_before += size - counted
            self._files_done += 1
            self._finished.append((path, end))


def _build_outputs(options: ReprocessOptions, pipeline: Pipeline, dead_letters: Any, timed: _Timed, number: int,
                   closers: list) -> Router:
    """The worker's outputs: NDJSON (`output`), else the configuration's output section with `es`
    as the hosts of its elasticsearch outputs (or, without one, an elasticsearch output to `es`)."""
    from ..sinks.elasticsearch.config import ElasticsearchOutput
    from ..sinks.ndjson import NdjsonSink

    def keep(sink: Any) -> Any:
        closers.append(sink.close)
        return _TimedSink(sink, timed)

    if options.output is not None:
        target = options.output
        if options.processes > 1:
            stem, ext = os.path.splitext(target)
            target = f"{stem}-{number}{ext}"
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        stream = open(target, "ab")  # noqa: SIM115 (closed by the closers)
        closers.append(stream.close)
        return Router([keep(NdjsonSink(stream, f"-o {options.output}"))], (0,))  # one name: counted together
    section = pipeline.compiled.outputs
    has_es = any(isinstance(p.instance, ElasticsearchOutput) for p in plugins(section))
    if options.es is not None and not has_es:
        settings = ElasticsearchOutput(hosts=[options.es])
        return Router([keep(settings.build(SinkContext(dead_letters, "elasticsearch --es")))], (0,))
    if not section:
        raise ConfigError("the configuration has no output section: give --es URL or -o FILE")

    def build(plugin: CompiledPlugin) -> Any:
        node, settings = plugin.node, plugin.instance
        plugin_id = settings.id or f"{node.name}@{node.position.line}:{node.position.column}"
        if options.es is not None and isinstance(settings, ElasticsearchOutput):
            settings = settings.model_copy(update={"hosts": [options.es]})
        if not callable(getattr(settings, "build", None)):
            raise ConfigError(f"output {node.name} is not available in this build", position=node.position)
        try:
            return keep(settings.build(SinkContext(dead_letters, plugin_id)))
        except ConfigError as exc:
            raise exc.at(node.position) from None

    return compile_routes(section, build)


def grok_fields(pipeline: Pipeline) -> list[str]:
    """The fields the pipeline's grok filters match on (what a parse-failure sample keeps)."""
    from ..filters.grok import GrokFilter

    names: list[str] = []
    for f in pipeline.filters:
        if isinstance(f, GrokFilter):
            for name, _ in f.groks:
                if name not in names:
                    names.append(name)
    return names or ["message"]


def _worker(work: _Work, messages: Any) -> None:
    """A worker process: compile, read its files, run them to the outputs, report."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    send = messages.put
    closers: list[Callable[[], Any]] = []
    try:
        from ..sinks.dead_letter import DeadLetterQueue
        from .batch_job import tune_gc_for_throughput

        options = ReprocessOptions(**work.options)
        pipeline = Pipeline.from_config(options.config)
        timed = _Timed()
        dead_letters = DeadLetterQueue(Path(options.dead_letters) / f"reprocess-{work.number}")
        closers.append(dead_letters.close)
        router = _build_outputs(options, pipeline, dead_letters, timed, work.number, closers)
        timed_pipeline = _TimedPipeline(pipeline, timed, grok_fields(pipeline))
        summary = RunSummary()
        batches = _WorkerBatches(work, options, send, timed, summary, timed_pipeline)
        tune_gc_for_throughput()
        started = time.perf_counter()
        run_loop(batches, timed_pipeline, router, dead_letters, summary=summary, on_done=batches.on_done)
        wall = time.perf_counter() - started
        batches.tick(final=True)
        stages = {"read/decode": timed.read, "filters": timed.filters, "output": timed.output}
        stages["other"] = max(0.0, wall - sum(stages.values()))
        send(("report", work.number, {
            "read": summary.read, "emitted": summary.emitted, "dropped": summary.dropped, "rejected": summary.rejected,
            "by_tag": dict(summary.by_tag), "outputs": {k: {o.value: n for o, n in v.items()} for k, v in summary.outputs.items()},
            "stages": stages, "parse_failures": timed_pipeline.failures, "samples": timed_pipeline.samples,
        }))
    except BaseException as exc:  # noqa: BLE001 (reported to the parent, which fails the run)
        text = str(exc) if isinstance(exc, PortTrackError) else f"{type(exc).__name__}: {exc}"
        send(("error", work.number, text))
        raise SystemExit(1) from None
    finally:
        for close in reversed(closers):
            try:
                close()
            except Exception:  # noqa: BLE001 (closing after an error: the error is reported)
                pass


# -- the parent ----------------------------------------------------------------------------------


def _split(files: list[tuple[str, int, int]], count: int) -> list[list[tuple[str, int, int]]]:
    """Files across `count` workers, largest remaining first to the least loaded (balanced bytes)."""
    shares: list[list[tuple[str, int, int]]] = [[] for _ in range(count)]
    loads = [0] * count
    for item in sorted(files, key=lambda f: f[2] - f[1], reverse=True):
        i = loads.index(min(loads))
        shares[i].append(item)
        loads[i] += max(1, item[2] - item[1])
    for share in shares:
        share.sort()
    return [s for s in shares if s]


class _Progress:
    """A live bar on a terminal (rich), else a plain line every `interval` seconds, or nothing."""

    def __init__(self, mode: str, stream: TextIO, interval: float, files: int, total: int, done_before: int) -> None:
        if mode == "auto":
            mode = "bar" if stream.isatty() else "plain"
        self.mode, self.stream, self.interval = mode, stream, interval
        self.files, self.total, self.before = files, total, done_before
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar: Any = None
        if mode == "bar":
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("reprocess"), BarColumn(), DownloadColumn(),
                TextColumn("{task.fields[files]}/{task.fields[total_files]} files"),
                TextColumn("{task.fields[rate]} events/s"), TextColumn("ETA"), TimeRemainingColumn(),
                TextColumn("failures {task.fields[failures]}"),
                console=Console(file=stream), transient=False, refresh_per_second=4,
            )
            self._task = self._bar.add_task("reprocess", total=total, completed=done_before, files=0,
                                            total_files=files, rate="0", failures=0)
            self._bar.start()

    def update(self, done: int, events: int, failures: int, files: int, final: bool = False) -> None:
        now = time.monotonic()
        elapsed = max(now - self.started, 1e-9)
        rate = events / elapsed
        if self._bar is not None:
            self._bar.update(self._task, completed=done, files=files, rate=f"{rate:,.0f}", failures=f"{failures:,}")
            return
        if self.mode == "plain" and (final or now - self._last_line >= self.interval):
            self._last_line = now
            moved = done - self.before
            eta = (self.total - done) / (moved / elapsed) if moved > 0 else None
            share = 100 * done / self.total if self.total else 100.0
            shown_eta = time.strftime("%H:%M:%S", time.gmtime(eta)) if eta is not None else "?"
            print(f"reprocess: {files}/{self.files} files, {_size(done)} of {_size(self.total)} ({share:.0f}%), "
                  f"{rate:,.0f} events/s, ETA {shown_eta}, failures {failures:,}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def explain_samples(pipeline: Pipeline, samples: list[dict], top: int) -> list[tuple[int, str, dict]]:
    """Group parse-failure samples by why they failed: for grok, where the expression stopped, as
    `porttrack-logs grok --explain` says it (the pattern that got furthest); else by their tags."""
    from ..filters.grok import GrokFilter
    from ..grok import build_patterns, explain

    groks = []
    for plugin in plugins(pipeline.compiled.filters):
        f = plugin.instance
        if isinstance(f, GrokFilter):
            o = f.options
            patterns = build_patterns(o.ecs_compatibility, {k: str(v) for k, v in o.pattern_definitions.items()},
                                      o.patterns_dir, o.patterns_files_glob)
            label = f"grok {o.id + ' ' if o.id else ''}at {plugin.node.position}"
            groks.append((label, f, patterns, set(o.tag_on_failure)))
    groups: dict[str, list[dict]] = {}
    for sample in samples:
        reason = None
        for label, f, patterns, tags in groks:
            if not tags & set(sample["tags"]):
                continue
            for name, expressions in f.groks:
                value = sample["values"].get(name)
                if value is None:
                    continue
                best = None
                for grok in expressions:
                    why = explain(grok, value, patterns)
                    if why.failed is not None and (best is None or why.column > best.column):
                        best = why
                if best is not None:  # grouped by where it stopped; shown with the first one's whole reason
                    reason = f"{label} on [{name}]\0{''.join(best.matched)}\0{best.failed}"
                    sample = {**sample, "why": f"{label} on [{name}]: {best}"}
                    break
            if reason is not None:
                break
        if reason is None:
            reason = "tagged " + ", ".join(t for t in sample["tags"] if t in PARSE_FAILURE_TAGS)
        groups.setdefault(reason, []).append(sample)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:top]
    out = []
    for reason, members in ranked:
        first = members[0]
        out.append((len(members), first.get("why", reason), first))
    return out


def reprocess(options: ReprocessOptions, *, stream: TextIO | None = None) -> ReprocessReport:
    """Run the job (see the module docstring); raises ConfigError for bad input before any work."""
    stream = stream if stream is not None else sys.stderr
    files = find_files(options.paths)
    pipeline = Pipeline.from_config(options.config)  # errors at start, and the grok filters for the report
    record = OffsetsRecord(options.offsets or job_offsets(options), interval=options.write_interval)
    previous = None
    if threading.current_thread() is threading.main_thread():  # SIGTERM stops as Ctrl-C does: gracefully
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(options, files, pipeline, record, stream)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        record.close()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _run(options: ReprocessOptions, files: list[str], pipeline: Pipeline, record: OffsetsRecord, stream: TextIO) -> ReprocessReport:
    skipped, resumed, work = [], [], []
    total = done_before = copies = 0
    for path in files:
        start = record.start(path)
        total += start.size
        if start.skip is not None:
            if start.why == "same file":  # a copy or a second name of a file listed before: read once
                print(f"porttrack-logs: {path}: {start.skip}", file=stream)
                copies += 1
            else:
                skipped.append(start)
            done_before += start.size
            continue
        if start.offset:
            resumed.append(start)
            if not path.endswith(".gz"):
                done_before += min(start.offset, start.size)
        work.append((path, start.offset, start.size))
    for start in resumed:
        print(f"porttrack-logs: {start.path}: {start.why}", file=stream)
    count = min(options.processes, len(work)) or 1
    shares = _split(work, count) if work else []
    progress = _Progress(options.progress, stream, options.progress_interval, len(files), total, done_before)
    totals = Totals()
    failed: list[str] = []
    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    stop = context.Event()
    payload = options.model_dump()
    workers = []
    for number, share in enumerate(shares, start=1):
        proc = context.Process(target=_worker, args=(_Work(number, payload, tuple(share), os.getpid(), stop), messages),
                               name=f"porttrack-reprocess-{number}", daemon=True)
        proc.start()
        workers.append(proc)
    state = {n: [0, (0, 0, 0, 0)] for n in range(1, len(workers) + 1)}  # bytes, counts per worker
    reported: set[int] = set()
    errors: dict[int, str] = {}
    finished_files = len(skipped) + copies

    def handle(message: tuple) -> None:
        nonlocal finished_files
        kind, number = message[0], message[1]
        if kind == "progress":
            _, _, position, counts, done, ended, final = message
            for path, end in ended:
                record.finished(path, end)
            for path, end in done.items():
                record.done(path, end)
            record.write_if_due()
            state[number] = [position, counts]
        elif kind == "report":
            _add(totals, message[2])
            reported.add(number)
        elif kind == "error":
            errors[number] = message[2]

    try:
        while True:
            try:
                handle(messages.get(timeout=0.2))
                while True:
                    handle(messages.get_nowait())
            except queue_module.Empty:
                pass
            done = done_before + sum(s[0] for s in state.values())
            events = sum(s[1][0] for s in state.values())
            failures = sum(s[1][1] + s[1][2] for s in state.values())
            files_done = finished_files + sum(s[1][3] for s in state.values())
            progress.update(min(done, total), events, failures, files_done)
            alive = [p for p in workers if p.is_alive()]
            if not alive:
                break
        while True:  # what the last workers sent before they ended
            try:
                handle(messages.get(timeout=0.5))
            except queue_module.Empty:
                break
    except KeyboardInterrupt:  # stop reading; each worker delivers what it read, reports it, exits
        stop.set()
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(p.is_alive() for p in workers) and time.monotonic() < deadline:
            try:
                handle(messages.get(timeout=0.2))
            except queue_module.Empty:
                pass
        for proc in workers:
            if proc.is_alive():  # stuck (an output that cannot deliver): what it did not report is read again
                proc.terminate()
            proc.join(5)
        while True:
            try:
                handle(messages.get(timeout=0.2))
            except queue_module.Empty:
                break
        record.flush()
        progress.close()
        raise
    for number, proc in enumerate(workers, start=1):
        proc.join()
        if number not in reported:
            why = errors.get(number) or f"exit code {proc.exitcode}"
            failed.append(f"process {number} ({len(shares[number - 1])} files): {why}")
    seconds = time.monotonic() - started
    events = totals.read
    done = done_before + sum(s[0] for s in state.values())
    progress.update(min(done, total), events, totals.rejected + totals.parse_failures,
                    finished_files + sum(s[1][3] for s in state.values()), final=True)
    progress.close()
    record.flush()
    explained = explain_samples(pipeline, totals.samples, options.samples) if totals.samples and options.samples else []
    return ReprocessReport(
        files=len(files), skipped=skipped, resumed=resumed, processes=len(workers), seconds=seconds,
        bytes_done=max(0, done - done_before), totals=totals, explained=explained, record=str(record.path),
        dead_letters=[str(Path(options.dead_letters) / f"reprocess-{n}") for n in range(1, len(workers) + 1)],
        failed=failed,
    )


def _add(totals: Totals, report: dict) -> None:
    totals.read += report["read"]
    totals.emitted += report["emitted"]
    totals.dropped += report["dropped"]
    totals.rejected += report["rejected"]
    totals.parse_failures += report["parse_failures"]
    totals.by_tag.update(report["by_tag"])
    for name, counts in report["outputs"].items():
        totals.outcomes.setdefault(name, Counter()).update({Outcome(k): v for k, v in counts.items()})
    totals.stages.update(report["stages"])
    totals.samples.extend(report["samples"])
