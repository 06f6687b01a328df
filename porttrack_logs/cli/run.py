"""`porttrack-logs run`: a pipeline over container log files, events to NDJSON, a summary at the end."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from ..pipeline import BATCH_SIZE, Pipeline
from ..runtime.batch_job import run_batch, tune_gc_for_throughput
from ..sinks.dead_letter import DeadLetterQueue
from .defaults import DEFAULT_CONFIG, DEFAULT_SAMPLES


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run a pipeline's filters over log files (default: PortTrack's pipeline on the sample logs)",
        description="Run the filter section of a Logstash pipeline over container log files "
        "(Docker json-file, CRI, Filebeat NDJSON or plain lines) and write the events as NDJSON.",
    )
    parser.add_argument("inputs", nargs="*", metavar="FILE", help="log files, '-' for stdin (default: the sample logs)")
    parser.add_argument("-f", "--config", default=str(DEFAULT_CONFIG), help="pipeline file or directory (default: %(default)s)")
    parser.add_argument("-o", "--output", default="out/events.ndjson", help="NDJSON output file, '-' for stdout (default: %(default)s)")
    parser.add_argument("--dead-letters", default="out/dead_letter_queue", help="dead letter queue directory (default: %(default)s)")
    parser.add_argument("--format", default="auto", choices=["auto", "docker", "cri", "ndjson", "plain"], help="input format (default: detect per line)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="events per pipeline batch (default: %(default)s, as Logstash)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    pipeline = Pipeline.from_config(Path(args.config))
    tune_gc_for_throughput()
    inputs = args.inputs or [str(DEFAULT_SAMPLES)]
    with ExitStack() as stack:
        if args.output == "-":
            out = sys.stdout.buffer
        else:
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            out = stack.enter_context(open(args.output, "wb"))
        dead_letters = DeadLetterQueue(args.dead_letters)
        stack.callback(dead_letters.close)
        summary = run_batch(pipeline, inputs, out, dead_letters, fmt=args.format, batch_size=args.batch_size)
    print(f"pipeline {args.config} over {', '.join(inputs)}", file=sys.stderr)
    print(summary.render(), file=sys.stderr)
    if args.output != "-":
        print(f"events: {args.output}", file=sys.stderr)
    if summary.rejected:
        print(f"dead letters: {args.dead_letters}", file=sys.stderr)
    return 0
