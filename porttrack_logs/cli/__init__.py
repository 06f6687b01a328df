"""The `porttrack-logs` command: thin argument parsing over the library."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ..errors import PortTrackError
from . import check, dlq, grok, run, templates
from . import kibana
from . import reference
from . import reprocess

__all__ = ["main"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("porttrack-logs")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="porttrack-logs",
        description="Logstash pipelines, run in process: parse, check and run PortTrack's container logs.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.register(commands)
    check.register(commands)
    grok.register(commands)
    dlq.register(commands)
    templates.register(commands)
    kibana.register(commands)
    reference.register(commands)
    reprocess.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except PortTrackError as exc:
        print(f"porttrack-logs: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
