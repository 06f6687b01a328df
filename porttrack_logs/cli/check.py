"""`porttrack-logs check -f PATH`: load, validate and lint a pipeline without running it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..pipeline import Pipeline
from ..pipeline.lint import lint


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check",
        help="validate a pipeline and warn about its traps (exit 0 when it loads, 1 when it does not)",
        description="Parse and compile a Logstash pipeline as `logstash --config.test_and_exit` does, "
        "then report what Logstash would run silently: captures that turn fields into arrays, conditions "
        "on fields nothing sets, unreachable branches, dates parsed without a timezone.",
    )
    parser.add_argument("-f", "--config", required=True, nargs="+", help="pipeline files or a directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when there are warnings too")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.config]
    pipeline = Pipeline.from_config(paths if len(paths) > 1 else paths[0])
    findings = lint(pipeline)
    for finding in findings:
        print(f"warning: {finding}", file=sys.stderr)
    print(
        f"Configuration OK: {len(pipeline.filters)} filters, {len(findings)} warning(s)",
        file=sys.stderr,
    )
    return 1 if args.strict and findings else 0
