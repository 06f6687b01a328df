"""The template documents, built from the field list: component templates, the index template, the ILM policy.

`documents()` gives every file of `index_templates/` (relative path -> JSON body) and `render` the
exact bytes written, so the committed files can be compared with what the generator writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._fields import COMPONENTS, KEYWORD_IGNORE_ABOVE, fields

__all__ = [
    "NAME",
    "PRIORITY",
    "VERSION",
    "component_templates",
    "index_template",
    "ilm_policy",
    "lifecycle_component",
    "documents",
    "render",
    "export",
]

#: The index template's name; daily indices `porttrack-logs-YYYY.MM.DD` match `porttrack-logs-*`.
NAME = "porttrack-logs"
#: Above Elasticsearch's built-in templates (100: logs-*-*, metrics-*-*), so a broad built-in pattern
#: never shadows ours; below what an operator's override for a subset of days would use (300 and up).
PRIORITY = 200
#: Bumped when the templates change shape, so `GET _index_template` tells which version a cluster holds.
VERSION = 1

MANAGED_BY = "porttrack-logs"

DYNAMIC_DESCRIPTION = (
    "dynamic: true, so a field no template names is kept and indexed, never a reason to reject the event. "
    "Every unexpected scalar (string, number, boolean) becomes a keyword with ignore_above "
    f"{KEYWORD_IGNORE_ABOVE} (a field that is 3 in one event and 'n/a' in the next cannot conflict), "
    "date_detection is off (a string that looks like a date once must not make the field a date for "
    "the next one), and index.mapping.total_fields.ignore_dynamic_beyond_limit keeps fields past the "
    "limit in _source instead of rejecting. Not strict: strict rejects events. Not runtime: the fields "
    "would not be indexed. The fields PortTrack knows are mapped explicitly with their real types."
)


def _settings_component(replicas: int = 1) -> dict[str, Any]:
    return {
        "template": {
            "settings": {
                "index.number_of_shards": 1,
                "index.number_of_replicas": replicas,
                "index.codec": "best_compression",
                "index.refresh_interval": "5s",
                "index.sort.field": ["@timestamp"],
                "index.sort.order": ["desc"],
                "index.mapping.total_fields.limit": 2000,
                "index.mapping.total_fields.ignore_dynamic_beyond_limit": True,
            }
        },
        "version": VERSION,
        "_meta": {
            "managed_by": MANAGED_BY,
            "description": (
                "Index settings of PortTrack's daily log indices. One shard: a day of PortTrack's logs is "
                "far below the 10-50 GB a shard holds well, and one shard keeps dynamic mapping updates in "
                "document order. One replica for production; a single-node cluster installs with "
                "--replicas 0. Sorted by @timestamp, newest first, as audit searches read them. "
                "best_compression: an audit record is written once and kept long."
            ),
        },
    }


def _properties(specs: list) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for spec in specs:
        parts = spec.path.split(".")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {"properties": {}})
            node = node.setdefault("properties", {})
        leaf = spec.mapping()
        if leaf == {"type": "object"}:
            node.setdefault(parts[-1], {"type": "object"})
        else:
            node[parts[-1]] = leaf
    return root


def _dynamic_templates() -> list[dict[str, Any]]:
    keyword = {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE}
    return [
        {f"unexpected_{kind}s_as_keyword": {"match_mapping_type": kind, "mapping": dict(keyword)}}
        for kind in ("string", "long", "double", "boolean")
    ]


def _mappings_component(component: str) -> dict[str, Any]:
    specs = [s for s in fields().values() if s.component == component]
    mappings: dict[str, Any] = {}
    if component == "base":
        mappings["dynamic"] = True
        mappings["date_detection"] = False
        mappings["numeric_detection"] = False
        mappings["dynamic_templates"] = _dynamic_templates()
    mappings["properties"] = _properties(specs)
    meta: dict[str, Any] = {"managed_by": MANAGED_BY, "description": f"Mappings: {COMPONENTS[component]}."}
    if component == "base":
        meta["description"] += " " + DYNAMIC_DESCRIPTION
    return {"template": {"mappings": mappings}, "version": VERSION, "_meta": meta}


def component_templates(prefix: str = "", *, replicas: int = 1) -> dict[str, dict[str, Any]]:
    """Component template name -> body, in the order the index template composes them."""
    out = {f"{prefix}{NAME}-settings": _settings_component(replicas)}
    for component in COMPONENTS:
        out[f"{prefix}{NAME}-mappings-{component}"] = _mappings_component(component)
    return out


def lifecycle_component(prefix: str = "") -> tuple[str, dict[str, Any]]:
    """The component template that puts new indices under the ILM policy (only for clusters with ILM)."""
    return f"{prefix}{NAME}-lifecycle", {
        "template": {"settings": {"index.lifecycle.name": f"{prefix}{NAME}"}},
        "version": VERSION,
        "_meta": {
            "managed_by": MANAGED_BY,
            "description": (
                f"Puts each new porttrack-logs index under the ILM policy {prefix}{NAME}. Listed in the index "
                "template's ignore_missing_component_templates, so clusters without ILM simply lack it."
            ),
        },
    }


def index_template(prefix: str = "") -> tuple[str, dict[str, Any]]:
    """The composable index template for `<prefix>porttrack-logs-*`: name and body."""
    lifecycle, _ = lifecycle_component(prefix)
    return f"{prefix}{NAME}", {
        "index_patterns": [f"{prefix}{NAME}-*"],
        "composed_of": [*component_templates(prefix), lifecycle],
        "ignore_missing_component_templates": [lifecycle],
        "priority": PRIORITY,
        "version": VERSION,
        "_meta": {
            "managed_by": MANAGED_BY,
            "description": (
                f"PortTrack's container logs, one index a day ({NAME}-YYYY.MM.DD, chosen by the event's own "
                "@timestamp so a replay lands in the same index). Built for audit: every field Filebeat and "
                f"pipelines/porttrack.conf write is mapped explicitly. Priority {PRIORITY}: above "
                "Elasticsearch's built-in templates (100), below an operator's override. The lifecycle "
                "component exists only where the cluster has ILM."
            ),
        },
    }


def ilm_policy(prefix: str = "") -> tuple[str, dict[str, Any]]:
    """The ILM policy for the daily indices: name and the body `PUT _ilm/policy/<name>` takes."""
    return f"{prefix}{NAME}", {
        "policy": {
            "phases": {
                "hot": {"min_age": "0ms", "actions": {"set_priority": {"priority": 100}}},
                "warm": {
                    "min_age": "7d",
                    "actions": {
                        "set_priority": {"priority": 50},
                        "readonly": {},
                        "forcemerge": {"max_num_segments": 1},
                    },
                },
                "delete": {"min_age": "400d", "actions": {"delete": {"delete_searchable_snapshot": True}}},
            },
            "_meta": {
                "managed_by": MANAGED_BY,
                "description": (
                    "Daily indices, no rollover (the day is in the name). Read-only and merged after 7 days, "
                    "when late lines have arrived; deleted after 400 days (13 months of audit history). "
                    "Ages count from index creation. Change the delete phase to your retention rule."
                ),
            },
        }
    }


def documents() -> dict[str, dict[str, Any]]:
    """Every file of `index_templates/`: path relative to it -> JSON body."""
    out: dict[str, dict[str, Any]] = {}
    for name, body in component_templates().items():
        out[f"component/{name}.json"] = body
    name, body = index_template()
    out[f"index/{name}.json"] = body
    name, body = ilm_policy()
    out[f"ilm/{name}.json"] = body
    name, body = lifecycle_component()
    out[f"ilm/{name}.json"] = body
    from ._deadletters import deadletter_template  # it builds on this module

    name, body = deadletter_template()
    out[f"index/{name}.json"] = body
    return out


def render(body: dict[str, Any]) -> str:
    """The text a template file holds: indented JSON, keys in build order, a final newline."""
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def export(directory: str | Path) -> list[Path]:
    """Write every document under `directory`; returns the files written. Files no longer generated are removed."""
    root = Path(directory)
    written = []
    wanted = documents()
    for relative, body in wanted.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(body), encoding="utf-8")
        written.append(path)
    for sub in ("component", "index", "ilm"):
        for stale in sorted((root / sub).glob("*.json")):
            if f"{sub}/{stale.name}" not in wanted:
                stale.unlink()
    return written
