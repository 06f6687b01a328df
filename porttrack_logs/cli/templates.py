"""`porttrack-logs templates install|export`: PortTrack's index templates onto a cluster, or into files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..templates import export, install
from .defaults import REPO_ROOT


def _replicas(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "templates",
        help="install PortTrack's index templates on Elasticsearch, or write them as files",
        description="PortTrack's component templates, composable index template and ILM policy, "
        "all generated from one field list (porttrack_logs.templates.fields()).",
    )
    actions = parser.add_subparsers(dest="templates_command", required=True, metavar="ACTION")
    put = actions.add_parser(
        "install",
        help="put the templates on a cluster, changing only what differs, and print what changed",
        description="Compare each template with what the cluster holds and create or update only what differs. "
        "The ILM policy is installed where the cluster has ILM, skipped (and said so) where it has none.",
    )
    put.add_argument("--es", required=True, metavar="URL", help="Elasticsearch URL, e.g. http://127.0.0.1:9200")
    put.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    put.add_argument(
        "--replicas", type=_replicas, metavar="N",
        help="number_of_replicas of new indices (default 1; use 0 on a single-node cluster)",
    )
    put.add_argument(
        "--keep-existing", action="store_true",
        help="leave a template that exists but differs as it is (what manage_template does without template_overwrite)",
    )
    put.add_argument("--prefix", default="", help=argparse.SUPPRESS)  # tests: <prefix>porttrack-logs-*
    put.set_defaults(handler=handle_install)
    out = actions.add_parser("export", help="write the template files (default: index_templates/ of the checkout)")
    out.add_argument("directory", nargs="?", default=str(REPO_ROOT / "index_templates"), help="target directory")
    out.set_defaults(handler=handle_export)


def handle_install(args: argparse.Namespace) -> int:
    from ..sinks.elasticsearch.client import connect  # the client is imported only by the command that uses it

    connection = connect(args.es)
    try:
        lines = install(
            connection,
            overwrite=not args.keep_existing,
            dry_run=args.dry_run,
            replicas=args.replicas,
            prefix=args.prefix,
        )
    finally:
        connection.close()
    for line in lines:
        print(line)
    return 0


def handle_export(args: argparse.Namespace) -> int:
    for path in export(Path(args.directory)):
        print(path, file=sys.stderr)
    return 0
