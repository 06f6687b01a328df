"""`porttrack-logs reference [-o FILE]`: the configuration reference, generated from the plugins' option models.

Every filter, input and output the configuration language accepts, with each option's type, default and
meaning (the model field's description, else `_option_meanings.MEANINGS`), the options every plugin of a
kind shares, the Logstash options that are refused because porttrack-logs does not implement them, and the
codecs. `docs/reference.md` is this command's output; a test fails when it is stale.
"""

from __future__ import annotations

import argparse
import json
import types
import typing
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ._option_meanings import MEANINGS, SUMMARIES
from .defaults import REPO_ROOT

__all__ = ["register", "render", "DEFAULT_PATH", "MissingMeaning"]

DEFAULT_PATH = REPO_ROOT / "docs" / "reference.md"

_CODEC_MEANINGS = {
    "charset": "character set of the text",
    "ecs_compatibility": "which field names the codec writes",
    "target": "field the decoded object goes under (default: the event's root)",
    "delimiter": "what ends a record",
    "decode_size_limit_bytes": "longest record decoded, in bytes",
    "format": "a sprintf template the event is written as",
    "metadata": "show @metadata too",
}


class MissingMeaning(Exception):
    """An option with neither a field description nor a line in MEANINGS (add one)."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reference",
        help="write the configuration reference (every plugin and option) as Markdown",
        description="The configuration reference, generated from the plugins' option models: "
        "docs/reference.md is this command's output.",
    )
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=f"write to FILE (e.g. {DEFAULT_PATH.relative_to(REPO_ROOT)}); default: standard output")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import sys

    text = render()
    if args.output is None:
        sys.stdout.write(text)
    else:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"{path}: configuration reference written", file=sys.stderr)
    return 0


# -- types and defaults, in the configuration language's words ------------------------------------
def _type(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, types.UnionType):
        kinds = [_type(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(kinds))
    if origin is Literal:
        return "one of " + ", ".join(json.dumps(a) if isinstance(a, str) else str(a).lower() for a in args)
    if origin is list or annotation is list:
        inner = _type(args[0]) if args else "value"
        return "array" if inner in ("value", "any") else f"array of {inner}s"
    if origin is dict or annotation is dict:
        return "hash"
    if annotation is str:
        return "string"
    if annotation is bool:
        return "boolean"
    if annotation in (int, float):
        return "number"
    if isinstance(annotation, type) and annotation.__name__ == "CodecSettings":
        return "codec"
    return "value"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_value(k)} => {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseModel) and hasattr(value, "name"):
        return str(value.name)
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default is PydanticUndefined else field.default  # type: ignore[call-arg,misc]
    if value is None:
        return "none"
    text = _value(value)
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- the document ---------------------------------------------------------------------------------
def _options(model: type[BaseModel], key: str, skip: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """Table rows for `model`'s options (`key` "filter grok"), and the options lacking a meaning."""
    rows, missing = [], []
    skipped = set(skip)
    for name, field in model.model_fields.items():
        option = field.alias or name
        if option in skipped:
            continue
        meaning = field.description or MEANINGS.get(f"{key}.{option}")
        if not meaning:
            missing.append(f"{key}.{option}")
            continue
        rows.append(f"| `{option}` | {_cell(_type(field.annotation))} | {_cell(_default(field))} | {_cell(meaning)} |")
    return rows, missing


def _table(rows: list[str]) -> list[str]:
    if not rows:
        return ["No options of its own.", ""]
    return ["| option | type | default | meaning |", "| --- | --- | --- | --- |", *rows, ""]


def _shared(model: type[BaseModel], sub: type[BaseModel]) -> set[str]:
    """The options `sub` takes from `model` unchanged (listed once, under the kind's common options)."""
    out = set()
    for name, field in model.model_fields.items():
        mine = sub.model_fields.get(name)
        if mine is not None and mine.annotation == field.annotation and mine.default == field.default:
            out.add(field.alias or name)
    return out


def _refused(label: str, model: type[BaseModel]) -> list[str]:
    from .._options import NOT_IMPLEMENTED, ignored_reason

    lines = []
    have = {f.alias or n for n, f in model.model_fields.items()}
    refused = sorted(NOT_IMPLEMENTED.get(label, frozenset()) - have)
    reasons: dict[str, str] = {}
    if label == "output elasticsearch":
        from ..sinks.elasticsearch.config import UNSUPPORTED

        reasons = dict(UNSUPPORTED)
        refused = sorted(set(refused) | set(UNSUPPORTED))
    if refused:
        lines.append("Refused at start-up as *a Logstash option porttrack-logs does not implement*:")
        lines.append("")
        for option in refused:
            why = reasons.get(option)
            lines.append(f"- `{option}`" + (f": {why}" if why else ""))
        lines.append("")
    ignored = [o for o in sorted(have) if ignored_reason(label, o)]
    if ignored:
        lines.append("Accepted, with no effect here (`check` warns when one is set):")
        lines.append("")
        lines.extend(f"- `{o}`: {ignored_reason(label, o)}" for o in ignored)
        lines.append("")
    return lines


def render() -> str:
    """The whole reference as Markdown. Raises `MissingMeaning` naming every option without a meaning."""
    from ..filters import FILTERS, filter_class
    from ..filters import CANNOT_RUN
    from ..filters.base import FilterOptions
    from ..sinks.settings import OUTPUTS, OutputSettings
    from ..sources.settings import INPUTS, InputSettings
    from .._options import CODECS, MISSING_CODECS

    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `porttrack-logs reference -o docs/reference.md` from the plugins' option models; "
        "do not edit (tests/cli/test_reference.py fails when this file is stale). -->",
        "",
        "Every plugin a pipeline may name, with each option's type, default and meaning. Values are written "
        "as in Logstash's configuration language; a scalar option also takes a one-element array, and a "
        "hash option an even-length array (`[k1, v1, k2, v2]`), as Logstash coerces them. An option no "
        "plugin model names is refused at start-up with its file:line:col, never ignored.",
        "",
        "- [Filters](#filters): " + ", ".join(f"[{n}](#filter-{n.replace('_', '-')})" for n in FILTERS),
        "- [Inputs](#inputs): " + ", ".join(f"[{n}](#input-{n})" for n in INPUTS),
        "- [Outputs](#outputs): " + ", ".join(f"[{n}](#output-{n})" for n in OUTPUTS),
        "- [Codecs](#codecs)",
        "",
    ]
    missing: list[str] = []
    kinds = [
        ("filter", "Filters", FilterOptions, [(n, filter_class(n).Options) for n in FILTERS]),
        ("input", "Inputs", InputSettings, list(INPUTS.items())),
        ("output", "Outputs", OutputSettings, list(OUTPUTS.items())),
    ]
    for kind, title, base, plugins in kinds:
        out += [f"## {title}", "", f"### Common options of every {kind}", ""]
        rows, lacking = _options(base, f"{kind} common")
        missing += lacking
        out += _table(rows)
        if kind == "filter":
            out += [f"Filters that cannot run here: " + "; ".join(f"`{n}`: {why}" for n, why in CANNOT_RUN.items()) + ".", ""]
        for name, model in plugins:
            out += [f"### {kind} {name}", ""]
            line = SUMMARIES.get(f"{kind} {name}")
            if not line:
                missing.append(f"{kind} {name} (its one-line summary)")
            else:
                out += [line, ""]
            rows, lacking = _options(model, f"{kind} {name}", skip=_shared(base, model))
            missing += lacking
            out += _table(rows)
            out += _refused(f"{kind} {name}", model)
    out += ["## Codecs", "", "`codec => NAME` or `codec => NAME { option => value }`.", ""]
    for name, model in CODECS.items():
        rows = [
            f"| `{f.alias or n}` | {_cell(_type(f.annotation))} | {_cell(_default(f))} | {_CODEC_MEANINGS.get(f.alias or n, '')} |"
            for n, f in model.model_fields.items()
        ]
        missing += [f"codec {name}.{f.alias or n}" for n, f in model.model_fields.items() if (f.alias or n) not in _CODEC_MEANINGS]
        out += [f"### codec {name}", "", *_table(rows)]
    out += ["Logstash codecs porttrack-logs does not implement (a clear error at start-up): "
            + ", ".join(f"`{c}`" for c in sorted(MISSING_CODECS)) + ".", ""]
    if missing:
        raise MissingMeaning("options without a meaning (give the model field a description, or add a line to "
                             "porttrack_logs/cli/_option_meanings.py): " + ", ".join(missing))
    return "\n".join(out).rstrip("\n") + "\n"
