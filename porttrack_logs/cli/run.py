"""`porttrack-logs run`: a pipeline over its inputs to its outputs.

Without `-f`, PortTrack's embedded pipeline runs its filters over the files given (or standard
input) to NDJSON (`-o`). With `-f CONFIG`, the configuration's own inputs and outputs run: `file`
inputs in read mode, `stdin`, `beats` and `kafka`; `stdout`, `file` and `elasticsearch` outputs,
routed by the output section's conditionals. Files given as arguments replace its inputs, `-o` its
outputs. With a `beats` or `kafka` input it is the sidecar (`runtime.sidecar`: runs until SIGTERM,
acknowledges after delivery, `--workers`, `--http-port`); with file inputs only it ends with them
and prints a summary. An input or output that cannot run here is a start-up error at its
file:line:col, never a silent substitute.
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
from ..sources.settings import BeatsInput, FileInput, KafkaInput, StdinInput
from .defaults import DEFAULT_CONFIG

DEFAULT_OUTPUT = "out/events.ndjson"
_INPUT_CODECS = {None: "auto", "plain": "plain", "json": "ndjson", "json_lines": "ndjson"}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run a pipeline from its inputs to its outputs (default: PortTrack's pipeline, stdin to NDJSON)",
        description="Run a Logstash pipeline. Without -f: PortTrack's pipeline's filters over the FILEs given "
        "(Docker json-file, CRI, Filebeat NDJSON or plain lines), or standard input, to NDJSON. "
        "With -f: the configuration's inputs (file in read mode, stdin, beats, kafka) and outputs (stdout, file, "
        "elasticsearch, with the output section's conditionals); FILE arguments replace its inputs, -o its outputs. "
        "With a beats or kafka input it runs until SIGTERM/SIGINT, then drains, acknowledges and exits 0 "
        "(3: --shutdown-timeout passed, what was in flight not acknowledged; 4: an input or worker ended on its own).",
    )
    parser.add_argument("inputs", nargs="*", metavar="FILE", help="log files (.gz read decompressed), '-' for stdin")
    parser.add_argument("-f", "--config", default=None, help=f"pipeline file or directory (default: {DEFAULT_CONFIG}, its filters only)")
    parser.add_argument("-o", "--output", default=None, help=f"NDJSON output file, '-' for stdout (default without an output section: {DEFAULT_OUTPUT})")
    parser.add_argument("--dead-letters", default="out/dead_letter_queue", help="dead letter queue directory (default: %(default)s)")
    parser.add_argument("--format", default="auto", choices=["auto", "docker", "cri", "ndjson", "plain"], help="format of FILE arguments (default: detect per line)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="events per pipeline batch (default: %(default)s, as Logstash)")
    parser.add_argument("--ordered", choices=["true", "false"], default="true",
                        help="Logstash's pipeline.ordered: true keeps each batch in input order (default); false hands a "
                        "batch on branch by branch at each conditional, as Logstash's several workers do")
    parser.add_argument("-w", "--workers", default="1", metavar="N",
                        help="worker processes for beats/kafka inputs (Logstash's pipeline.workers), or 'auto' for one per "
                        "core (default: %(default)s); Kafka workers are consumers of one group, Beats workers share the port")
    parser.add_argument("--http-host", default="127.0.0.1", help="address of /metrics, /healthz, /readyz (default: %(default)s)")
    parser.add_argument("--http-port", type=int, default=None, help="port of /metrics, /healthz, /readyz (default: off; Logstash's API port is 9600)")
    parser.add_argument("--log-format", choices=["text", "json"], default="text", help="the sidecar's own logs on stderr (default: %(default)s)")
    parser.add_argument("--shutdown-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="on SIGTERM/SIGINT, how long to drain before giving up on what is in flight (default: %(default)s)")
    parser.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)  # set by the parent for its children
    parser.set_defaults(handler=handle)


class NetworkInput:
    """A beats or kafka input of the configuration: run by the sidecar (`runtime.sidecar`)."""

    __slots__ = ("plugin",)

    def __init__(self, plugin: CompiledPlugin) -> None:
        self.plugin = plugin


def _workers(text: str) -> int:
    if text == "auto":
        return os.cpu_count() or 1
    try:
        count = int(text)
    except ValueError:
        raise ConfigError(f"--workers {text!r}: give a number of processes or 'auto'") from None
    if count < 1:
        raise ConfigError(f"--workers {count}: at least 1")
    return count


def handle(args: argparse.Namespace) -> int:
    config = Path(args.config) if args.config else DEFAULT_CONFIG
    pipeline = Pipeline.from_config(config, ordered=args.ordered == "true")
    compiled = pipeline.compiled if args.config else None  # the embedded default runs its filters only
    notes: list[str] = []
    found = _inputs(args, compiled, notes)
    network = [i for i in found if isinstance(i, NetworkInput)]
    inputs = [i for i in found if not isinstance(i, NetworkInput)]
    workers = _workers(args.workers)
    if network:
        return handle_sidecar(args, pipeline, compiled, network, inputs, workers, notes)
    if workers > 1:
        raise ConfigError(f"--workers {workers}: worker processes run beats and kafka inputs; file and stdin inputs are read by one process")
    if args.http_port is not None:
        notes.append("--http-port: the endpoints are served by the sidecar (beats or kafka inputs), not by a run over files")
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


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):
        return False


def handle_sidecar(
    args: argparse.Namespace, pipeline: Pipeline, compiled: Any, network: list[NetworkInput], inputs: list[Any], workers: int, notes: list[str],
) -> int:
    """A configuration with beats or kafka inputs: the sidecar (or its supervisor, with --workers > 1)."""
    import logging

    from prometheus_client import CollectorRegistry

    from ..runtime.intake import FileFeed
    from ..runtime.logs import configure_logging
    from ..runtime.sidecar import SidecarOptions, run_sidecar
    from ..runtime.telemetry import Telemetry

    configure_logging(args.log_format, always=None if args.worker_index is None else {"worker": args.worker_index})
    log = logging.getLogger("porttrack_logs.cli.run")
    if args.shutdown_timeout <= 0:
        raise ConfigError(f"--shutdown-timeout {args.shutdown_timeout}: give a positive number of seconds")
    worker = args.worker_index
    if workers > 1 and worker is None:
        if inputs:
            raise ConfigError(f"--workers {workers}: this configuration has file or stdin inputs beside beats/kafka, which "
                              "every worker would read again; run the files in a separate `run` or use one worker")
        if args.output is not None:
            raise ConfigError(f"--workers {workers}: -o {args.output} cannot be written by several processes; use the configuration's outputs")
        from ..runtime.workers import supervise

        for note in notes:
            log.info(note)
        return supervise(_child_arguments(args), workers, dead_letters=args.dead_letters, http_host=args.http_host,
                         http_port=args.http_port, shutdown_timeout=args.shutdown_timeout)
    for note in notes:
        log.info(note)
    telemetry = Telemetry(CollectorRegistry())
    if worker is not None and os.environ.get("PORTTRACK_STATUS_DIR"):
        telemetry.health.worker = worker
        telemetry.health.status_path = Path(os.environ["PORTTRACK_STATUS_DIR"]) / f"worker-{worker}.json"
    with ExitStack() as stack:
        dead_letters = _opened(f"dead letter queue {args.dead_letters}", DeadLetterQueue, args.dead_letters)
        stack.callback(dead_letters.close)
        router, _ = _outputs(args, compiled, dead_letters, stack, [], telemetry.registry)
        sources: list[Any] = []
        errors: list[str] = []
        for item in network:
            try:
                sources.extend(_network_sources(item.plugin, telemetry.registry, reuse_port=worker is not None))
            except ConfigError as exc:
                errors.append(str(exc.at(item.plugin.node.position)))
        if errors:
            raise ConfigError("\n".join(errors))
        on_done = None
        if inputs:  # read on a thread of their own; their positions come back to their offsets records
            files = read_paths(list(inputs), args.format, args.batch_size)
            stack.callback(files.close)
            sources.append(FileFeed("files", lambda: files))
            on_done = files.on_done
        tune_gc_for_throughput()
        options = SidecarOptions(
            shutdown_timeout=args.shutdown_timeout, http_host=args.http_host, http_port=args.http_port if worker is None else None,
            batch_size=args.batch_size,
        )
        return run_sidecar(pipeline, sources, router, dead_letters, telemetry, options, on_done=on_done)


def _network_sources(plugin: CompiledPlugin, registry: Any, *, reuse_port: bool) -> list[Any]:
    """The running sources of one beats or kafka input: one per `consumer_threads` for kafka (members
    of the same group in this process), one server for beats (sharing its port when a worker)."""
    from ..sources.base import SourceContext

    node, settings = plugin.node, plugin.instance
    plugin_id = settings.id or f"{node.name}@{node.position.line}:{node.position.column}"
    if isinstance(settings, KafkaInput):
        count = settings.consumer_threads
        names = [plugin_id] if count == 1 else [f"{plugin_id}#{k + 1}" for k in range(count)]
        return [settings.build(SourceContext(name, registry)) for name in names]
    server = settings.build(SourceContext(plugin_id, registry))
    server.reuse_port = reuse_port
    server.source_metadata = _beats_enrich(settings, plugin_id)
    return [server]


_ENRICH = {"all", "none", "source_metadata", "codec_metadata", "ssl_peer_metadata"}


def _beats_enrich(settings: Any, plugin_id: str) -> str | None:
    """Logstash's beats `enrich`: `source_metadata` (in `all`, the default) puts the client's address in
    [@metadata]; codec_metadata and ssl_peer_metadata are not implemented: refused when asked for by
    name, said once in the log when they come with `all`."""
    import logging

    asked = [settings.enrich] if isinstance(settings.enrich, str) else list(settings.enrich)
    unknown = [a for a in asked if a not in _ENRICH]
    if unknown:
        raise ConfigError(f"enrich {unknown[0]!r} is none of {sorted(_ENRICH)}", option="enrich")
    missing = [a for a in asked if a in ("codec_metadata", "ssl_peer_metadata")]
    if missing:
        raise ConfigError(f"enrich => {missing[0]} is not implemented here; use source_metadata, all or none", option="enrich")
    if "none" in asked or not ({"all", "source_metadata"} & set(asked)):
        return None
    if "all" in asked:
        logging.getLogger("porttrack_logs.cli.run").info(
            "%s: enrich => all adds source_metadata; codec_metadata (codec tags) and ssl_peer_metadata are not implemented", plugin_id)
    return "legacy" if settings.ecs_compatibility == "disabled" else "ecs"


def _child_arguments(args: argparse.Namespace) -> list[str]:
    """A worker's `run` arguments: the parent's, without what the parent keeps (workers, HTTP)."""
    child = ["-f", args.config, "--log-format", args.log_format, "--shutdown-timeout", str(args.shutdown_timeout),
             "--batch-size", str(args.batch_size), "--format", args.format, "--ordered", args.ordered]
    return child


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
            notes.append("the configuration has no input section: reading standard input")
        if _interactive():
            notes.append("reading log lines from standard input (end with Ctrl-D); give files as arguments to read them")
        return ["-"]
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
    if isinstance(settings, (BeatsInput, KafkaInput)):
        _refuse_unimplemented(settings, node)
        return [NetworkInput(plugin)]
    if not isinstance(settings, FileInput):
        raise ConfigError(
            f"input {node.name} is not runnable by `run` (file in read mode, stdin, beats and kafka are); "
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


def _outputs(
    args: argparse.Namespace, compiled: Any, dead_letters: DeadLetterQueue, stack: ExitStack, notes: list[str], registry: Any = None,
) -> tuple[Router, list[str]]:
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
                sink = settings.build(SinkContext(dead_letters, plugin_id, registry))
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
