"""`porttrack-logs dlq list|show|replay|purge`: look into the dead letter queue, send it again, empty it."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO, Callable, Sequence

from ..codec import encode_event
from ..errors import ConfigError, PortTrackError
from ..event import Event
from ..sinks.base import Outcome
from ..sinks.dead_letter import Damage, DeadLetter, DeadLetterQueue, parse_id, read, replay
from ..sinks.settings import ElasticsearchOutput, FileOutput, StdoutOutput

__all__ = ["register", "elasticsearch_sink", "FileTarget"]

DEFAULT_DIR = "out/dead_letter_queue"
_REASON_WIDTH = 60


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "dlq",
        help="list, show, replay or purge the dead letter queue",
        description="The dead letter queue: what could not be decoded, filtered or delivered, with the reason.",
    )
    actions = parser.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")

    def with_dir(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--dir", default=DEFAULT_DIR, help="the queue's directory (default: %(default)s)")
        return sub

    listing = with_dir(actions.add_parser("list", help="one line a record, then counts by stage and status"))
    listing.set_defaults(handler=_one_line(handle_list))

    show = with_dir(actions.add_parser("show", help="one record in full, as JSON"))
    show.add_argument("id", metavar="ID", help="the record's id as `list` prints it (SEGMENT@OFFSET)")
    show.set_defaults(handler=_one_line(handle_show))

    again = with_dir(actions.add_parser(
        "replay",
        help="send the records again (through a pipeline first with -f); keep only what is still rejected",
        description="Send every record again: with -f, its original input through the pipeline's filters "
        "(e.g. after a grok fix); without, the event as an output rejected it (e.g. after a template fix). "
        "Outputs: --to-file, --es, or the pipeline's output section. Only what is rejected again stays.",
    ))
    again.add_argument("-f", "--config", help="pipeline file or directory whose filters (and outputs) to run")
    again.add_argument("--format", default="auto", choices=["auto", "docker", "cri", "ndjson", "plain"],
                       help="how to decode the original input before the pipeline (default: as the source did, detected per line)")
    target = again.add_mutually_exclusive_group()
    target.add_argument("--to-file", metavar="PATH", help="append what is delivered to PATH as NDJSON")
    target.add_argument("--es", metavar="URL", help="send to this Elasticsearch")
    again.add_argument("--index", help="with --es: the index (sprintf; default: the output's default)")
    again.set_defaults(handler=_one_line(handle_replay))

    purge = with_dir(actions.add_parser("purge", help="remove every record"))
    purge.add_argument("--yes", action="store_true", help="do not ask")
    purge.set_defaults(handler=_one_line(handle_purge))


def _one_line(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """An operating-system error (a permission, a full disk) as one line naming the path, exit 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except OSError as exc:
            where = exc.filename or getattr(args, "dir", "")
            raise PortTrackError(f"{where}: {exc.strerror or exc}") from None

    return run


def _warn(damage: Damage) -> None:
    print(f"porttrack-logs: warning: {damage}", file=sys.stderr)


def _existing(directory: str) -> Path:
    path = Path(directory)
    if not path.is_dir():
        what = "is a file, not a queue directory" if path.exists() else "no such directory"
        raise PortTrackError(f"{path}: no dead letter queue here ({what})")
    return path


def _out(text: str) -> None:
    """Print a line of record text: a lone surrogate from the input is escaped, never an encoding error."""
    sys.stdout.buffer.write(text.encode("utf-8", "backslashreplace") + b"\n")


def _cell(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def handle_list(args: argparse.Namespace) -> int:
    directory = _existing(args.dir)
    by_stage: Counter = Counter()
    by_status: Counter = Counter()
    total = size = 0
    for record in read(directory, _warn):
        total += 1
        size += record.size
        by_stage[record.stage or "-"] += 1
        by_status[_cell(record.status)] += 1
        _out("  ".join([
            f"{record.id:<12}", record.time, f"{record.stage:<8}", f"{_cell(record.plugin):<20}",
            f"{_cell(record.status):>3}", f"{_cell(record.error_type):<28}",
            f"{_cut(record.reason, _REASON_WIDTH):<{_REASON_WIDTH}}", _cell(record.place),
        ]))
    summary = f"{total} records, {size} bytes in {directory}"
    if total:
        summary += "; by stage: " + ", ".join(f"{k} {v}" for k, v in sorted(by_stage.items()))
        summary += "; by status: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items()))
    _out(summary)
    sys.stdout.flush()
    return 0


def handle_show(args: argparse.Namespace) -> int:
    directory = _existing(args.dir)
    try:
        parse_id(args.id)
    except ValueError as exc:
        raise PortTrackError(f"{directory}: {exc}") from None
    wanted = "{}@{}".format(*parse_id(args.id))
    for record in read(directory, _warn):
        if record.id == wanted:
            _out(json.dumps(record.to_dict(), indent=2, ensure_ascii=False))
            return 0
    raise PortTrackError(f"{directory}: no record {args.id} (ids are SEGMENT@OFFSET as `porttrack-logs dlq list` prints them; "
                         "a replay or removal renumbers them)")


def handle_purge(args: argparse.Namespace) -> int:
    directory = _existing(args.dir)
    if not args.yes and sys.stdin.isatty():
        count = sum(1 for _ in read(directory, _warn))
        answer = input(f"remove all {count} records of {directory}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed", file=sys.stderr)
            return 1
    with DeadLetterQueue(directory) as queue:
        records = sum(1 for _ in queue.read(_warn))
        freed = queue.purge()
    print(f"removed {records} records ({freed} bytes) from {directory}", file=sys.stderr)
    return 0


# -- replay ------------------------------------------------------------------------------------
class FileTarget:
    """A sink of our interface that appends events as NDJSON to a file (or stdout), fsynced per batch."""

    __slots__ = ("name", "_stream", "_owned")

    def __init__(self, path: str | None) -> None:
        self.name = f"file {path}" if path else "stdout"
        if path is None:
            self._stream: BinaryIO = sys.stdout.buffer
            self._owned = False
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._stream = open(path, "ab")
            self._owned = True

    def write(self, events: Sequence[Event]) -> list[Outcome]:
        if events:
            self._stream.write(b"".join(encode_event(e) + b"\n" for e in events))
            self._stream.flush()
            if self._owned:
                os.fsync(self._stream.fileno())
        return [Outcome.INDEXED] * len(events)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def elasticsearch_sink(settings: ElasticsearchOutput, queue: DeadLetterQueue, plugin_id: str) -> Any:
    """The Elasticsearch output for `settings`, its rejections back into `queue` (so a replay that is
    refused again leaves one record, with the new reason)."""
    from ..sinks.base import SinkContext

    return settings.build(SinkContext(dead_letters=queue, plugin_id=plugin_id))


def _sinks(args: argparse.Namespace, pipeline: Any, queue: DeadLetterQueue) -> list[Any]:
    if args.to_file:
        return [FileTarget(args.to_file)]
    if args.es:
        options: dict[str, Any] = {"hosts": [args.es]}
        if args.index:
            options["index"] = args.index
        return [elasticsearch_sink(ElasticsearchOutput(**options), queue, f"elasticsearch {args.es}")]
    if args.index:
        raise PortTrackError("--index goes with --es URL")
    if pipeline is None:
        raise PortTrackError("replay needs somewhere to send: --to-file PATH, --es URL, or -f PIPELINE with an output section")
    from ..pipeline.compiler import CompiledPlugin

    sinks: list[Any] = []
    for node in pipeline.compiled.outputs:
        if not isinstance(node, CompiledPlugin):
            raise ConfigError(f"{args.config}:{node.node.position.line}:{node.node.position.column}: replay sends to "
                              "unconditional outputs only; use --to-file or --es, or take the conditional out")
        settings, where = node.instance, f"{node.node.name}@{node.node.position.line}:{node.node.position.column}"
        if isinstance(settings, FileOutput):
            if "%{" in settings.path:
                raise ConfigError(f"{args.config}: {where}: replay writes to a fixed path only, not {settings.path!r}")
            sinks.append(FileTarget(settings.path))
        elif isinstance(settings, StdoutOutput):
            sinks.append(FileTarget(None))
        elif isinstance(settings, ElasticsearchOutput):
            sinks.append(elasticsearch_sink(settings, queue, settings.id or where))
        else:
            raise ConfigError(f"{args.config}: {where}: replay cannot send to a {node.node.name} output")
    if not sinks:
        raise ConfigError(f"{args.config}: no output section; replay needs --to-file PATH or --es URL")
    return sinks


def _fan_out(sinks: list[Any]) -> Callable[[Sequence[Event]], list[Outcome]]:
    """One write over every output: an event is delivered when every output took it."""
    if len(sinks) == 1:
        return sinks[0].write

    def write(events: Sequence[Event]) -> list[Outcome]:
        worst = [Outcome.INDEXED] * len(events)
        for sink in sinks:
            for i, outcome in enumerate(sink.write(events)):
                worst[i] = max(worst[i], outcome)
        return worst

    return write


def _decoder(fmt: str) -> Callable[[bytes, DeadLetter], Event]:
    """Decode an original input as the container-file source does (`--format`)."""
    import io
    import re

    from ..sinks.base import provenance
    from ..sources.container_files import Rejected, decode_lines

    place = re.compile(r"^(.*)@(\d+)$")

    def decode(original: bytes, record: DeadLetter) -> Event:
        match = place.match(record.place)
        source, offset = (match.group(1), int(match.group(2))) if match else (record.place or "<replay>", 0)
        decoded = list(decode_lines(io.BytesIO(original + b"\n"), source, fmt))  # type: ignore[arg-type]
        if len(decoded) != 1:
            raise ValueError(f"the original input decodes to {len(decoded)} records, not one")
        [item] = decoded
        if isinstance(item, Rejected):
            raise ValueError(item.reason)
        if match and isinstance(item.get("[log][offset]"), int):
            item.set("[log][offset]", offset)  # decoded alone, the line sits at 0: put it back at its place
        info = provenance(item)  # the record's own place and id, not those of a one-line stream
        info["place"] = record.place
        if record.doc_id:
            info["id"] = record.doc_id
        return item

    return decode


def handle_replay(args: argparse.Namespace) -> int:
    directory = _existing(args.dir)
    pipeline = None
    if args.config:
        from ..pipeline import Pipeline

        pipeline = Pipeline.from_config(Path(args.config))
    with DeadLetterQueue(directory) as queue:
        sinks = _sinks(args, pipeline, queue)
        try:
            summary = replay(queue, _fan_out(sinks), pipeline=pipeline, decode=_decoder(args.format), on_damage=_warn)
        finally:
            for sink in sinks:
                sink.close()
    print(summary.render(), file=sys.stderr)
    return 0
