"""`porttrack-logs dlq list|show|replay|purge|ship`: look into the dead letter queue, send it again, empty it,
or copy its records into Elasticsearch's dead-letter index for Kibana's dead-letter views."""

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

__all__ = ["register", "elasticsearch_sink", "FileTarget", "ship_document", "ship_id"]

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

    ship = with_dir(actions.add_parser(
        "ship",
        help="index every record into porttrack-deadletters-YYYY.MM.DD, for Kibana's dead-letter views",
        description="Put the porttrack-deadletters index template, then index each record (its time, reason, "
        "stage, plugin, place, status, error type; the original kept, not indexed) with a create action under "
        "an id made from the record's own bytes: shipping again, or after a replay renumbered the queue, adds "
        "nothing. The queue is left as it is. A record Elasticsearch refuses is named on stderr and the exit "
        "status is 1; shipping again sends it again and skips what is there.",
    ))
    ship.add_argument("--es", required=True, metavar="URL", help="Elasticsearch URL, e.g. http://127.0.0.1:9200")
    ship.add_argument("--replicas", type=int, default=1, metavar="N",
                      help="number_of_replicas of the dead-letter indices (default %(default)s; 0 on a single node)")
    ship.add_argument("--prefix", default="", help=argparse.SUPPRESS)  # tests: <prefix>porttrack-deadletters-*
    ship.set_defaults(handler=_one_line(handle_ship))


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


# -- ship ---------------------------------------------------------------------------------------
_SHIP_BATCH = 500


def ship_id(record: DeadLetter) -> str:
    """The record's document id: a digest of its framed line. The line is the record's own bytes, copied
    unchanged when a replay compacts the queue, so the id stays when its SEGMENT@OFFSET does not."""
    import hashlib

    return hashlib.blake2b(record.line, digest_size=16).hexdigest()


def ship_document(record: DeadLetter, queue: str) -> dict[str, Any]:
    """The dead-letter index's document for `record` (fields: `templates.deadletter_fields()`)."""
    document: dict[str, Any] = {
        "@timestamp": record.time or None,
        "reason": record.reason,
        "stage": record.stage or None,
        "plugin": record.plugin,
        "place": record.place or None,
        "status": record.status,
        "error_type": record.error_type,
        "index": record.index,
        "document_id": record.doc_id,
        "dlq": {"id": record.id, "queue": queue},
    }
    if record.original is not None:
        try:
            document["original"] = record.original.decode("utf-8")
        except UnicodeDecodeError:
            import base64

            document["original_base64"] = base64.b64encode(record.original).decode("ascii")
    if record.event is not None:
        document["event"] = record.event
    return {k: v for k, v in document.items() if v is not None}


def handle_ship(args: argparse.Namespace) -> int:
    import orjson

    from ..sinks.elasticsearch.client import connect
    from ..templates import deadletter_index, deadletter_template

    directory = _existing(args.dir)
    if args.replicas < 0:
        raise PortTrackError(f"--replicas must be 0 or more, not {args.replicas}")
    counts: Counter = Counter()
    failures: list[str] = []
    connection = connect(args.es)
    try:
        name, body = deadletter_template(args.prefix, replicas=args.replicas)
        connection.request("PUT", f"/_index_template/{name}", body=body)

        def send(batch: list[DeadLetter]) -> None:
            lines = bytearray()
            for record in batch:
                day = record.time[:10].replace("-", ".") if len(record.time) >= 10 else "undated"
                action = {"create": {"_index": deadletter_index(args.prefix, day), "_id": ship_id(record)}}
                lines += orjson.dumps(action) + b"\n" + orjson.dumps(ship_document(record, str(directory))) + b"\n"
            answer = connection.bulk(bytes(lines))
            for record, item in zip(batch, answer["items"]):
                result = item["create"]
                status = result.get("status", 0)
                if status in (200, 201):
                    counts["indexed"] += 1
                elif status == 409:
                    counts["already there"] += 1
                else:
                    counts["failed"] += 1
                    error = result.get("error") or {}
                    failures.append(f"{record.id}: {status} {error.get('type', '')}: {error.get('reason', '')}")

        batch: list[DeadLetter] = []
        for record in read(directory, _warn):
            batch.append(record)
            if len(batch) == _SHIP_BATCH:
                send(batch)
                batch = []
        if batch:
            send(batch)
    finally:
        connection.close()
    for line in failures:
        print(f"porttrack-logs: not shipped: {line}", file=sys.stderr)
    total = sum(counts.values())
    parts = ", ".join(f"{counts[k]} {k}" for k in ("indexed", "already there", "failed") if counts[k])
    print(f"shipped {total} records from {directory} to {args.prefix}porttrack-deadletters-*" + (f": {parts}" if parts else ""),
          file=sys.stderr)
    return 1 if counts["failed"] else 0
