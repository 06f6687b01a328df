"""`porttrack-logs reprocess`: a pipeline over archived container logs, on several processes, resumable."""

from __future__ import annotations

import argparse
import os
import sys

from pydantic import ValidationError

from ..errors import ConfigError
from ..pipeline import BATCH_SIZE
from ..runtime.reprocess import ReprocessOptions, reprocess
from .defaults import DEFAULT_CONFIG


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reprocess",
        help="rerun a pipeline over archived container logs into Elasticsearch or files, resumable",
        description="Run a pipeline's filters over archived container logs (globs, .gz, Docker json-file, CRI, "
        "Filebeat NDJSON or plain lines) to its outputs, on several processes, with a progress bar. An "
        "interrupted job started again resumes from its offsets record; document ids come from each file's "
        "content and byte offset, so reprocessing twice leaves one copy in Elasticsearch. The configuration's "
        "input section is not used.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="log files or globs ('**' recurses); quote globs")
    parser.add_argument("-f", "--config", default=str(DEFAULT_CONFIG), help="pipeline file or directory (default: PortTrack's, %(default)s)")
    parser.add_argument("--es", default=None, metavar="URL", help="Elasticsearch to write to: the hosts of the configuration's "
                        "elasticsearch outputs, or the only output when it has none")
    parser.add_argument("-o", "--output", default=None, metavar="FILE", help="write NDJSON here instead of the configuration's "
                        "outputs (one file per process, FILE-N, with more than one)")
    parser.add_argument("--processes", "-p", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes (default: the core count, %(default)s)")
    parser.add_argument("--offsets", default=None, metavar="FILE", help="the offsets record that makes a job resumable (default: one "
                        "per configuration, paths and destination, under out/reprocess/: the same job resumes, a changed pipeline starts afresh)")
    parser.add_argument("--dead-letters", default="out/dead_letter_queue", help="dead letter queue directory; each process writes "
                        "DIR/reprocess-N (default: %(default)s)")
    parser.add_argument("--format", default="auto", choices=["auto", "docker", "cri", "ndjson", "plain"], help="log format (default: detect per line)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="events per pipeline batch (default: %(default)s)")
    parser.add_argument("--progress", default="auto", choices=["auto", "bar", "plain", "off"],
                        help="a live bar on a terminal, else a plain line every --progress-interval seconds (default: %(default)s)")
    parser.add_argument("--progress-interval", type=float, default=10.0, metavar="SECONDS", help="between plain progress lines (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=5, metavar="N", help="parse-failure groups in the report (default: %(default)s)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        options = ReprocessOptions(
            paths=args.paths, config=args.config, es=args.es, output=args.output, processes=args.processes,
            offsets=args.offsets, dead_letters=args.dead_letters, format=args.format, batch_size=args.batch_size,
            progress=args.progress, progress_interval=args.progress_interval, samples=args.samples,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"--{'-'.join(str(p) for p in first['loc']).replace('_', '-')}: {first['msg']}") from None
    if options.es is not None and options.output is not None:
        raise ConfigError("give --es or -o, not both")
    report = reprocess(options, stream=sys.stderr)
    print(report.render(), file=sys.stderr)
    return 1 if report.failed else 0
