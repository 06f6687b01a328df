"""The templates on the real Elasticsearch (9.x and 8.x): accepted as they are, installed idempotently,
and PortTrack's pipeline over the sample logs indexes with zero rejections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from porttrack_logs.errors import DeliveryError
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.sinks.bulk import ActionLines
from porttrack_logs.sinks.elasticsearch.client import connect
from porttrack_logs.templates import Mappings, check_pipeline, install, sample_events
from porttrack_logs.templates._install import has_module

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [ROOT / "pipelines" / "samples" / "porttrack-containers.ndjson"]


@pytest.fixture
def connection(es_node):
    conn = connect(es_node.url)
    yield conn
    conn.close()


def test_install_creates_then_reports_unchanged_and_updates_only_what_differs(es_node, connection):
    """First install creates every template; a second changes nothing and says so; another replica
    count updates the settings component alone, naming the setting; a dry run changes nothing."""
    prefix = es_node.index_prefix
    first = install(connection, replicas=0, prefix=prefix)
    created = [line for line in first if line.startswith("created ")]
    assert len(created) == 5  # four components and the index template (no ILM on the test node)
    assert f"created index template {prefix}porttrack-logs" in first
    assert all(line.startswith("unchanged ") for line in install(connection, replicas=0, prefix=prefix) if "ILM" not in line)
    planned = install(connection, replicas=1, prefix=prefix, dry_run=True, overwrite=True)
    assert f"would update component template {prefix}porttrack-logs-settings: settings.index.number_of_replicas changed" in planned
    held = connection.request("GET", f"/_component_template/{prefix}porttrack-logs-settings")
    assert held["component_templates"][0]["component_template"]["template"]["settings"]["index"]["number_of_replicas"] == "0"
    kept = install(connection, replicas=1, prefix=prefix)  # without overwrite: kept, as template_overwrite => false
    assert any(line.startswith(f"kept component template {prefix}porttrack-logs-settings") for line in kept)
    updated = install(connection, replicas=1, prefix=prefix, overwrite=True)
    assert f"updated component template {prefix}porttrack-logs-settings: settings.index.number_of_replicas changed" in updated
    assert sum(1 for line in updated if line.startswith("updated ")) == 1


def test_install_names_a_changed_field_mapping(es_node, connection):
    """A field the cluster maps differently is named in the update line."""
    prefix = es_node.index_prefix
    install(connection, replicas=0, prefix=prefix)
    name = f"{prefix}porttrack-logs-mappings-base"
    held = connection.request("GET", f"/_component_template/{name}")["component_templates"][0]["component_template"]
    held["template"]["mappings"]["properties"]["log"]["properties"]["level"] = {"type": "text"}
    for managed in ("created_date_millis", "modified_date_millis", "created_date", "modified_date"):
        held.pop(managed, None)  # 9.x reports them and refuses them back
    connection.request("PUT", f"/_component_template/{name}", body=held)
    lines = install(connection, replicas=0, prefix=prefix, overwrite=True)
    assert f"updated component template {name}: mappings.properties.log.level changed" in lines


def test_ilm_is_skipped_naming_the_missing_module_or_installed(es_node, connection):
    """The test node has no ILM: the install says it skipped the policy for that reason; a full cluster gets it."""
    prefix = es_node.index_prefix
    lines = install(connection, replicas=0, prefix=prefix)
    if has_module(connection, "x-pack-ilm"):
        assert f"created ILM policy {prefix}porttrack-logs" in lines
        connection.request("DELETE", f"/_ilm/policy/{prefix}porttrack-logs")
    else:
        assert any("skipped ILM policy" in line and "x-pack-ilm" in line for line in lines)


def test_committed_files_are_accepted_as_they_are(es_node, connection):
    """Each file of index_templates/component and index/ is PUT unchanged (names and patterns prefixed)
    and a new index gets @timestamp-sorted settings and the explicit mappings."""
    prefix = es_node.index_prefix
    root = ROOT / "index_templates"
    for path in sorted((root / "component").glob("*.json")):
        connection.request("PUT", f"/_component_template/{prefix}{path.stem}", body=path.read_bytes())
    body = json.loads((root / "index" / "porttrack-logs.json").read_text())
    body["index_patterns"] = [prefix + p for p in body["index_patterns"]]
    body["composed_of"] = [prefix + c for c in body["composed_of"]]
    body["ignore_missing_component_templates"] = [prefix + c for c in body["ignore_missing_component_templates"]]
    connection.request("PUT", f"/_index_template/{prefix}porttrack-logs", body=body)
    index = f"{prefix}porttrack-logs-2026.11.27"
    connection.request("PUT", f"/{index}", body={"settings": {"index.number_of_replicas": 0}})
    settings = connection.request("GET", f"/{index}/_settings")[index]["settings"]["index"]
    assert settings["sort"] == {"field": ["@timestamp"], "order": ["desc"]}
    mapping = connection.request("GET", f"/{index}/_mapping")[index]["mappings"]
    assert mapping["properties"]["event"]["properties"]["original"] == {"type": "keyword", "index": False, "doc_values": False}
    assert mapping["properties"]["kubernetes"]["properties"]["labels"]["type"] == "flattened"
    assert str(mapping["dynamic"]).lower() == "true" and str(mapping["date_detection"]).lower() == "false"


def test_porttrack_pipeline_over_the_samples_indexes_with_zero_rejections(es_node, connection):
    """pipelines/porttrack.conf over the sample logs into the installed templates: every document indexed,
    and the offline check predicted exactly that."""
    prefix = es_node.index_prefix
    install(connection, replicas=0, prefix=prefix)
    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    report = check_pipeline(pipeline, sample_events(SAMPLES), Mappings.from_directory(ROOT / "index_templates"), major=es_node.major)
    assert report.rejected == [] and len(report.documents) == 240
    lines = ActionLines("create")
    body = bytearray()
    for document in report.documents:
        body += lines(prefix + document.index) + document.document + b"\n"
    answer = connection.bulk(bytes(body), params={"refresh": "true"})
    errors = [item["create"]["error"] for item in answer["items"] if "error" in item["create"]]
    assert errors == []
    count = connection.request("GET", f"/{prefix}porttrack-logs-*/_count")["count"]
    assert count == 240
    index = f"{prefix}porttrack-logs-2026.11.27"
    mapping = connection.request("GET", f"/{index}/_mapping")[index]["mappings"]["properties"]
    assert mapping["log"]["properties"]["level"]["type"] == "keyword"
    assert mapping["@version"]["type"] == "keyword"


def test_a_refused_template_is_a_one_line_error_with_the_reason(es_node, connection):
    """A template the cluster refuses raises DeliveryError with Elasticsearch's reason; the command
    prints it on one line, no traceback, exit 1."""
    with pytest.raises(DeliveryError, match="refused component template .*name must be lower cased"):
        install(connection, replicas=0, prefix=es_node.index_prefix.upper())
    done = subprocess.run(
        [sys.executable, "-m", "porttrack_logs.cli", "templates", "install", "--es", es_node.url,
         "--replicas", "0", "--prefix", es_node.index_prefix.upper()],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "name must be lower cased" in done.stderr


def test_command_prints_what_changed(es_node):
    """`porttrack-logs templates install --es URL --replicas 0` prints one line per template; --dry-run after
    a change says what would change and changes nothing."""
    prefix = es_node.index_prefix
    base = [sys.executable, "-m", "porttrack_logs.cli", "templates", "install", "--es", es_node.url, "--prefix", prefix]
    first = subprocess.run(base + ["--replicas", "0"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"created index template {prefix}porttrack-logs" in first.stdout.splitlines()
    dry = subprocess.run(base + ["--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    assert f"would update component template {prefix}porttrack-logs-settings: settings.index.number_of_replicas changed" in dry.stdout
    again = subprocess.run(base + ["--replicas", "0"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert f"unchanged component template {prefix}porttrack-logs-settings" in again.stdout
