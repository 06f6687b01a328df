"""`porttrack-logs grok PATTERN [FILE|-]`: a grok debugger that says why a line does not match."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError, PortTrackError
from ..grok import Grok, build_patterns, explain
from ..codec import encode


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "grok",
        help="match a grok expression against lines and print the captures as JSON",
        description="Print one JSON object of captures per matching line. With --explain, each line "
        "that does not match says which %{...} element failed, at which column, and what the line "
        "had there.",
    )
    parser.add_argument("pattern", help="the grok expression, e.g. '%%{IP:[client][ip]} %%{WORD:verb}'")
    parser.add_argument("input", nargs="?", default="-", help="a file of lines, '-' for stdin (default)")
    parser.add_argument("--ecs", choices=["v1", "disabled"], default="v1", help="pattern bank (default: %(default)s)")
    parser.add_argument("--define", action="append", default=[], metavar="NAME=REGEX", help="an extra pattern (repeatable)")
    parser.add_argument("--patterns-dir", action="append", default=[], metavar="DIR", help="a directory of pattern files")
    parser.add_argument("--explain", action="store_true", help="say why each non-matching line fails")
    parser.set_defaults(handler=handle)


def _definitions(items: list[str]) -> dict[str, str]:
    definitions = {}
    for item in items:
        name, sep, regex = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--define {item!r}: expected NAME=REGEX")
        definitions[name] = regex
    return definitions


def handle(args: argparse.Namespace) -> int:
    patterns = build_patterns(args.ecs, _definitions(args.define), args.patterns_dir or None, "*")
    grok = Grok(args.pattern, args.ecs, patterns=patterns)
    if args.input == "-":
        stream = sys.stdin
    else:
        try:
            stream = open(args.input, encoding="utf-8", errors="replace")
        except OSError as exc:
            raise PortTrackError(f"input {args.input}: {exc.strerror.lower() if exc.strerror else exc}") from None
    out = sys.stdout
    matched = total = 0
    with stream:
        for number, raw in enumerate(stream, start=1):
            line = raw.rstrip("\r\n")
            total += 1
            captures = grok.match(line)
            if captures is not None:
                matched += 1
                out.write(encode(captures).decode() + "\n")
            elif args.explain:
                out.write(f"line {number}: {explain(grok, line, patterns)}\n")
    print(f"{matched} of {total} lines matched", file=sys.stderr)
    return 0 if matched or not total else 1
