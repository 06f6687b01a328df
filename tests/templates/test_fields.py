"""The field list is the one source: the committed index_templates/ equal what it generates, and it maps
every field Filebeat and pipelines/porttrack.conf write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from porttrack_logs.pipeline import Pipeline
from porttrack_logs.templates import (
    COMPONENTS,
    NAME,
    PRIORITY,
    component_templates,
    documents,
    export,
    fields,
    index_template,
    render,
    sample_events,
)
from porttrack_logs.templates._fields import FieldSpec

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "index_templates"


def test_committed_files_equal_what_the_generator_writes():
    """index_templates/ cannot drift from the field list: each file is byte for byte the generator's,
    and no file is there that the generator does not write (regenerate: python -m porttrack_logs.templates)."""
    wanted = documents()
    for relative, body in wanted.items():
        assert (COMMITTED / relative).read_text("utf-8") == render(body), f"{relative} differs from the generator"
    present = {str(p.relative_to(COMMITTED)) for p in COMMITTED.rglob("*.json")}
    assert present == set(wanted)


def test_export_writes_the_documents_and_removes_stale_files(tmp_path):
    """export() into a directory writes every document and drops a template file it no longer generates."""
    (tmp_path / "component").mkdir()
    stale = tmp_path / "component" / "porttrack-logs-old.json"
    stale.write_text("{}")
    written = export(tmp_path)
    assert {str(p.relative_to(tmp_path)) for p in written} == set(documents())
    assert not stale.exists()
    assert json.loads((tmp_path / "index" / f"{NAME}.json").read_text()) == index_template()[1]


def test_fields_are_read_only_and_keyed_by_path():
    """fields() is the public reader: path -> FieldSpec, not writable by a caller."""
    specs = fields()
    assert all(isinstance(s, FieldSpec) and s.path == p for p, s in specs.items())
    with pytest.raises(TypeError):
        specs["x"] = specs["message"]  # type: ignore[index]


def test_every_field_the_pipeline_writes_over_the_samples_is_mapped_explicitly():
    """Every leaf of every document porttrack.conf makes of the sample logs has an explicit mapping
    (or lies under a flattened field), so nothing in them falls to the dynamic templates."""
    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    specs = fields()
    flattened = [p for p, s in specs.items() if s.type == "flattened"]
    seen = set()

    def leaves(value, prefix=""):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from leaves(item, f"{prefix}.{key}" if prefix else key)
        else:
            yield prefix

    events = [e for _, e in sample_events([ROOT / "pipelines" / "samples" / "porttrack-containers.ndjson"])]
    for event in pipeline.process(events):
        seen.update(leaves(event.to_dict()))
    unmapped = {p for p in seen if p not in specs and not any(p.startswith(f + ".") for f in flattened)}
    assert unmapped == set()
    assert {"@timestamp", "message", "event.original", "log.level", "log.offset", "kubernetes.labels"} <= {
        p for p in specs if p in seen or any(s.startswith(p + ".") for s in seen)
    }


def test_audit_mappings_for_the_fields_the_issue_names():
    """event.original is kept in _source only; @timestamp a date; log.offset a long; labels flattened."""
    specs = fields()
    assert specs["event.original"].mapping() == {"type": "keyword", "index": False, "doc_values": False}
    assert specs["@timestamp"].type == "date" and specs["log.offset"].type == "long"
    assert specs["message"].type == "text"  # every cluster has text; match_only_text needs mapper-extras
    assert specs["kubernetes.labels"].type == "flattened"
    assert specs["log.level"].mapping() == {"type": "keyword", "ignore_above": 1024}
    assert all(s.description for s in specs.values())
    assert {s.component for s in specs.values()} == set(COMPONENTS)


def test_dynamic_setting_keeps_unexpected_fields_and_says_why():
    """The base mappings are dynamic: true (never strict), with date detection off, every unexpected
    scalar a keyword, and a _meta.description saying so."""
    base = component_templates()[f"{NAME}-mappings-base"]
    mappings = base["template"]["mappings"]
    assert mappings["dynamic"] is True and mappings["date_detection"] is False
    kinds = {next(iter(t.values()))["match_mapping_type"] for t in mappings["dynamic_templates"]}
    assert kinds == {"string", "long", "double", "boolean"}  # never "*": that would take objects too
    assert "never a reason to reject" in base["_meta"]["description"]
    settings = component_templates()[f"{NAME}-settings"]["template"]["settings"]
    assert settings["index.mapping.total_fields.ignore_dynamic_beyond_limit"] is True
    assert settings["index.sort.field"] == ["@timestamp"] and settings["index.number_of_replicas"] == 1


def test_index_template_composes_the_components_under_a_prefix():
    """The index template matches <prefix>porttrack-logs-*, composes every component in order, at the chosen priority."""
    name, body = index_template("t1-")
    assert name == "t1-porttrack-logs" and body["index_patterns"] == ["t1-porttrack-logs-*"]
    assert body["composed_of"][:-1] == list(component_templates("t1-"))
    assert body["composed_of"][-1] == "t1-porttrack-logs-lifecycle" == body["ignore_missing_component_templates"][0]
    assert body["priority"] == PRIORITY == 200
    assert component_templates(replicas=0)[f"{NAME}-settings"]["template"]["settings"]["index.number_of_replicas"] == 0


def test_public_names_are_all_listed():
    """porttrack_logs.templates.__all__ names what it exports, and each exists."""
    import porttrack_logs.templates as templates

    assert {"fields", "FieldSpec", "install", "Mappings", "check_pipeline", "documents", "export"} <= set(templates.__all__)
    assert all(hasattr(templates, name) for name in templates.__all__)
