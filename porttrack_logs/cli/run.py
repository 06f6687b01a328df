"""`porttrack-logs run`: a pipeline over log files to its outputs, a summary at the end.

Without `-f`, PortTrack's embedded pipeline runs its filters over the sample logs (or the files
given) to NDJSON (`-o`). With `-f CONFIG`, the configuration's own inputs and outputs run: `file`
inputs in read mode and `stdin`; `stdout`, `file` and `elasticsearch` outputs, routed by the output
section's conditionals. Files given as arguments replace its inputs, `-o` its outputs. An input or
output that cannot run here is a start-up error at its file:line:col, never a silent substitute.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import hashlib
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..pipeline import BATCH_SIZE, Pipeline
from ..pipeline.compiler import CompiledPlugin, plugins
from ..runtime.batch_job import check_paths, read_paths, tune_gc_for_throughput
from ..runtime.loop import run_loop
from ..runtime.routing import Router, compile_routes
from ..sinks.base import SinkContext
from ..sinks.dead_letter import DeadLetterQueue
from ..sinks.ndjson import NdjsonSink
from ..sources.offsets import NO_RECORD, OffsetsRecord
from ..sources.settings import FileInput, StdinInput
from .defaults import DEFAULT_CONFIG, DEFAULT_SAMPLES

DEFAULT_OUTPUT = "out/events.ndjson"
_INPUT_CODECS = {None: "auto", "plain": "plain", "json": "ndjson", "json_lines": "ndjson"}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run a pipeline over log files to its outputs (default: PortTrack's pipeline on the sample logs)",
        description="Run a Logstash pipeline over container log files (Docker json-file, CRI, Filebeat "
        "NDJSON or plain lines). Without -f: PortTrack's pipeline's filters over the sample logs to NDJSON. "
        "With -f: the configuration's inputs (file in read mode, stdin) and outputs (stdout, file, "
        "elasticsearch, with the output section's conditionals); FILE arguments replace its inputs, -o its outputs.",
    )
    parser.add_argument("inputs", nargs="*", metavar="FILE", help="log files (.gz read decompressed), '-' for stdin")
    parser.add_argument("-f", "--config", default=None, help=f"pipeline file or directory (default: {DEFAULT_CONFIG}, its filters only)")
    parser.add_argument("-o", "--output", default=None, help=f"NDJSON output file, '-' for stdout (default without an output section: {DEFAULT_OUTPUT})")
    parser.add_argument("--dead-letters", default="out/dead_letter_queue", help="dead letter queue directory (default: %(default)s)")
    parser.add_argument("--format", default="auto", choices=["auto", "docker", "cri", "ndjson", "plain"], help="format of FILE arguments (default: detect per line)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="events per pipeline batch (default: %(default)s, as Logstash)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    config = Path(args.config) if args.config else DEFAULT_CONFIG
    pipeline = Pipeline.from_config(config)
    compiled = pipeline.compiled if args.config else None  # the embedded default runs its filters only
    notes: list[str] = []
    inputs = _inputs(args, compiled, notes)
    with ExitStack() as stack:
        dead_letters = _opened(f"dead letter queue {args.dead_letters}", DeadLetterQueue, args.dead_letters)
        stack.callback(dead_letters.close)
        router, described = _outputs(args, compiled, dead_letters, stack, notes)
        for note in notes:
            print(f"porttrack-logs: {note}", file=sys.stderr)
        tune_gc_for_throughput()
        batches = read_paths(inputs, args.format, args.batch_size)
        summary = run_loop(batches, pipeline, router, dead_letters)
    print(f"pipeline {config} over {', '.join(_shown(i) for i in inputs)}", file=sys.stderr)
    print(summary.render(), file=sys.stderr)
    for line in described:
        print(line, file=sys.stderr)
    if summary.rejected:
        print(f"dead letters: {args.dead_letters}", file=sys.stderr)
    return 0


def _create(path: str) -> Any:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return open(path, "wb")  # noqa: SIM115


def _opened(what: str, opener: Any, path: str) -> Any:
    """`opener(path)`, an OSError turned into one line naming what could not be opened."""
    try:
        return opener(path)
    except OSError as exc:
        raise ConfigError(f"{what}: cannot open: {exc.strerror or exc}") from None


def _shown(item: Any) -> str:
    return item if isinstance(item, str) else item[0]


def _inputs(args: argparse.Namespace, compiled: Any, notes: list[str]) -> list[Any]:
    """What to read: the FILE arguments, else the configuration's inputs, else the sample logs."""
    section = list(plugins(compiled.inputs)) if compiled is not None else []
    if args.inputs:
        check_paths(args.inputs)
        if section:
            notes.append("reading the files given; the configuration's input section is not used")
        return list(args.inputs)
    if not section:
        if compiled is not None:
            notes.append(f"the configuration has no input section: reading the sample logs {DEFAULT_SAMPLES}")
        return [str(DEFAULT_SAMPLES)]
    found: list[Any] = []
    errors: list[str] = []
    for plugin in section:
        try:
            found.extend(_runnable_input(plugin, notes))
        except ConfigError as exc:
            errors.append(str(exc))
    if errors:
        raise ConfigError("\n".join(errors))
    return found


def _runnable_input(plugin: CompiledPlugin, notes: list[str]) -> list[Any]:
    node, settings = plugin.node, plugin.instance
    where = node.position
    if isinstance(settings, StdinInput):
        _refuse_unimplemented(settings, node)
        return [("-", _codec_format(settings, node))]
    if not isinstance(settings, FileInput):
        raise ConfigError(
            f"input {node.name} is not runnable by `run` yet (only file in read mode and stdin are); "
            "give log files as arguments to read them instead",
            position=where,
        )
    if settings.mode != "read":
        raise ConfigError(
            f"input file: mode '{settings.mode}' (following files as they grow) is not runnable by `run` yet; "
            'set mode => "read" to read the files whole',
            position=where,
        )
    _refuse_unimplemented(settings, node)
    fmt = _codec_format(settings, node)
    if settings.file_completed_action != "log":
        notes.append(f"input file at {where}: file_completed_action '{settings.file_completed_action}' is not "
                     "implemented by `run`: files are left in place")
    paths: list[str] = []
    for pattern in settings.path:
        matched = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        matched = [p for p in matched if not any(fnmatch.fnmatch(os.path.basename(p), x) for x in settings.exclude)]
        if not matched and os.path.isdir(pattern):
            raise ConfigError(f"input file: path '{pattern}' is a directory; name the files in it ('{pattern}/*.log')", position=where)
        if not matched:
            raise ConfigError(f"input file: path '{pattern}' matches no file", position=where)
        paths.extend(p for p in matched if p not in paths)
    record = _offsets_record(settings, where)
    return [(p, fmt, record) for p in paths] if record is not None else [(p, fmt) for p in paths]


DEFAULT_SINCEDB_DIR = "out/sincedb"  # beside the default dead letter queue (out/dead_letter_queue)


def _offsets_record(settings: FileInput, where: Any) -> OffsetsRecord | None:
    """The file input's offsets record (Logstash's `sincedb_path`; default: one per set of path
    patterns under `DEFAULT_SINCEDB_DIR`); none for "/dev/null", as in Logstash."""
    path = settings.sincedb_path
    if path == NO_RECORD:
        return None
    if path is None:
        digest = hashlib.md5("\0".join(settings.path).encode()).hexdigest()[:16]
        path = os.path.join(DEFAULT_SINCEDB_DIR, f"file-{digest}.json")
    try:
        return OffsetsRecord(path)
    except ConfigError as exc:
        raise ConfigError(f"input file: sincedb_path: {exc.message}", position=where) from None


def _refuse_unimplemented(settings: Any, node: Any) -> None:
    for option in ("tags", "type", "add_field"):
        if getattr(settings, option):
            raise ConfigError(f"input {node.name}: option '{option}' is not implemented by `run` yet", position=node.position)


def _codec_format(settings: Any, node: Any) -> str:
    codec = settings.codec
    name = next(iter(codec)) if isinstance(codec, dict) and len(codec) == 1 else codec
    if name not in _INPUT_CODECS:
        raise ConfigError(f"input {node.name}: codec {name!r} is not supported by `run`; use plain, json or json_lines "
                          "(or none: container log formats are detected per line)", position=node.position)
    return _INPUT_CODECS[name]


def _outputs(args: argparse.Namespace, compiled: Any, dead_letters: DeadLetterQueue, stack: ExitStack, notes: list[str]) -> tuple[Router, list[str]]:
    """The outputs to write to: `-o`, else the configuration's output section, else the default NDJSON file."""
    section = compiled.outputs if compiled is not None else ()
    if args.output is None and section:
        errors: list[str] = []

        def build(plugin: CompiledPlugin) -> Any:
            node, settings = plugin.node, plugin.instance
            plugin_id = settings.id or f"{node.name}@{node.position.line}:{node.position.column}"
            if not callable(getattr(settings, "build", None)):
                errors.append(str(ConfigError(f"output {node.name} is not available in this build", position=node.position)))
                return None
            try:
                sink = settings.build(SinkContext(dead_letters, plugin_id))
            except ConfigError as exc:
                errors.append(str(exc.at(node.position)))
                return None
            stack.callback(sink.close)
            return sink

        router = compile_routes(section, build)
        if errors:
            raise ConfigError("\n".join(errors))
        return router, []
    if args.output is not None and section:
        notes.append(f"writing NDJSON to {args.output}; the configuration's output section is not used")
    target = args.output or DEFAULT_OUTPUT
    if target == "-":
        return Router([NdjsonSink(sys.stdout.buffer, "-o -")], (0,)), []
    stream = stack.enter_context(_opened(f"output {target}", _create, target))
    return Router([NdjsonSink(stream, f"-o {target}")], (0,)), [f"events: {target}"]
