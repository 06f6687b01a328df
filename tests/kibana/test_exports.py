"""The Kibana exports: committed files equal the generator, the NDJSON is well formed, every reference
resolves inside the export, and every field a view uses exists in the generated index templates with a
type that suits its use. The field checks read the saved objects (not the description they came from)
and the template JSON files under index_templates/ (not the field list they came from)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from porttrack_logs.kibana import (
    CORE_MIGRATION_VERSION, TARGETS, TYPE_MIGRATION_VERSIONS, ViewError, default_path, render, saved_objects,
)
from porttrack_logs.templates import fields

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "index_templates"
PARSE_FAILURE_TAGS = {"_grokparsefailure", "_dateparsefailure", "_groktimeout", "_filter_error"}


def _walk(properties: dict, prefix: str, out: dict[str, dict]) -> None:
    for name, body in properties.items():
        path = f"{prefix}{name}"
        if "properties" in body:
            _walk(body["properties"], path + ".", out)
        else:
            out[path] = body


def _mapped_by_pattern() -> dict[str, dict[str, dict]]:
    """Index pattern -> dotted path -> mapping of every field the committed index template for that pattern
    maps, in its own mappings and in the component templates it is composed of."""
    by_pattern: dict[str, dict[str, dict]] = {}
    for file in sorted((TEMPLATES / "index").glob("*.json")):
        template = json.loads(file.read_text())
        leaves: dict[str, dict] = {}
        for component in template.get("composed_of", []):
            path = TEMPLATES / "component" / f"{component}.json"
            if path.exists():
                _walk(json.loads(path.read_text())["template"].get("mappings", {}).get("properties", {}), "", leaves)
        _walk(template.get("template", {}).get("mappings", {}).get("properties", {}), "", leaves)
        for pattern in template["index_patterns"]:
            by_pattern[pattern] = leaves
    return by_pattern


MAPPED_BY_PATTERN = _mapped_by_pattern()
MAPPED = MAPPED_BY_PATTERN["porttrack-logs-*"]


def _lines(target: str) -> list[str]:
    return default_path(target).read_text(encoding="utf-8").splitlines()


def _objects(target: str) -> list[dict]:
    return [json.loads(line) for line in _lines(target)]


def _kql_fields(query: str) -> list[str]:
    return re.findall(r"([\w.@]+)\s*:", query)


def _kql_values(query: str) -> set[str]:
    return set(re.findall(r'"([^"]+)"', query))


@pytest.mark.parametrize("target", TARGETS)
def test_committed_export_equals_the_generator(target):
    """kibana_exports/porttrack-<target>.ndjson is exactly what the generator writes today."""
    assert default_path(target).read_text(encoding="utf-8") == render(target)


@pytest.mark.parametrize("target", TARGETS)
def test_ndjson_parses_line_by_line_and_round_trips(target):
    """Each line is one JSON object with id, type, attributes, references; re-serialising it gives the line."""
    lines = _lines(target)
    assert len(lines) == 11
    for number, line in enumerate(lines, 1):
        obj = json.loads(line)
        assert isinstance(obj, dict), number
        assert {"id", "type", "attributes", "references"} <= obj.keys(), number
        assert isinstance(obj["attributes"], dict) and isinstance(obj["references"], list)
        assert json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")) == line
        assert json.loads(json.dumps(obj)) == obj


@pytest.mark.parametrize("target", TARGETS)
def test_every_object_is_unmanaged_and_carries_its_lines_migration_versions(target):
    """managed false; coreMigrationVersion 8.8.0; typeMigrationVersion from the table for the target."""
    for obj in _objects(target):
        assert obj["managed"] is False
        assert obj["coreMigrationVersion"] == CORE_MIGRATION_VERSION
        assert obj["typeMigrationVersion"] == TYPE_MIGRATION_VERSIONS[target][obj["type"]]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_9x_never_claims_an_older_migration_than_8x():
    """A type's version for 9.x is at least its 8.x version (9.x imports 8.x exports, not the reverse)."""
    for kind, v8 in TYPE_MIGRATION_VERSIONS["8.x"].items():
        assert _version(TYPE_MIGRATION_VERSIONS["9.x"][kind]) >= _version(v8), kind


def test_ids_are_unique_and_the_same_on_both_lines():
    """Ids are stable: unique within an export, equal across 8.x and 9.x, equal between two generations."""
    ids = {t: [(o["type"], o["id"]) for o in _objects(t)] for t in TARGETS}
    for target in TARGETS:
        assert len({i for _, i in ids[target]}) == len(ids[target])
    assert ids["8.x"] == ids["9.x"]
    assert render("9.x") == render("9.x")


@pytest.mark.parametrize("target", TARGETS)
def test_every_reference_resolves_to_an_object_of_that_type_in_the_export(target):
    """Each reference's (type, id) is an object in the same file, listed before the object pointing at it."""
    seen: set[tuple[str, str]] = set()
    for obj in _objects(target):
        for ref in obj["references"]:
            assert {"name", "type", "id"} <= ref.keys()
            assert (ref["type"], ref["id"]) in seen, (obj["type"], obj["attributes"]["title"], ref)
        seen.add((obj["type"], obj["id"]))


@pytest.mark.parametrize("target", TARGETS)
def test_what_each_object_points_at_has_a_reference_of_that_name(target):
    """A search's indexRefName, a lens layer and a dashboard panel's panelRefName each name a reference,
    and no reference is left that nothing names."""
    objects = _objects(target)
    kinds = {o["id"]: o["type"] for o in objects}
    for obj in objects:
        names = {ref["name"]: ref for ref in obj["references"]}
        used: set[str] = set()
        attributes = obj["attributes"]
        if obj["type"] == "search":
            source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
            used.add(source["indexRefName"])
            assert names[source["indexRefName"]]["type"] == "index-pattern"
        elif obj["type"] == "lens":
            for layer in attributes["state"]["datasourceStates"]["formBased"]["layers"]:
                name = f"indexpattern-datasource-layer-{layer}"
                used.add(name)
                assert names[name]["type"] == "index-pattern"
        elif obj["type"] == "dashboard":
            for panel in json.loads(attributes["panelsJSON"]):
                name = f"{panel['panelIndex']}:{panel['panelRefName']}"
                used.add(name)
                assert names[name]["type"] == panel["type"] == kinds[names[name]["id"]]
        assert used == set(names), (obj["type"], attributes["title"])


def test_the_data_views_cover_the_index_templates_patterns_with_a_date_time_field():
    """One data view per index template (the logs', the dead letters'): its title is the template's pattern;
    its time field is mapped there as a date."""
    views = [o for o in _objects("9.x") if o["type"] == "index-pattern"]
    assert sorted(v["attributes"]["title"] for v in views) == sorted(MAPPED_BY_PATTERN) == ["porttrack-deadletters-*", "porttrack-logs-*"]
    for view in views:
        assert MAPPED_BY_PATTERN[view["attributes"]["title"]][view["attributes"]["timeFieldName"]]["type"] == "date"


def _field_uses(obj: dict) -> list[tuple[str, str]]:
    """(field, use) for every field a saved object reads, found in the object itself."""
    uses: list[tuple[str, str]] = []
    attributes = obj["attributes"]
    if obj["type"] == "search":
        uses += [(c, "column") for c in attributes["columns"]]
        uses += [(path, "sort") for path, _ in attributes["sort"]]
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        uses += [(f, "filter") for f in _kql_fields(source["query"]["query"])]
    elif obj["type"] == "lens":
        state = attributes["state"]
        uses += [(f, "filter") for f in _kql_fields(state["query"]["query"])]
        for layer in state["datasourceStates"]["formBased"]["layers"].values():
            for column in layer["columns"].values():
                operation = column["operationType"]
                if operation in ("date_histogram", "terms"):
                    uses.append((column["sourceField"], operation))
                elif operation == "filters":
                    for item in column["params"]["filters"]:
                        uses += [(f, "filter") for f in _kql_fields(item["input"]["query"])]
                else:
                    assert operation == "count" and column["sourceField"] == "___records___"
    return uses


SUITS = {
    "date_histogram": {"date", "date_nanos"},
    "terms": {"keyword", "ip", "boolean"},
    "filter": {"keyword"},
    "sort": {"date", "date_nanos", "long", "keyword"},
}


@pytest.mark.parametrize("target", TARGETS)
def test_every_field_a_view_uses_is_mapped_with_a_type_that_suits_the_use(target):
    """Date histograms on dates, terms on keyword/ip/boolean with doc values, filters on keyword tags,
    columns on mapped fields: read from the objects and checked against the index template (in
    index_templates/) of the data view each object reads."""
    checked = 0
    objects = _objects(target)
    patterns = {o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    for obj in objects:
        [pattern] = {patterns[ref["id"]] for ref in obj["references"] if ref["type"] == "index-pattern"} or {"porttrack-logs-*"}
        mapped = MAPPED_BY_PATTERN[pattern]
        for path, use in _field_uses(obj):
            assert path in mapped, f"{obj['attributes']['title']}: {path} ({use}) is not mapped by index_templates/ for {pattern}"
            mapping = mapped[path]
            if use in SUITS:
                assert mapping["type"] in SUITS[use], (obj["attributes"]["title"], path, use, mapping)
                assert mapping.get("doc_values", True) or use == "filter", (path, use)
            checked += 1
    assert checked >= 25


def test_the_searches_filter_on_the_tags_the_pipeline_writes():
    """Alerts asks for tag alert, which pipelines/porttrack.conf adds; Parse failures asks for exactly the
    four failure tags; both sort newest first on @timestamp."""
    searches = {o["attributes"]["title"]: o["attributes"] for o in _objects("9.x") if o["type"] == "search"}
    assert set(searches) == {"Alerts", "Parse failures"}
    queries = {t: json.loads(a["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"] for t, a in searches.items()}
    assert _kql_fields(queries["Alerts"]) == ["tags"] and _kql_values(queries["Alerts"]) == {"alert"}
    assert 'add_tag => ["alert"]' in (ROOT / "pipelines" / "porttrack.conf").read_text()
    assert _kql_fields(queries["Parse failures"]) == ["tags"] and _kql_values(queries["Parse failures"]) == PARSE_FAILURE_TAGS
    assert " or " in queries["Parse failures"]
    for attributes in searches.values():
        assert attributes["sort"] == [["@timestamp", "desc"]]
    assert "event.original" in searches["Parse failures"]["columns"]


def test_the_dashboard_holds_every_search_and_lens_on_a_grid_without_overlap():
    """One panel per search and Lens object, inside 48 columns, no two panels covering the same cell."""
    objects = _objects("9.x")
    [board] = [o for o in objects if o["type"] == "dashboard"]
    panels = json.loads(board["attributes"]["panelsJSON"])
    shown = {ref["id"] for ref in board["references"]}
    assert shown == {o["id"] for o in objects if o["type"] in ("search", "lens")}
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridData"]
        assert grid["i"] == panel["panelIndex"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 48
        mine = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not mine & cells, panel["panelIndex"]
        cells |= mine


def test_parse_failure_rate_splits_every_event_into_failed_and_parsed():
    """The rate chart's two buckets are a query and its negation, shown as 100% stacked bars over time."""
    [lens] = [o for o in _objects("9.x") if o["type"] == "lens" and o["attributes"]["title"] == "Parse-failure rate"]
    state = lens["attributes"]["state"]
    assert state["visualization"]["layers"][0]["seriesType"] == "bar_percentage_stacked"
    [layer] = state["datasourceStates"]["formBased"]["layers"].values()
    [share] = [c for c in layer["columns"].values() if c["operationType"] == "filters"]
    failed, parsed = (f["input"]["query"] for f in share["params"]["filters"])
    assert parsed == f"not {failed}" and _kql_values(failed) == PARSE_FAILURE_TAGS


def _without(path: str) -> dict:
    return {p: s for p, s in fields().items() if p != path}


def test_a_renamed_field_fails_generation_naming_the_view_and_the_field():
    """log.level renamed in the templates: the export stops naming every view that uses it, and the field."""
    specs = _without("log.level")
    specs["log.severity"] = dataclasses.replace(fields()["log.level"], path="log.severity")
    with pytest.raises(ViewError) as caught:
        saved_objects("9.x", fields=specs)
    message = str(caught.value)
    assert "\n" not in message
    assert "Kibana view 'Alerts': field 'log.level' (column) is not in the index templates' field list" in message
    assert "Kibana view 'Events by log level': field 'log.level' (terms) is not in" in message
    assert "'Parse failures'" not in message


def test_a_missing_column_fails_generation_naming_the_search():
    """A search column whose field is gone is caught too, not only chart fields."""
    with pytest.raises(ViewError, match=r"'Parse failures'.*'event\.original' \(column\)"):
        saved_objects("8.x", fields=_without("event.original"))


def test_a_field_of_the_wrong_type_fails_generation_naming_the_use():
    """kubernetes.namespace mapped as text cannot be a terms bucket."""
    specs = dict(fields())
    specs["kubernetes.namespace"] = dataclasses.replace(specs["kubernetes.namespace"], type="text")
    with pytest.raises(ViewError, match=r"'Alerts by namespace and container'.*'kubernetes\.namespace' is mapped as text, but terms needs"):
        saved_objects("9.x", fields=specs)


def test_tags_without_doc_values_cannot_be_filtered_or_counted():
    """tags unindexed: the tag filter is refused (filters need an indexed field)."""
    specs = dict(fields())
    specs["tags"] = dataclasses.replace(specs["tags"], index=False)
    with pytest.raises(ViewError, match=r"'tags' is not indexed, which tag filter needs"):
        saved_objects("9.x", fields=specs)


def test_an_unknown_kibana_line_is_refused():
    """Only the lines the migration table knows are written."""
    with pytest.raises(ViewError, match=r"'7\.x'.*8\.x, 9\.x"):
        render("7.x")


def test_the_package_exports_what_it_lists():
    """porttrack_logs.kibana.__all__ names exist, and none is private."""
    import porttrack_logs.kibana as kibana

    assert all(hasattr(kibana, name) and not name.startswith("_") for name in kibana.__all__)
    assert {"saved_objects", "render", "export", "ViewError", "ImportSettings", "import_ndjson"} <= set(kibana.__all__)


def test_the_dead_letter_chart_reads_the_dead_letter_index_by_reason():
    """"Dead letters over time by reason" points at the data view over porttrack-deadletters-*, and buckets
    the records by @timestamp and by the reason keyword; a renamed reason field fails generation."""
    objects = _objects("9.x")
    [lens] = [o for o in objects if o["type"] == "lens" and o["attributes"]["title"] == "Dead letters over time by reason"]
    [ref] = lens["references"]
    [view] = [o for o in objects if o["id"] == ref["id"]]
    assert view["attributes"]["title"] == "porttrack-deadletters-*"
    [layer] = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
    used = {(c["operationType"], c.get("sourceField")) for c in layer["columns"].values()}
    assert used == {("date_histogram", "@timestamp"), ("terms", "reason"), ("count", "___records___")}
    from porttrack_logs.templates import deadletter_fields

    specs = {p: s for p, s in deadletter_fields().items() if p != "reason"}
    with pytest.raises(ViewError, match=r"'Dead letters over time by reason': field 'reason' \(terms\) is not in"):
        saved_objects("9.x", deadletters=specs)
