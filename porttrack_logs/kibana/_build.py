"""The description in `_views` turned into Kibana saved objects, checked against the templates' fields.

`saved_objects(target)` gives the objects in import order (what others point at comes first);
`render(target)` the exact NDJSON `kibana_exports/porttrack-<target>.ndjson` holds. Every field a view
names is looked up in the field list of its data view's indices (`porttrack_logs.templates.fields()` for
the logs, `deadletter_fields()` for the dead-letter index) with the use it is put to: a field that is
missing, or whose type cannot serve that use, raises `ViewError` naming the view and the field.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Mapping

from ..errors import PortTrackError
from ..templates import FieldSpec, deadletter_fields, fields as template_fields
from ._versions import CORE_MIGRATION_VERSION, TARGETS, TYPE_MIGRATION_VERSIONS
from ._views import (
    DASHBOARD, DATA_VIEWS, LENS_VIEWS, SEARCHES, Dashboard, DataView, DateHistogram, LensView, SavedSearch,
    TagShare, Terms,
)

__all__ = ["ViewError", "USES", "saved_objects", "render", "export", "default_path", "object_id", "tags_query", "NAMESPACE"]

#: The namespace of every saved object id: uuid5(NAMESPACE, "<type>/<name>"), the same on 8.x and 9.x,
#: so importing a newer export over an older one overwrites instead of duplicating.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/porttrack/porttrack-logs/kibana")

#: use -> the Elasticsearch types a field may have for it (None: any mapped leaf).
USES: Mapping[str, frozenset[str] | None] = {
    "time field": frozenset({"date", "date_nanos"}),
    "date histogram": frozenset({"date", "date_nanos"}),
    "terms": frozenset({"keyword", "ip", "boolean"}),
    "tag filter": frozenset({"keyword"}),
    "sort": frozenset({"date", "date_nanos", "long", "keyword", "ip", "boolean"}),
    "column": None,
}
#: Uses that read doc values (aggregations, sorting).
_AGGREGATING = frozenset({"time field", "date histogram", "terms", "sort"})

_LENS_DATA_TYPE = {"keyword": "string", "ip": "ip", "boolean": "boolean", "date": "date", "date_nanos": "date"}
_REPO_ROOT = Path(__file__).resolve().parents[2]
_LAYER_REF = "indexpattern-datasource-layer-{}"
_SEARCH_INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


class ViewError(PortTrackError):
    """A Kibana view that cannot be built: a field it names is not mapped, or not fit for its use."""


def object_id(kind: str, name: str) -> str:
    """The stable id of the saved object of `kind` named `name`."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{name}"))


def _sub_id(view: str, role: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"lens/{view}/{role}"))


def tags_query(tags: tuple[str, ...]) -> str:
    """KQL for events carrying any of `tags`."""
    if not tags:
        return ""
    if len(tags) == 1:
        return f'tags : "{tags[0]}"'
    return "tags : (" + " or ".join(f'"{t}"' for t in tags) + ")"


class _Fields:
    """A field list, asked on behalf of one view at a time; gathers every problem (into `problems`, which
    the lists of several data views may share, so that all are reported at once)."""

    __slots__ = ("_specs", "problems")

    def __init__(self, specs: Mapping[str, FieldSpec], problems: list[str] | None = None) -> None:
        self._specs = specs
        self.problems: list[str] = [] if problems is None else problems

    def use(self, view: str, path: str, use: str) -> FieldSpec:
        """The field at `path` for `use` in `view`; a problem is recorded and a stand-in returned."""
        spec = self._specs.get(path)
        problem = None
        allowed = USES[use]
        if spec is None:
            problem = f"field {path!r} ({use}) is not in the index templates' field list"
        elif spec.type == "object" or (allowed is not None and spec.type not in allowed):
            wanted = "a mapped leaf field" if allowed is None else " or ".join(sorted(allowed))
            problem = f"field {path!r} is mapped as {spec.type}, but {use} needs {wanted}"
        elif use in _AGGREGATING and not spec.doc_values:
            problem = f"field {path!r} has no doc values, which {use} needs"
        elif use in ("tag filter", "terms") and not spec.index:
            problem = f"field {path!r} is not indexed, which {use} needs"
        if problem is None:
            return spec
        self.problems.append(f"Kibana view {view!r}: {problem}")
        stand_in = "keyword" if allowed is None else sorted(allowed)[0]
        return FieldSpec(path, stand_in, "stand-in for a field that failed its check")

    def check(self) -> None:
        """Raise every recorded problem at once, in one line."""
        if self.problems:
            raise ViewError(
                "; ".join(self.problems)
                + " (fields come from porttrack_logs.templates.fields(); fix the view in porttrack_logs/kibana/_views.py or map the field)"
            )


def _saved(kind: str, name: str, attributes: dict[str, Any], references: list[dict[str, str]], target: str) -> dict[str, Any]:
    return {
        "id": object_id(kind, name),
        "type": kind,
        "attributes": attributes,
        "references": references,
        "managed": False,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSIONS[target][kind],
    }


def _data_view(view: DataView, known: _Fields, target: str) -> dict[str, Any]:
    known.use(view.title, view.time_field, "time field")
    attributes = {
        "title": view.pattern,
        "name": view.title,
        "timeFieldName": view.time_field,
        "fields": "[]",
        "fieldFormatMap": "{}",
        "runtimeFieldMap": "{}",
        "sourceFilters": "[]",
        "allowNoIndex": False,
    }
    return _saved("index-pattern", view.name, attributes, [], target)


def _tags(view: str, tags: tuple[str, ...], known: _Fields) -> str:
    if tags:
        known.use(view, "tags", "tag filter")
    return tags_query(tags)


def _search(search: SavedSearch, data_view_id: str, known: _Fields, target: str) -> dict[str, Any]:
    for column in search.columns:
        known.use(search.title, column, "column")
    for path, _ in search.sort:
        known.use(search.title, path, "sort")
    source = {
        "query": {"query": _tags(search.title, search.tags, known), "language": "kuery"},
        "filter": [],
        "indexRefName": _SEARCH_INDEX_REF,
    }
    attributes = {
        "title": search.title,
        "description": search.description,
        "columns": list(search.columns),
        "sort": [[path, direction] for path, direction in search.sort],
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source, sort_keys=True)},
    }
    references = [{"name": _SEARCH_INDEX_REF, "type": "index-pattern", "id": data_view_id}]
    return _saved("search", search.name, attributes, references, target)


def _count_column() -> dict[str, Any]:
    return {
        "label": "Events",
        "customLabel": True,
        "dataType": "number",
        "operationType": "count",
        "sourceField": "___records___",
        "isBucketed": False,
        "scale": "ratio",
        "params": {"emptyAsNull": True},
    }


def _bucket_column(view: LensView, bucket: Any, count_id: str, known: _Fields) -> dict[str, Any]:
    if isinstance(bucket, DateHistogram):
        spec = known.use(view.title, bucket.field, "date histogram")
        return {
            "label": spec.path,
            "dataType": "date",
            "operationType": "date_histogram",
            "sourceField": spec.path,
            "isBucketed": True,
            "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
        }
    if isinstance(bucket, Terms):
        spec = known.use(view.title, bucket.field, "terms")
        return {
            "label": bucket.label,
            "customLabel": True,
            "dataType": _LENS_DATA_TYPE[spec.type],
            "operationType": "terms",
            "sourceField": spec.path,
            "isBucketed": True,
            "scale": "ordinal",
            "params": {
                "size": bucket.size,
                "orderBy": {"type": "column", "columnId": count_id},
                "orderDirection": "desc",
                "otherBucket": True,
                "missingBucket": bucket.missing,
                "parentFormat": {"id": "terms"},
                "include": [],
                "exclude": [],
                "includeIsRegex": False,
                "excludeIsRegex": False,
            },
        }
    if isinstance(bucket, TagShare):
        query = _tags(view.title, bucket.tags, known)
        return {
            "label": "Filters",
            "dataType": "string",
            "operationType": "filters",
            "isBucketed": True,
            "scale": "ordinal",
            "params": {
                "filters": [
                    {"input": {"query": query, "language": "kuery"}, "label": bucket.with_label},
                    {"input": {"query": f"not {query}", "language": "kuery"}, "label": bucket.without_label},
                ]
            },
        }
    raise ViewError(f"Kibana view {view.title!r}: unknown bucket {bucket!r}")


def _lens(view: LensView, data_view_id: str, known: _Fields, target: str) -> dict[str, Any]:
    layer = _sub_id(view.name, "layer")
    count_id = _sub_id(view.name, "count")
    bucket_ids = [_sub_id(view.name, f"bucket-{i}") for i in range(len(view.buckets))]
    columns = {cid: _bucket_column(view, b, count_id, known) for cid, b in zip(bucket_ids, view.buckets)}
    columns[count_id] = _count_column()
    shape = tuple(type(b) for b in view.buckets)
    if view.chart in ("stacked_bars", "percentage_bars"):
        if len(shape) != 2 or shape[0] is not DateHistogram or shape[1] is DateHistogram:
            raise ViewError(f"Kibana view {view.title!r}: {view.chart} takes a date histogram and a split")
        x, split = bucket_ids
        series = "bar_stacked" if view.chart == "stacked_bars" else "bar_percentage_stacked"
        order = [split, x, count_id]
        kind = "lnsXY"
        visualization: dict[str, Any] = _xy(layer, series, x, [count_id], split)
    elif view.chart == "horizontal_bars":
        if shape != (Terms,):
            raise ViewError(f"Kibana view {view.title!r}: horizontal_bars takes one terms bucket")
        order = [bucket_ids[0], count_id]
        kind = "lnsXY"
        visualization = _xy(layer, "bar_horizontal", bucket_ids[0], [count_id], None)
    elif view.chart == "table":
        if not shape or DateHistogram in shape:
            raise ViewError(f"Kibana view {view.title!r}: a table takes terms buckets")
        order = [*bucket_ids, count_id]
        kind = "lnsDatatable"
        visualization = {
            "layerId": layer,
            "layerType": "data",
            "columns": [{"columnId": cid, "isTransposed": False} for cid in order],
        }
    else:
        raise ViewError(f"Kibana view {view.title!r}: unknown chart {view.chart!r}")
    attributes = {
        "title": view.title,
        "description": view.description,
        "visualizationType": kind,
        "state": {
            "visualization": visualization,
            "query": {"query": _tags(view.title, view.tags, known), "language": "kuery"},
            "filters": [],
            "datasourceStates": {
                "formBased": {
                    "layers": {
                        layer: {"columns": columns, "columnOrder": order, "incompleteColumns": {}, "sampling": 1}
                    }
                }
            },
            "internalReferences": [],
            "adHocDataViews": {},
        },
    }
    references = [{"type": "index-pattern", "id": data_view_id, "name": _LAYER_REF.format(layer)}]
    return _saved("lens", view.name, attributes, references, target)


def _xy(layer: str, series: str, x: str, accessors: list[str], split: str | None) -> dict[str, Any]:
    data_layer: dict[str, Any] = {
        "layerId": layer,
        "layerType": "data",
        "seriesType": series,
        "xAccessor": x,
        "accessors": accessors,
    }
    if split is not None:
        data_layer["splitAccessor"] = split
    return {
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "fittingFunction": "None",
        "preferredSeriesType": series,
        "layers": [data_layer],
    }


def _dashboard(board: Dashboard, by_name: Mapping[str, dict[str, Any]], target: str) -> dict[str, Any]:
    # Each panel names `panel_<panelIndex>`; its reference is `<panelIndex>:panel_<panelIndex>`, the form
    # Kibana exports and reads back (getReferencesForPanelId strips the "<panelIndex>:" prefix).
    panels: list[dict[str, Any]] = []
    references: list[dict[str, str]] = []
    for panel in board.panels:
        target_object = by_name.get(panel.view)
        if target_object is None:
            raise ViewError(f"Kibana view {board.title!r}: panel names view {panel.view!r}, which is not described")
        if panel.x < 0 or panel.w <= 0 or panel.x + panel.w > 48 or panel.h <= 0 or panel.y < 0:
            raise ViewError(f"Kibana view {board.title!r}: panel {panel.view!r} does not fit the 48-column grid")
        index = str(uuid.uuid5(NAMESPACE, f"dashboard/{board.name}/panel/{panel.view}"))
        panels.append({
            "type": target_object["type"],
            "gridData": {"x": panel.x, "y": panel.y, "w": panel.w, "h": panel.h, "i": index},
            "panelIndex": index,
            "embeddableConfig": {"enhancements": {}},
            "panelRefName": f"panel_{index}",
        })
        references.append({"name": f"{index}:panel_{index}", "type": target_object["type"], "id": target_object["id"]})
    attributes = {
        "title": board.title,
        "description": board.description,
        "panelsJSON": json.dumps(panels, sort_keys=True),
        "optionsJSON": json.dumps(
            {"useMargins": True, "syncColors": False, "syncCursor": True, "syncTooltips": False, "hidePanelTitles": False},
            sort_keys=True,
        ),
        "timeRestore": True,
        "timeFrom": board.time_from,
        "timeTo": board.time_to,
        "refreshInterval": {"pause": False, "value": board.refresh_ms},
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []}, sort_keys=True)
        },
    }
    return _saved("dashboard", board.name, attributes, references, target)


def _check_target(target: str) -> None:
    if target not in TARGETS:
        raise ViewError(f"Kibana version {target!r}: expected one of {', '.join(TARGETS)}")


def saved_objects(
    target: str = "9.x",
    *,
    fields: Mapping[str, FieldSpec] | None = None,
    deadletters: Mapping[str, FieldSpec] | None = None,
) -> list[dict[str, Any]]:
    """Every saved object for Kibana `target` (8.x or 9.x), in import order. `fields` and `deadletters`
    replace the logs' and the dead-letter index's field lists (tests rename fields through them)."""
    _check_target(target)
    lists = {
        "logs": template_fields() if fields is None else fields,
        "deadletters": deadletter_fields() if deadletters is None else deadletters,
    }
    views = {view.name: view for view in DATA_VIEWS}
    problems: list[str] = []
    known = {name: _Fields(lists[view.fields], problems) for name, view in views.items()}
    data_views = {name: _data_view(view, known[name], target) for name, view in views.items()}
    main = DATA_VIEWS[0].name
    searches = [_search(s, data_views[main]["id"], known[main], target) for s in SEARCHES]
    lenses = []
    for view in LENS_VIEWS:
        if view.data_view not in views:
            raise ViewError(f"Kibana view {view.title!r}: data view {view.data_view!r} is not described")
        lenses.append(_lens(view, data_views[view.data_view]["id"], known[view.data_view], target))
    by_name = {s.name: o for s, o in zip(SEARCHES, searches)}
    for view, obj in zip(LENS_VIEWS, lenses):
        if view.name in by_name:
            raise ViewError(f"Kibana view {view.title!r}: the name {view.name!r} is used twice")
        by_name[view.name] = obj
    objects = [*data_views.values(), *searches, *lenses, _dashboard(DASHBOARD, by_name, target)]
    known[main].check()  # every data view's problems, at once
    return objects


def render(target: str = "9.x", *, fields: Mapping[str, FieldSpec] | None = None) -> str:
    """The import NDJSON for `target`: one object a line, keys sorted, newline-terminated."""
    objects = saved_objects(target, fields=fields)
    lines = (json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for obj in objects)
    return "".join(line + "\n" for line in lines)


def default_path(target: str) -> Path:
    """Where the checkout keeps the export for `target`: kibana_exports/porttrack-<target>.ndjson."""
    _check_target(target)
    return _REPO_ROOT / "kibana_exports" / f"porttrack-{target}.ndjson"


def export(target: str, path: Path | None = None) -> Path:
    """Write the NDJSON for `target` to `path` (default: `default_path(target)`) and return the path."""
    text = render(target)
    out = default_path(target) if path is None else path
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
