"""`porttrack-logs kibana export|import`: PortTrack's saved Kibana views as import NDJSON, or onto a Kibana."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..kibana import TARGETS, ImportSettings, KibanaError, default_path, import_ndjson, render

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "kibana",
        help="write PortTrack's saved Kibana views (data view, searches, Lens, dashboard) or import them",
        description="PortTrack's saved Kibana views, generated from one description checked against the "
        "index templates' field list: a data view over porttrack-logs-*, the Alerts and Parse failures "
        "searches, Lens charts and a dashboard holding them.",
    )
    actions = parser.add_subparsers(dest="kibana_command", required=True, metavar="ACTION")

    out = actions.add_parser(
        "export",
        help="write the import NDJSON (default: both kibana_exports/porttrack-<version>.ndjson of the checkout)",
    )
    out.add_argument("--version", choices=TARGETS, help="the Kibana line to write for (default: every line, each to its default file)")
    out.add_argument("-o", "--output", metavar="FILE", help="where to write it (needs --version); - for stdout")
    out.set_defaults(handler=handle_export)

    put = actions.add_parser(
        "import",
        help="POST the views to Kibana's saved objects import API (overwriting earlier copies)",
        description="Send the generated NDJSON to <URL>[/s/<space>]/api/saved_objects/_import?overwrite=true "
        "and print how many objects Kibana imported, and each it refused. Exit 1 when any was refused.",
    )
    put.add_argument("--kibana", required=True, metavar="URL", help="Kibana's base URL, e.g. http://127.0.0.1:5601")
    put.add_argument("--version", choices=TARGETS, default="9.x", help="the Kibana line it runs (default: %(default)s)")
    put.add_argument("--file", metavar="FILE", help="import this NDJSON instead of generating it")
    put.add_argument("--api-key", metavar="K", help="an API key (sent as Authorization: ApiKey K); default $KIBANA_API_KEY")
    put.add_argument("--user", metavar="U", help="basic auth user (with --password)")
    put.add_argument("--password", metavar="P", help="basic auth password; default $KIBANA_PASSWORD when --user is given")
    put.add_argument("--space", metavar="S", help="the Kibana space to import into (default: the default space)")
    put.set_defaults(handler=handle_import)


def handle_export(args: argparse.Namespace) -> int:
    if args.output is not None and args.version is None:
        raise KibanaError("kibana export: -o FILE writes one Kibana line: give --version 8.x or --version 9.x")
    if args.output == "-":
        sys.stdout.write(render(args.version))
        return 0
    for version in (args.version,) if args.version else TARGETS:
        path = Path(args.output) if args.output else default_path(version)
        text = render(version)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise KibanaError(f"{path}: cannot write: {exc.strerror or exc}") from None
        print(f"{path}: {len(text.splitlines())} saved objects for Kibana {version}", file=sys.stderr)
    return 0


def handle_import(args: argparse.Namespace) -> int:
    api_key = args.api_key if args.api_key is not None else (os.environ.get("KIBANA_API_KEY") if args.user is None else None)
    password = args.password
    if args.user is not None and password is None:
        password = os.environ.get("KIBANA_PASSWORD")
    settings = ImportSettings.parse(kibana=args.kibana, space=args.space, api_key=api_key, user=args.user, password=password)
    if args.file:
        path = Path(args.file)
        try:
            ndjson = path.read_bytes()
        except OSError as exc:
            raise KibanaError(f"{path}: cannot read: {exc.strerror or exc}") from None
        filename = path.name
    else:
        ndjson = render(args.version).encode("utf-8")
        filename = f"porttrack-{args.version}.ndjson"
    sent = sum(1 for line in ndjson.splitlines() if line.strip())
    result = import_ndjson(settings.build(), ndjson, filename)
    space = f" (space {args.space})" if args.space else ""
    print(f"successCount: {result.success_count} of {sent} saved objects imported into {settings.kibana}{space}")
    for line in result.error_lines():
        print(f"error: {line}", file=sys.stderr)
    if not result.success:
        print(f"porttrack-logs: kibana import failed: {len(result.errors)} saved objects refused", file=sys.stderr)
        return 1
    return 0
