"""The offline mapping check against the real Elasticsearch: the documents it predicts to be rejected are
exactly those the node rejects, for the same field; on the 9.x and the 8.x node."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from porttrack_logs.pipeline import Pipeline
from porttrack_logs.sinks.bulk import ActionLines
from porttrack_logs.sinks.elasticsearch.client import connect
from porttrack_logs.templates import Mappings, check_pipeline, install, load_document, sample_events
from porttrack_logs.templates._mapping import IndexState

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "index_templates"
SAMPLES = [ROOT / "pipelines" / "samples" / "porttrack-containers.ndjson"]
LONG_TAG = "t" * 1100  # past ignore_above: indexed without the value, not rejected

# Conflicts on purpose, each on a subset of the sample events; the rest of the rule is porttrack.conf's.
CONFLICTS = """
filter {
  mutate { copy => { "message" => "[event][original]" } }
  grok {
    match => { "message" => "^%{TIMESTAMP_ISO8601:[@metadata][log_time]}\\s+%{LOGLEVEL:[log][level]}\\s+%{GREEDYDATA:message}$" }
    overwrite => ["message"]
  }
  date { match => ["[@metadata][log_time]", "ISO8601"] timezone => "UTC" }
  mutate { add_field => { "[event][created]" => "%{[@metadata][log_time]}" } }
  if [kubernetes][container][name] == "crew-roster" {
    mutate { replace => { "host" => "k8s-node" } }
  }
  if [kubernetes][container][name] == "gate-api" {
    mutate { replace => { "[log][offset]" => "n/a" } }
  }
  if [log][level] == "WARN" {
    mutate { copy => { "[kubernetes][pod]" => "[log][level]" } }
  }
  if [log][level] == "TRACE" {
    mutate { replace => { "[event][created]" => "27/11/2026 06:00" } }
  }
  if [log][level] == "FATAL" {
    mutate { add_field => { "[host][containerized]" => "yes" } }
  }
  if [message] =~ /^Manifest/ {
    grok { match => { "message" => "%{INT:[porttrack][cargo][teu]} TEU" } }
  }
  if [log][level] == "ERROR" and [kubernetes][container][name] == "cargo-manifest" {
    mutate { replace => { "[porttrack][cargo][teu]" => "lots" } }
  }
  if [kubernetes][container][name] == "vessel-tracker" {
    mutate { add_field => { "shipment" => "S-1" } }
  }
  if [kubernetes][container][name] == "berth-scheduler" {
    mutate { add_field => { "[shipment][id]" => "S-2" } }
  }
  if [log][level] == "DEBUG" {
    mutate { add_tag => ["LONG_TAG"] }
  }
  if [kubernetes][container][name] == "cargo-manifest" and [log][level] == "INFO" {
    mutate { add_field => { "[porttrack][unexpected]" => "x" } }
  }
}
""".replace("LONG_TAG", LONG_TAG)

_FIELD = [
    re.compile(r"failed to parse field \[([^\]]+)\]"),
    re.compile(r"object mapping for \[([^\]]+)\]"),
    re.compile(r"dynamic introduction of \[([^\]]+)\] within \[([^\]]+)\]"),
    re.compile(r"Existing mapping for \[([^\]]+)\]"),
    re.compile(r"^\[?([^\]\s]+)\]? is a metadata field", re.I),
    re.compile(r"Field \[([^\]]+)\] is a metadata field"),
    re.compile(r"due to object field \[([^\]]+)\]"),
    re.compile(r"can't merge a non object mapping \[([^\]]+)\]"),
    re.compile(r"^mapper \[([^\]]+)\] cannot be changed from type"),
]


def _field_of(error: dict) -> str | None:
    if error.get("type") == "invalid_index_name_exception":
        return "_index"
    reason = error.get("reason", "")
    for pattern in _FIELD:
        m = pattern.search(reason)
        if m:
            if m.re.groups == 2:
                return m.group(1) if m.group(2) == "_doc" else f"{m.group(2)}.{m.group(1)}"
            return m.group(1)
    return None


def _install_directory(connection, directory: Path, prefix: str) -> None:
    """PUT a template directory's files as they are, names and patterns under `prefix`."""
    for path in sorted((directory / "component").glob("*.json")):
        connection.request("PUT", f"/_component_template/{prefix}{path.stem}", body=json.loads(path.read_text()))
    for path in sorted((directory / "index").glob("*.json")):
        body = json.loads(path.read_text())
        body["index_patterns"] = [prefix + p for p in body["index_patterns"]]
        body["composed_of"] = [prefix + c for c in body.get("composed_of", [])]
        body["ignore_missing_component_templates"] = [prefix + c for c in body.get("ignore_missing_component_templates", [])]
        connection.request("PUT", f"/_index_template/{prefix}{path.stem}", body=body)


def _send(connection, documents: list[tuple[str, bytes]]) -> list[dict | None]:
    """Bulk-index (index, document) pairs in order; the error of each item, None when indexed."""
    lines = ActionLines("index")
    body = bytearray()
    for index, document in documents:
        body += lines(index)
        body += document + b"\n"
    answer = connection.bulk(bytes(body), params={"refresh": "true"})
    assert len(answer["items"]) == len(documents)
    return [item["index"].get("error") for item in answer["items"]]


def _compare(predicted: list[tuple[str | None]], actual: list[dict | None], documents) -> None:
    mismatches = []
    for i, (field, error) in enumerate(zip(predicted, actual)):
        actual_field = _field_of(error) if error else None
        if (field is None) != (error is None) or (error is not None and actual_field is not None and actual_field != field):
            mismatches.append((i, field, error and error.get("reason"), documents[i][1][:300]))
    assert not mismatches, f"{len(mismatches)} documents judged differently:\n" + "\n".join(map(str, mismatches[:10]))


def test_predicted_rejections_equal_the_nodes_on_conflicting_pipeline(es_node, tmp_path):
    """A pipeline with mapping conflicts on purpose: the documents the check predicts to be rejected are
    exactly those the node rejects, each for the field the node names; the long tag is only a note."""
    connection = connect(es_node.url)
    install(connection, replicas=0, prefix=es_node.index_prefix)
    config = tmp_path / "conflicts.conf"
    config.write_text(CONFLICTS)
    pipeline = Pipeline.from_config(config)
    report = check_pipeline(pipeline, sample_events(SAMPLES), Mappings.from_directory(TEMPLATES), major=es_node.major)
    documents = [(es_node.index_prefix + d.index, d.document) for d in report.documents]
    actual = _send(connection, documents)
    predicted = [d.rejection.field if d.rejection else None for d in report.documents]
    _compare(predicted, actual, documents)
    rejected_fields = {d.rejection.field for d in report.documents if d.rejection}
    # every conflict kind occurred (so the equality above covered each of them)
    assert {"host", "log.offset", "log.level", "event.created", "host.containerized", "porttrack.cargo.teu", "shipment"} <= rejected_fields
    assert sum(1 for e in actual if e is None) > 0
    writers = {f.field: f.writer for f in report.findings if f.rejects}
    assert writers["log.offset"].startswith("mutate at ") and f"{config}:" in writers["log.offset"]
    notes = [f for f in report.findings if not f.rejects and f.field == "tags"]
    assert notes and "ignore_above" in notes[0].reason
    connection.close()


def test_predicted_rejections_equal_the_nodes_under_a_strict_object(es_node, tmp_path):
    """The same documents under templates whose porttrack object is `dynamic: strict`: the unmapped
    porttrack.unexpected is predicted rejected exactly where the node rejects it."""
    strict = tmp_path / "templates"
    shutil.copytree(TEMPLATES, strict)
    path = strict / "component" / "porttrack-logs-mappings-porttrack.json"
    body = json.loads(path.read_text())
    body["template"]["mappings"]["properties"]["porttrack"]["dynamic"] = "strict"
    path.write_text(json.dumps(body))
    connection = connect(es_node.url)
    _install_directory(connection, strict, es_node.index_prefix)
    config = tmp_path / "conflicts.conf"
    config.write_text(CONFLICTS)
    report = check_pipeline(
        Pipeline.from_config(config), sample_events(SAMPLES), Mappings.from_directory(strict), major=es_node.major
    )
    documents = [(es_node.index_prefix + d.index, d.document) for d in report.documents]
    actual = _send(connection, documents)
    _compare([d.rejection.field if d.rejection else None for d in report.documents], actual, documents)
    assert any(d.rejection and d.rejection.field == "porttrack.unexpected" for d in report.documents)
    connection.close()


# One field per type, each value sent as its own document into one index: the check's reading of
# every value equals the node's.
_VALUE_MAPPING = {
    "dynamic": True,
    "date_detection": False,
    "dynamic_templates": [
        {f"k_{t}": {"match_mapping_type": t, "mapping": {"type": "keyword", "ignore_above": 1024}}}
        for t in ("string", "long", "double", "boolean")
    ],
    "properties": {
        "kw": {"type": "keyword", "ignore_above": 5}, "kwni": {"type": "keyword", "index": False, "doc_values": False},
        "tx": {"type": "text"}, "lg": {"type": "long"}, "it": {"type": "integer"}, "sh": {"type": "short"},
        "by": {"type": "byte"}, "fl": {"type": "float"}, "db": {"type": "double"}, "hf": {"type": "half_float"},
        "lgnc": {"type": "long", "coerce": False}, "bo": {"type": "boolean"}, "dt": {"type": "date"},
        "dte": {"type": "date", "format": "epoch_second"}, "ip": {"type": "ip"}, "fla": {"type": "flattened"},
        "ob": {"properties": {"a": {"type": "keyword"}}},
        "mf": {"type": "keyword", "fields": {"n": {"type": "long"}, "d": {"type": "date", "ignore_malformed": True}}},
    },
}
_DATES = [
    "2026-11-27T06:00:00.332Z", "2026-11-27", "2026-11", "2026", "2026-11-27T", "2026-11-27T06", "2026-11-27T06Z",
    "2026-11-27T06:00", "2026-11-27T06:00Z", "2026-11-27T06:00:00", "2026-11-27T06:00:00+01:00",
    "2026-11-27T06:00:00+0100", "2026-11-27T06:00:00+01", "2026-11-27T06:00:00+1", "2026-11-27T06:00:00.123456789Z",
    "2026-11-27T06:00:00.1234567890Z", "2026-11-27T06:00:00,5Z", "2026-11-27T06:00:00.Z", "2026-11-27T06:00:00.5",
    "2026-11-27 06:00:00", "2026-11-27t06:00:00Z", "2026-11-27T06:00:00z", "2026-02-29", "2024-02-29", "2026-04-31",
    "2026-13-01", "2026-00-10", "2026-01-00", "2026-11-27T24:00:00Z", "2026-11-27T23:60:00Z", "2026-11-27T23:59:60Z",
    "2026-11-27TZ", "2026-11-27T06:00:00UTC", "2026-11-27T06:00:00Europe/Paris", "2026-11-27T06:00:00europe/paris",
    "2026-11-27T06:00:00GMT+01:00", "2026-11-27T06:00:00UTC+1", "2026-11-27T06:00:00+18:00", "2026-11-27T06:00:00+19:00",
    "2026-11-27T06:00:00+01:00:30", "2026-11-27T06:00:00+010030", "2026-11-27T06:00:00+01:0030",
    "2026-11-27T06:00:00Z+01:00", "-2026-11-27", "+2026-11-27", "20260-11-27", "0000-01-01", "9999-12-31T23:59:59Z",
    "1700000000000", "-1700000000000", "1700000000000.5", "1700000000000.", "1700000000000.1234567",
    "1700000000000.123456", "1.7e12", "17000000000000000000", "9223372036854775807", "-0", "abc", "", " 2026-11-27",
    "2026-11-27 ", "27/11/2026", "2026-11-27T06:00:00Z[UTC]", "2026-11-27T06:00:00.123,456Z", "2026-11-27T06:00:00.5,5Z", "2026-11-27T06:00:00.50,5+01:00", "2026-W48-5", "2026-331",
    "２０２６-11-27", "2026-11-27T06:00:00-00:00", "2026-11-27T6:00:00Z", "2026-1-27",
    1700000000000, -5, 1.7e12, 1700000000000.5, 0, True, 1e30,
]
_VALUES = {
    "kw": [{"a": 1}, 12, True, 1.5, [1, "a", None], "toolong", [["a"]], [{"a": 1}], "x" * 40000],
    "kwni": [{"a": 1}, "x" * 40000],
    "tx": [3, False, {"x": 1}],
    "lg": ["12", "12.7", 12.7, " 12", "1e3", 1e3, "", "abc", True, "true", 9223372036854775807, 9223372036854775808,
           "9223372036854775808", -9223372036854775809, 1e19, "0x10", "+5", "-5", "5.", ".5", "NaN", "Infinity",
           {"a": 1}, [1, "2"], None, "9223372036854775807.5"],
    "lgnc": ["12", 12.5, 12.0, 12, ""],
    "it": [2147483648, 2147483647, "2147483648", 2147483647.5, "12.9"],
    "sh": [32768, 32767.9, "-32769"], "by": [128, 127.9, "-128"],
    "fl": ["1.5", "abc", 1e39, "NaN", "Infinity", True, " 1.5 ", "1.5f", "0x1p3", "3.5e38"],
    "db": [1e308, "1e309", "-1e308"], "hf": [70000, 65504, "65519", "65520"],
    "bo": [True, "true", "false", "", "yes", 1, 0, "True", "1", {"a": 1}],
    "dt": _DATES, "dte": ["1700000000", "1700000000.123456789", "1700000000.1234567891", "-1", "x"],
    "ip": ["10.0.0.1", "nope", 167772161, "::1", "fe80::1%eth0", "10.0.0.256"],
    "fla": ["scalar", {"a": {"b": 1}, "a.c": "x"}, [{"a": 1}], 1],
    "ob": ["scalar", ["x"], 1, None, [{"a": 1}, None], {"a": {"b": 1}}],
    "mf": ["12", "abc", 7],
    "new_f": [1, "x", {"a": 1}], "new_o": [{"a": 1}, "x"], "mixed": [[1, "a", True, 1.5]],
    "ob.a": ["dotted", {"x": 1}], "": [1], "a..b": [1], " ": [1], "x.": [1], ".x": [1],
}


def test_each_value_is_read_as_the_node_reads_it(es_node):
    """Every value of the table, one document each into one index: the check's accept/reject equals the node's."""
    connection = connect(es_node.url)
    index = es_node.index_prefix + "values"
    connection.request("PUT", f"/{index}", body={"mappings": _VALUE_MAPPING, "settings": {"number_of_shards": 1, "number_of_replicas": 0}})
    state = IndexState(index, "values", _VALUE_MAPPING, {}, major=es_node.major)
    documents, predicted = [], []
    for name, values in _VALUES.items():
        for value in values:
            document = json.dumps({name: value}, ensure_ascii=False).encode()
            verdict = state.check(load_document(document))
            documents.append((index, document))
            predicted.append(verdict.rejection.field if verdict.rejection else None)
    actual = _send(connection, documents)
    _compare(predicted, actual, documents)
    connection.close()


def _random_dates(n: int, seed: int) -> list[str]:
    """Date-like strings from the grammar's pieces, many nearly right: each one a case for the parser."""
    import random

    rng = random.Random(seed)
    years = ["2026", "1999", "0000", "-2026", "20260", "+2026", "226", "9999"]
    pieces = [
        lambda: rng.choice(["-", "/", " ", ""]) + rng.choice(["01", "02", "04", "11", "12", "13", "00", "1"]),
        lambda: rng.choice(["-", "-", "/", ""]) + rng.choice(["01", "28", "29", "30", "31", "32", "00", "7"]),
        lambda: rng.choice(["T", "T", "t", " ", ""]) + rng.choice(["00", "06", "23", "24", "6", ""]),
        lambda: rng.choice([":", ":", ""]) + rng.choice(["00", "59", "60", "5"]),
        lambda: rng.choice([":", ":", ""]) + rng.choice(["00", "59", "60", "5"]),
        lambda: rng.choice([".", ",", ".", ""]) + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 11))),
    ]
    zones = ["", "Z", "z", "+01:00", "+0100", "+01", "+1", "-18:00", "+18:01", "+01:00:30", "+010030", "UTC", "GMT+2",
             "UTC-03:30", "Europe/Paris", "EST", "Mars/Base", "X", " ", "+99"]
    valid = ["2026-11-27", "T06", ":30", ":59", ".123456"]
    out = []
    for _ in range(n):
        if rng.random() < 0.5:  # a right date cut after a random part, a zone, maybe one character changed
            text = "".join(valid[: rng.randint(1, len(valid))]) + rng.choice(zones)
            if rng.random() < 0.3:
                at = rng.randrange(len(text))
                text = text[:at] + rng.choice("0-:T.Z9 x") + text[at + 1 :]
            out.append(text)
            continue
        text = rng.choice(years)
        for piece in pieces[: rng.randint(0, len(pieces))]:
            text += piece()
        text += rng.choice(zones) if rng.random() < 0.7 else ""
        out.append(text)
    return out


def test_random_date_strings_are_read_as_the_node_reads_them(es_node):
    """600 seeded date-like strings in a date field: the check's accept/reject equals the node's, string for string."""
    connection = connect(es_node.url)
    index = es_node.index_prefix + "dates"
    mapping = {"properties": {"dt": {"type": "date"}}}
    connection.request("PUT", f"/{index}", body={"mappings": mapping, "settings": {"number_of_shards": 1, "number_of_replicas": 0}})
    state = IndexState(index, "dates", mapping, {}, major=es_node.major)
    documents, predicted = [], []
    for text in _random_dates(600, seed=19):
        document = json.dumps({"dt": text}).encode()
        verdict = state.check(load_document(document))
        documents.append((index, document))
        predicted.append(verdict.rejection.field if verdict.rejection else None)
    actual = _send(connection, documents)
    _compare(predicted, actual, documents)
    assert 100 < sum(1 for a in actual if a is None) < 500  # both outcomes well represented
    connection.close()


def test_every_zone_name_after_a_time_is_read_as_the_node_reads_it(es_node):
    """Each name of the tz database after a time ("...06:00:00Europe/Paris"): accepted exactly where the node's JDK knows it."""
    import zoneinfo

    connection = connect(es_node.url)
    index = es_node.index_prefix + "zones"
    mapping = {"properties": {"dt": {"type": "date"}}}
    connection.request("PUT", f"/{index}", body={"mappings": mapping, "settings": {"number_of_shards": 1, "number_of_replicas": 0}})
    state = IndexState(index, "zones", mapping, {}, major=es_node.major)
    documents = [(index, json.dumps({"dt": "2026-11-27T06:00:00" + z}).encode()) for z in sorted(zoneinfo.available_timezones())]
    predicted = [(v.rejection.field if v.rejection else None) for v in (state.check(load_document(d)) for _, d in documents)]
    _compare(predicted, _send(connection, documents), documents)
    connection.close()


def _random_numbers(n: int, seed: int) -> list[object]:
    """Number-like strings and JSON numbers: signs, fractions, exponents, suffixes, blanks, huge magnitudes."""
    import random

    rng = random.Random(seed)
    out: list[object] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.15:
            out.append(rng.choice([0, 1, -1, 127, 128, -129, 32767, 32768, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1]))
            continue
        if roll < 0.25:
            out.append(rng.choice([0.5, 127.9, 128.5, -0.0, 1e3, 2147483647.5, 65504.0, 65520.0, 3.4e38, 3.5e38, 9.3e18, 1e19]))
            continue
        text = rng.choice(["", "", "+", "-", " ", "\t"])
        text += "".join(rng.choice("0123456789") for _ in range(rng.choice([0, 1, 2, 3, 10, 19, 20, 40])))
        if rng.random() < 0.4:
            text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 4)))
        if rng.random() < 0.25:
            text += rng.choice(["e", "E"]) + rng.choice(["", "+", "-"]) + str(rng.choice([0, 1, 3, 38, 39, 308, 309, 4000]))
        if rng.random() < 0.15:
            text += rng.choice(["f", "d", "F", " ", "x", "_1", "L"])
        if rng.random() < 0.05:
            text = rng.choice(["NaN", "Infinity", "-Infinity", "0x1p3", "0x10", "true", "false", "1,5", "٣"])
        out.append(text)
    return out


def test_random_numbers_are_read_as_the_node_reads_them(es_node):
    """500 seeded number-like values into long, integer, short, byte, float, double, half_float and boolean
    fields (coerce on, and long with coerce off): the check's accept/reject equals the node's."""
    connection = connect(es_node.url)
    index = es_node.index_prefix + "numbers"
    kinds = ["long", "integer", "short", "byte", "float", "double", "half_float", "boolean"]
    properties = {k: {"type": k} for k in kinds}
    properties["long_strict"] = {"type": "long", "coerce": False}
    mapping = {"properties": properties}
    connection.request("PUT", f"/{index}", body={"mappings": mapping, "settings": {"number_of_shards": 1, "number_of_replicas": 0}})
    state = IndexState(index, "numbers", mapping, {}, major=es_node.major)
    documents, predicted = [], []
    for value in _random_numbers(500, seed=23):
        for field_name in properties:
            document = json.dumps({field_name: value}, ensure_ascii=False).encode()
            verdict = state.check(load_document(document))
            documents.append((index, document))
            predicted.append(verdict.rejection.field if verdict.rejection else None)
    _compare(predicted, _send(connection, documents), documents)
    connection.close()


def _random_documents(n: int, seed: int) -> list[dict]:
    """Documents mixing PortTrack's mapped fields and unexpected ones, in random shapes and orders: objects
    where scalars are mapped and back, dotted names, arrays, nulls, new fields that later change kind."""
    import random

    rng = random.Random(seed)
    names = ["host", "host.name", "host.containerized", "log", "log.level", "log.offset", "log.file.path", "tags",
             "message", "event.original", "kubernetes.labels", "kubernetes.labels.app", "porttrack.cargo.teu",
             "porttrack.vessel", "@timestamp", "event.created", "shipment", "shipment.id", "extra", "extra.deep.er",
             "n", "flag", "labels.team", "container", "host.ip", "kubernetes.pod.ip", "@version", "_id", "a..b", "x."]

    def scalar():
        return rng.choice(["x", "", "2026-11-27", "12", "n/a", "true", 7, -1, 2.5, True, False, None, "9" * 20, 2**64,
                           "10.1.2.3", "::1", "1700000000000"])

    def value(depth=0):
        roll = rng.random()
        if roll < 0.55 or depth > 2:
            return scalar()
        if roll < 0.8:
            return {rng.choice(["a", "b", "name", "id", "c.d"]): value(depth + 1) for _ in range(rng.randint(0, 2))}
        return [value(depth + 1) for _ in range(rng.randint(0, 3))]

    docs = []
    for _ in range(n):
        docs.append({rng.choice(names): value() for _ in range(rng.randint(1, 4))})
    return docs


def test_random_documents_under_the_templates_are_judged_as_the_node_judges_them(es_node):
    """1,200 seeded documents into one index of the installed templates, in order: the same documents
    rejected, for the same field, including dynamic fields whose kind later documents contradict."""
    connection = connect(es_node.url)
    install(connection, replicas=0, prefix=es_node.index_prefix)
    state = Mappings.from_directory(TEMPLATES).for_index("porttrack-logs-2026.12.01", major=es_node.major)
    index = es_node.index_prefix + "porttrack-logs-2026.12.01"
    documents, predicted = [], []
    for doc in _random_documents(1200, seed=29):
        document = json.dumps(doc).encode()
        verdict = state.check(load_document(document))
        documents.append((index, document))
        predicted.append(verdict.rejection.field if verdict.rejection else None)
    actual = _send(connection, documents)
    _compare(predicted, actual, documents)
    assert 100 < sum(1 for a in actual if a is not None) < 1100
    connection.close()


def test_index_names_the_node_refuses_are_predicted(es_node, tmp_path):
    """Index names rendered per event: those the check calls invalid are exactly those the node refuses."""
    connection = connect(es_node.url)
    config = tmp_path / "p.conf"
    config.write_text('filter { }\noutput { elasticsearch { index => "porttrack-logs-%{[ns]}" } }\n')
    names = ["ok", "Prod", "a b", "x#y", "a:b", "a*b", "q?", "a,b", 'a"b', "a<b", "a|b", "a/b", "a\\b", "-x", "é", "2026.11.27"]
    from porttrack_logs.event import Event

    report = check_pipeline(
        Pipeline.from_config(config), [(n, Event({"ns": n})) for n in names], Mappings.from_directory(TEMPLATES), major=es_node.major
    )
    documents = [(es_node.index_prefix + d.index, d.document) for d in report.documents]
    _compare([d.rejection.field if d.rejection else None for d in report.documents], _send(connection, documents), documents)
    assert sum(1 for d in report.documents if d.rejection) >= 10
    connection.close()


def test_depth_limits_are_predicted(es_node):
    """Objects nested 18 to 22 deep (nested, dotted, through arrays, inside a flattened field): the check
    refuses exactly the documents past index.mapping.depth.limit and flattened's depth_limit, as the node does."""
    connection = connect(es_node.url)
    install(connection, replicas=0, prefix=es_node.index_prefix)
    state = Mappings.from_directory(TEMPLATES).for_index("porttrack-logs-deep", major=es_node.major)
    docs = []
    for d in range(18, 23):
        nested: object = "x"
        for _ in range(d):
            nested = {f"a{d}": nested}
        through_arrays: object = 1
        for i in range(2 * d):
            through_arrays = [through_arrays] if i % 2 else {f"c{d}": through_arrays}
        docs += [nested, {".".join([f"b{d}"] * d): 1}, {"w": through_arrays}, {"kubernetes": {"labels": nested}}]
    documents = [(es_node.index_prefix + "porttrack-logs-deep", json.dumps(doc).encode()) for doc in docs]
    predicted = [(v.rejection.field if v.rejection else None) for v in (state.check(load_document(d)) for _, d in documents)]
    _compare(predicted, _send(connection, documents), documents)
    assert sum(1 for p in predicted if p) == 9
    connection.close()


@pytest.mark.parametrize("ignore", [False, True])
def test_total_fields_limit_is_predicted(es_node, ignore):
    """With total_fields.limit 8 (4 mapped fields, multi-field and object included), new fields past it
    reject the document, or with ignore_dynamic_beyond_limit are kept unmapped: as the node does."""
    connection = connect(es_node.url)
    index = es_node.index_prefix + f"limit-{str(ignore).lower()}"
    mapping = {"properties": {"a": {"type": "keyword", "fields": {"k": {"type": "keyword"}}}, "o": {"properties": {"x": {"type": "long"}}}}}
    settings = {"index.mapping.total_fields.limit": 8, "index.mapping.total_fields.ignore_dynamic_beyond_limit": ignore}
    connection.request("PUT", f"/{index}", body={"mappings": mapping, "settings": {**settings, "number_of_shards": 1, "number_of_replicas": 0}})
    state = IndexState(index, "limit", mapping, settings, major=es_node.major)
    docs = [{"n1": 1}, {"n2": 1}, {"n3": {"m": 1}}, {"n4": 1}, {"o": {"x": 2}}, {"n5": {"p": 1}}, {"n1": 3, "n6": "x"}]
    documents = [(index, json.dumps(d).encode()) for d in docs]
    predicted = [(v.rejection.field if v.rejection else None) for v in (state.check(load_document(d)) for _, d in documents)]
    _compare(predicted, _send(connection, documents), documents)
    assert (sum(1 for p in predicted if p) == 3) is not ignore
    connection.close()
