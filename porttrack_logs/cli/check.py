"""`porttrack-logs check -f PATH`: load, validate and lint a pipeline without running it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError
from ..pipeline import Pipeline
from ..pipeline.compiler import plugins
from ..pipeline.lint import Finding, lint


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
    parser.add_argument(
        "--template", metavar="DIR",
        help="also run the pipeline over sample events and predict, offline, which documents Elasticsearch "
        "would reject under these index templates (component/*.json, index/*.json; e.g. index_templates); "
        "exit 1 when any would be",
    )
    parser.add_argument(
        "--es-major", type=int, choices=(8, 9), default=8,
        help="the Elasticsearch major to predict for with --template (default: %(default)s, PortTrack's cluster)",
    )
    parser.add_argument(
        "--sample", metavar="FILE", action="append",
        help="sample log file for --template (repeatable; default: every file in pipelines/samples/)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.config]
    pipeline = Pipeline.from_config(paths if len(paths) > 1 else paths[0])
    findings = lint(pipeline) + _input_warnings(pipeline)
    errors = [f for f in findings if f.error]
    findings = [f for f in findings if not f.error]
    for finding in errors:
        print(f"error: {finding}", file=sys.stderr)
    for finding in findings:
        print(f"warning: {finding}", file=sys.stderr)
    if errors:
        print(f"Configuration has {len(errors)} error(s), {len(findings)} warning(s)", file=sys.stderr)
        return 1
    if args.strict and findings:
        print(f"Configuration failed --strict: {len(pipeline.filters)} filters, {len(findings)} warning(s)", file=sys.stderr)
    else:
        print(f"Configuration OK: {len(pipeline.filters)} filters, {len(findings)} warning(s)", file=sys.stderr)
    if args.sample and args.template is None:
        raise ConfigError("--sample is read by --template: give the template directory too")
    if args.template is not None:
        rejected = _check_mappings(pipeline, args)
        if rejected:
            return 1
    return 1 if args.strict and findings else 0


def _input_warnings(pipeline: Pipeline) -> list[Finding]:
    """What an input's settings say about themselves (`warnings()`: the kafka input's ignored or
    surprising options), placed at the input."""
    found: list[Finding] = []
    for plugin in plugins(pipeline.compiled.inputs):
        warnings = getattr(plugin.instance, "warnings", None)
        if callable(warnings):
            found.extend(Finding(plugin.node.position, text) for text in warnings())
    return found


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it (shorter in findings)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check_mappings(pipeline: Pipeline, args: argparse.Namespace) -> int:
    """The --template part: findings on stderr, a summary line; returns how many documents would be rejected."""
    from ..templates import Mappings, check_pipeline, sample_events
    from .defaults import REPO_ROOT

    samples = args.sample or sorted(_shown(p) for p in (REPO_ROOT / "pipelines" / "samples").iterdir() if p.is_file())
    for sample in samples:
        if not Path(sample).is_file():
            raise ConfigError(f"--sample {sample}: no such file")
    report = check_pipeline(
        pipeline, sample_events(samples), Mappings.from_directory(args.template), major=args.es_major
    )
    total = len(report.documents)
    for finding in report.findings:
        print(finding.render(total), file=sys.stderr)
    for name in sorted(report.untemplated):
        print(f"warning: index {name} matches no index template in {args.template}: its mapping would be all dynamic", file=sys.stderr)
    for what in sorted(report.unchecked):
        print(f"note: not checked: {what}", file=sys.stderr)
    rejected = len(report.rejected)
    print(
        f"Mappings: {report.events_in} sample events, {total} documents, {rejected} would be rejected by Elasticsearch, "
        f"{report.dropped} dropped by filters, {report.failed} failed in filters (dead letter queue), "
        f"{report.undecodable} undecodable",
        file=sys.stderr,
    )
    return rejected
