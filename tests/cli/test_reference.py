"""docs/reference.md is `porttrack-logs reference`'s output today, lists every option of every plugin's model
with its type and default, and names the Logstash options that are refused as not implemented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from porttrack_logs.cli import _option_meanings, reference
from porttrack_logs.errors import ConfigError
from porttrack_logs.filters import FILTERS, filter_class
from porttrack_logs.filters.base import FilterOptions
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.sinks.settings import OUTPUTS, OutputSettings
from porttrack_logs.sources.settings import INPUTS, InputSettings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reference.md"


def _sections(text: str) -> dict[str, dict[str, list[str]]]:
    """'### <title>' -> option -> its table cells (type, default, meaning)."""
    out: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("### "):
            current = out.setdefault(line[4:], {})
        elif current is not None and line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            current[cells[0].strip("`")] = cells[1:]
    return out


def test_the_committed_reference_is_what_the_generator_writes():
    """docs/reference.md is stale as soon as an option changes: regenerate with
    `porttrack-logs reference -o docs/reference.md`."""
    assert DOC.read_text(encoding="utf-8") == reference.render()


def test_the_command_prints_the_reference():
    """`porttrack-logs reference` writes the same Markdown to standard output."""
    done = subprocess.run([sys.executable, "-m", "porttrack_logs.cli", "reference"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == DOC.read_text(encoding="utf-8")


def _expect(section: dict[str, list[str]], model, shared: set[str]) -> None:
    for name, field in model.model_fields.items():
        option = field.alias or name
        if option in shared:
            continue
        assert option in section, option
        kind, default, meaning = section[option]
        assert kind and meaning, option
        required = field.is_required()
        assert (default == "**required**") == required, (option, default)


@pytest.mark.parametrize("kind, base, plugins", [
    ("filter", FilterOptions, {n: filter_class(n).Options for n in FILTERS}),
    ("input", InputSettings, INPUTS),
    ("output", OutputSettings, OUTPUTS),
])
def test_every_option_of_every_plugin_is_listed_with_a_type_a_default_and_a_meaning(kind, base, plugins):
    """Each registered plugin has a section; each option of its model is a row there (the options shared
    with every plugin of the kind are rows of the common section), required ones marked so."""
    sections = _sections(DOC.read_text(encoding="utf-8"))
    _expect(sections[f"Common options of every {kind}"], base, set())
    for name, model in plugins.items():
        shared = {n for n, f in base.model_fields.items()
                  if n in model.model_fields and model.model_fields[n].annotation == f.annotation
                  and model.model_fields[n].default == f.default}
        _expect(sections[f"{kind} {name}"], model, shared)


def test_the_defaults_shown_are_the_models_defaults():
    """A few rows read back: grok's timeout, date's target, the elasticsearch output's action and flush size."""
    sections = _sections(DOC.read_text(encoding="utf-8"))
    assert sections["filter grok"]["timeout_millis"][:2] == ["number", "`30000`"]
    assert sections["filter grok"]["tag_on_failure"][1] == '`["_grokparsefailure"]`'
    assert sections["filter date"]["match"][1] == "**required**"
    assert sections["output elasticsearch"]["action"][1] == '`"create"`'
    assert sections["output elasticsearch"]["flush_size"][1] == "`5000`"
    assert sections["filter grok"]["timeout_scope"][0] == 'one of "pattern", "event"'


@pytest.mark.parametrize("plugin, option", [("output elasticsearch", "doc_as_upsert"), ("input kafka", "schema_registry_key"),
                                            ("input file", "check_archive_validity")])
def test_options_listed_as_not_implemented_are_refused_so(plugin, option):
    """An option the reference lists as not implemented is refused at load with that very wording."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split(f"### {plugin}\n", 1)[1].split("\n### ", 1)[0]
    assert "a Logstash option porttrack-logs does not implement" in block and f"- `{option}`" in block
    kind, name = plugin.split()
    extra = {"elasticsearch": "", "kafka": "", "file": 'path => "/tmp/x"'}[name]
    config = f'{kind} {{ {name} {{ {extra} {option} => "x" }} }}'
    if kind == "input":
        config += " filter { }"
    with pytest.raises(ConfigError, match=f"'{option}'.*a Logstash option porttrack-logs does not implement"):
        Pipeline.from_config(config)


def test_an_option_without_a_meaning_fails_generation(monkeypatch):
    """Removing one meaning (a new option added without one) makes the generator refuse, naming it."""
    monkeypatch.delitem(_option_meanings.MEANINGS, "filter grok.overwrite")
    with pytest.raises(reference.MissingMeaning, match=r"filter grok\.overwrite"):
        reference.render()
