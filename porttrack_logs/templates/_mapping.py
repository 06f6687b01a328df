"""The mappings of a set of templates, and what Elasticsearch would do with one document under them.

`Mappings.from_directory(DIR)` reads component templates (`component/*.json`) and composable index
templates (`index/*.json`), as `index_templates/` holds them; `mappings.for_index(name)` resolves
the index template whose pattern matches (highest priority), merging its components in order, as
Elasticsearch does when it creates the index. `IndexState.check(document)` walks one document as
Elasticsearch's document parser does, in the key order it is sent, and returns the first rejection
(Elasticsearch stops at the first) plus notes; the dynamic fields an accepted document adds are
kept, so a later document of the same index is judged against them too.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ._values import SCALAR_TYPES, JsonFloat, UnknownFormat, check_scalar

__all__ = ["Mappings", "IndexState", "Verdict", "Problem", "load_document"]

_METADATA_FIELDS = frozenset(
    {"_id", "_index", "_source", "_routing", "_ignored", "_seq_no", "_version", "_field_names", "_tier",
     "_doc_count", "_data_stream_timestamp", "_feature", "_nested_path", "_primary_term", "_ignored_source"}
)


def load_document(data: bytes | str) -> dict[str, Any]:
    """A JSON document as Elasticsearch reads it: keys in order, numbers with a fraction keeping their text."""
    return json.loads(data, parse_float=JsonFloat)


@dataclass(frozen=True, slots=True)
class Problem:
    """What Elasticsearch does with one field of one document: `rejects` or only a note."""

    field: str
    reason: str
    rejects: bool


@dataclass(slots=True)
class Verdict:
    """The outcome for one document: the rejection (None when indexed) and the notes."""

    rejection: Problem | None = None
    notes: list[Problem] = field(default_factory=list)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if key == "dynamic_templates" and isinstance(value, list):
            names = {next(iter(t)) for t in value}
            out[key] = [t for t in out.get(key, []) if next(iter(t)) not in names] + list(value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _flat_settings(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in settings.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flat_settings(value, path))
        else:
            out[path if path.startswith("index.") else f"index.{path}"] = value
    return out


def _truth(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


class Mappings:
    """Component and index templates read from files, resolvable to the mapping of an index."""

    def __init__(self, components: dict[str, dict[str, Any]], index_templates: dict[str, dict[str, Any]]) -> None:
        self.components = components
        self.index_templates = index_templates

    @classmethod
    def from_directory(cls, directory: str | Path) -> "Mappings":
        root = Path(directory)
        if not root.is_dir():
            raise ConfigError(f"{root}: no such template directory (expected component/*.json and index/*.json)")
        components = {p.stem: cls._read(p) for p in sorted((root / "component").glob("*.json"))}
        indexes = {p.stem: cls._read(p) for p in sorted((root / "index").glob("*.json"))}
        if not indexes:
            raise ConfigError(f"{root}: no index template (index/*.json)")
        return cls(components, indexes)

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None

    def template_for(self, index: str) -> tuple[str, dict[str, Any]] | None:
        """The index template Elasticsearch would pick for `index` (highest priority match)."""
        matches = [
            (int(body.get("priority", 0)), name, body)
            for name, body in self.index_templates.items()
            if any(fnmatch.fnmatchcase(index, p) for p in body.get("index_patterns", []))
        ]
        if not matches:
            return None
        _, name, body = max(matches, key=lambda m: m[0])
        return name, body

    def for_index(self, index: str, *, major: int = 9) -> "IndexState":
        """A fresh index's mapping (what its template resolves to) on a node of that major, ready to
        check documents in order."""
        found = self.template_for(index)
        mappings: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        if found is not None:
            name, body = found
            for component in body.get("composed_of", []):
                part = self.components.get(component)
                if part is None:
                    if component in body.get("ignore_missing_component_templates", []):
                        continue
                    raise ConfigError(f"index template {name} is composed of {component}, which the directory lacks")
                template = part.get("template", {})
                mappings = _deep_merge(mappings, template.get("mappings", {}))
                settings.update(_flat_settings(template.get("settings", {})))
            own = body.get("template", {})
            mappings = _deep_merge(mappings, own.get("mappings", {}))
            settings.update(_flat_settings(own.get("settings", {})))
        return IndexState(index, found[0] if found else None, mappings, settings, major=major)


def _java_split(name: str) -> list[str]:
    parts = name.split(".")
    while parts and parts[-1] == "":
        parts.pop()  # Java's String.split drops trailing empty strings
    return parts


class _Dynamic:
    """Fields and objects added dynamically: committed (earlier documents) and pending (this one).

    Within one document Elasticsearch keeps new objects and new fields apart: an object value finds
    only objects the document added, a scalar only fields. A name the document makes both is no
    parse error; the document fails when its mapping update is merged, after parsing, so a parse
    error anywhere in it is reported first (`conflict` holds the first such name)."""

    def __init__(self) -> None:
        self.committed: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.fields: dict[str, dict[str, Any]] = {}
        self.conflict: str | None = None

    def start(self) -> None:
        self.objects, self.fields, self.conflict = {}, {}, None

    def get(self, path: str, want_object: bool) -> dict[str, Any] | None:
        found = self.committed.get(path)
        if found is not None:
            return found
        mine, other = (self.objects, self.fields) if want_object else (self.fields, self.objects)
        found = mine.get(path)
        if found is None and path in other and self.conflict is None:
            self.conflict = path
        return found

    def add(self, path: str, node: dict[str, Any], is_object: bool) -> None:
        (self.objects if is_object else self.fields)[path] = node

    def count(self) -> int:
        """Fields and objects added so far (multi-fields of a new field included)."""
        return sum(1 + len(n.get("fields") or {}) for n in (*self.committed.values(), *self.objects.values(), *self.fields.values()))

    def commit(self) -> None:
        self.committed.update(self.objects)
        self.committed.update(self.fields)


class IndexState:
    """One index's mapping and the dynamic fields documents added to it so far."""

    def __init__(
        self, index: str, template: str | None, mappings: dict[str, Any], settings: dict[str, Any], *, major: int = 9
    ) -> None:
        if major not in (8, 9):
            raise ValueError(f"the check knows Elasticsearch 8 and 9, not {major}")
        self.major = major
        self.index = index
        self.template = template
        self.root = {"properties": mappings.get("properties", {}), "dynamic": mappings.get("dynamic", True)}
        self.dynamic_templates = [
            (next(iter(t)), t[next(iter(t))]) for t in mappings.get("dynamic_templates", [])
        ]
        self.date_detection = _truth(mappings.get("date_detection"), True)
        self.numeric_detection = _truth(mappings.get("numeric_detection"), False)
        self.coerce = _truth(settings.get("index.mapping.coerce"), True)
        self.ignore_malformed = _truth(settings.get("index.mapping.ignore_malformed"), False)
        self.depth_limit = int(settings.get("index.mapping.depth.limit", 20))
        self.fields_limit = int(settings.get("index.mapping.total_fields.limit", 1000))
        self.ignore_beyond_limit = _truth(settings.get("index.mapping.total_fields.ignore_dynamic_beyond_limit"), False)
        self.static_fields = _count_fields(self.root["properties"]) + len(mappings.get("runtime", {}))
        self.dynamic = _Dynamic()
        self.unchecked: set[str] = set()

    # -- the walk -------------------------------------------------------------------------------
    def check(self, document: dict[str, Any]) -> Verdict:
        """What Elasticsearch does with `document` (a dict from `load_document`): the first rejection and notes."""
        verdict = Verdict()
        self.dynamic.start()
        try:
            self._object(self.root, "", document, verdict, self._dynamic_of(self.root, "true"))
        except _Rejected as exc:
            verdict.rejection = exc.problem
        if verdict.rejection is None and self.dynamic.conflict is not None:
            verdict.rejection = Problem(
                self.dynamic.conflict,
                "the document makes this new field both an object and a value: its mapping update cannot be merged",
                True,
            )
        if verdict.rejection is None:
            self.dynamic.commit()
        self.dynamic.start()
        return verdict

    @staticmethod
    def _dynamic_of(node: dict[str, Any], inherited: str) -> str:
        value = node.get("dynamic")
        if value is None:
            return inherited
        return str(value).lower()

    def _child(self, node: dict[str, Any], path: str, name: str, want_object: bool) -> dict[str, Any] | None:
        props = node.get("properties") or {}
        if name in props:
            return props[name]
        return self.dynamic.get(f"{path}.{name}" if path else name, want_object)

    def _object(self, node: dict[str, Any], path: str, value: dict[str, Any], verdict: Verdict, dynamic: str) -> None:
        if node.get("enabled") is False:
            return
        for key, item in value.items():
            if key == "":
                raise _Rejected(Problem(path or key, "a field name is empty", True))
            parts = _java_split(key)
            if not parts or any(p.strip() == "" for p in parts):
                raise _Rejected(Problem(f"{path}.{key}" if path else key, f"field name [{key}] has an empty or blank part", True))
            parent, parent_path, parent_dynamic = node, path, dynamic
            for i, part in enumerate(parts[:-1]):  # a dotted name means objects: a.b -> {a: {b}}
                child_path = f"{parent_path}.{part}" if parent_path else part
                child = self._child(parent, parent_path, part, True)
                if child is None:
                    child = self._new_object(parent, parent_path, part, parent_dynamic, verdict)
                    if child is None:
                        break
                elif child.get("type") == "flattened":  # the rest of the name is a key inside it
                    self._flattened(child, child_path, len(parts) - i - 1 + _depth(item))
                    break
                elif not self._is_object(child):
                    raise _Rejected(Problem(
                        child_path,
                        f"[{child_path}] is mapped as {child.get('type')}, but the name {key} needs it to be an object",
                        True,
                    ))
                parent_dynamic = self._dynamic_of(child, parent_dynamic)
                parent, parent_path = child, child_path
            else:
                self._value(parent, parent_path, parts[-1], item, verdict, parent_dynamic)

    @staticmethod
    def _is_object(node: dict[str, Any]) -> bool:
        return node.get("type", "object") in ("object", "nested")

    def _room(self, full: str, adding: int, verdict: Verdict) -> bool:
        """Whether `adding` more mapped fields fit index.mapping.total_fields.limit; past it the field is
        kept in _source unmapped (ignore_dynamic_beyond_limit) or the document is rejected."""
        if self.static_fields + self.dynamic.count() + adding <= self.fields_limit:
            return True
        if self.ignore_beyond_limit:
            verdict.notes.append(Problem(full, f"past total_fields.limit {self.fields_limit}: kept in _source, not mapped", False))
            return False
        raise _Rejected(Problem(full, f"a new field past index.mapping.total_fields.limit {self.fields_limit}", True))

    def _flattened(self, node: dict[str, Any], full: str, depth: int) -> None:
        limit = int(node.get("depth_limit", 20))
        if depth > limit:
            raise _Rejected(Problem(full, f"objects nested {depth} deep in a flattened field: its depth_limit is {limit}", True))

    def _new_object(self, parent: dict[str, Any], path: str, name: str, dynamic: str, verdict: Verdict) -> dict[str, Any] | None:
        full = f"{path}.{name}" if path else name
        if dynamic in ("true", "runtime") and full.count(".") + 2 > self.depth_limit:
            # the root object is depth 1: a new object n names deep is depth n + 1
            raise _Rejected(Problem(full, f"a new object nested past index.mapping.depth.limit {self.depth_limit}", True))
        if dynamic == "strict":
            raise _Rejected(Problem(full, f"dynamic is strict: [{name}] may not be added within [{path or '_doc'}]", True))
        if dynamic == "false":
            return None
        mapping = self._template(full, name, "object") or {}
        if not self._room(full, 1, verdict):
            return None
        node = {"properties": {}, **{k: v for k, v in mapping.items() if k in ("dynamic", "enabled", "type")}}
        if node.get("type") not in (None, "object"):
            leaf = dict(mapping)
            self.dynamic.add(full, leaf, True)
            return leaf
        node.pop("type", None)
        self.dynamic.add(full, node, True)
        return node

    def _value(self, parent: dict[str, Any], path: str, name: str, value: Any, verdict: Verdict, dynamic: str) -> None:
        full = f"{path}.{name}" if path else name
        if isinstance(value, list):
            for item in value:
                self._value(parent, path, name, item, verdict, dynamic)
            return
        if full in _METADATA_FIELDS:  # any value, null too, is refused; an empty array is no value
            raise _Rejected(Problem(full, f"[{full}] is a metadata field and cannot be added inside a document", True))
        if value is None:
            return
        node = self._child(parent, path, name, isinstance(value, dict))
        if isinstance(value, dict):
            if node is None:
                node = self._new_object(parent, path, name, dynamic, verdict)
                if node is None:
                    return
            if self._is_object(node):
                self._object(node, full, value, verdict, self._dynamic_of(node, dynamic))
                return
            kind = node.get("type")
            if kind == "flattened":
                self._flattened(node, full, _depth(value))
                return
            if kind in ("geo_point", "geo_shape", "shape", "point", "join", "percolator"):
                self.unchecked.add(f"{full} ({kind})")
                return
            raise _Rejected(Problem(full, f"an object where {kind} is mapped", True))
        # a scalar
        if node is None:
            node = self._new_leaf(parent, path, name, value, dynamic, verdict)
            if node is None:
                return
        if self._is_object(node):
            raise _Rejected(Problem(full, f"a {_json_kind(value)} value where an object is mapped", True))
        kind = node.get("type")
        if kind == "flattened":
            raise _Rejected(Problem(full, f"a {_json_kind(value)} value where flattened (an object) is mapped", True))
        if kind not in SCALAR_TYPES:
            self.unchecked.add(f"{full} ({kind})")
            return
        try:
            rejection, note = check_scalar(kind, value, node, coerce_default=self.coerce, major=self.major)
        except UnknownFormat as exc:
            self.unchecked.add(f"{full} (date format {exc})")
            return
        if rejection is not None:
            if _truth(node.get("ignore_malformed"), self.ignore_malformed) and kind not in ("keyword", "text", "boolean"):
                verdict.notes.append(Problem(full, f"{rejection}: ignored (ignore_malformed), the document is kept", False))
                return
            raise _Rejected(Problem(full, rejection, True))
        if note is not None:
            verdict.notes.append(Problem(full, note, False))
        for sub_name, sub in (node.get("fields") or {}).items():  # multi-fields read the same value
            sub_kind = sub.get("type")
            if sub_kind in SCALAR_TYPES:
                try:
                    sub_rejection, _ = check_scalar(sub_kind, value, sub, coerce_default=self.coerce, major=self.major)
                except UnknownFormat as exc:
                    self.unchecked.add(f"{full}.{sub_name} (date format {exc})")
                    continue
                if sub_rejection is not None and not _truth(sub.get("ignore_malformed"), self.ignore_malformed):
                    raise _Rejected(Problem(f"{full}.{sub_name}", sub_rejection, True))

    def _new_leaf(
        self, parent: dict[str, Any], path: str, name: str, value: Any, dynamic: str, verdict: Verdict
    ) -> dict[str, Any] | None:
        full = f"{path}.{name}" if path else name
        if dynamic == "strict":
            raise _Rejected(Problem(full, f"dynamic is strict: [{name}] may not be added within [{path or '_doc'}]", True))
        if dynamic in ("false", "runtime"):
            return None
        kind = _mapping_type(value, self.date_detection, self.numeric_detection, self.major)
        mapping = self._template(full, name, kind)
        if mapping is None:
            mapping = _default_dynamic(kind)
        else:
            mapping = {k: (v.replace("{name}", name).replace("{dynamic_type}", kind) if isinstance(v, str) else v)
                       for k, v in mapping.items()}
            if "type" not in mapping or mapping["type"] == "{dynamic_type}":
                mapping["type"] = _default_dynamic(kind)["type"]
        if not self._room(full, 1 + len(mapping.get("fields") or {}), verdict):
            return None
        self.dynamic.add(full, mapping, False)
        return mapping

    def _template(self, full: str, name: str, kind: str) -> dict[str, Any] | None:
        for _, template in self.dynamic_templates:
            types = template.get("match_mapping_type", "*")
            types = [types] if isinstance(types, str) else list(types)
            if "*" not in types and kind not in types:
                continue
            regex = template.get("match_pattern") == "regex"
            if not _matches(template.get("match"), name, regex, True) or _matches(template.get("unmatch"), name, regex, False):
                continue
            if not _matches(template.get("path_match"), full, regex, True) or _matches(template.get("path_unmatch"), full, regex, False):
                continue
            if "runtime" in template:
                return None
            return dict(template.get("mapping", {}))
        return None


def _count_fields(properties: dict[str, Any]) -> int:
    """Mapped fields and objects under `properties`, multi-fields included, as total_fields.limit counts them."""
    total = 0
    for node in properties.values():
        total += 1 + len(node.get("fields") or {})
        total += _count_fields(node.get("properties") or {})
    return total


def _depth(value: Any) -> int:
    """Objects nested in a value (an object 1, an object in it 2; arrays add nothing)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_depth(v) for v in value), default=0)
    return 0


def _matches(patterns: Any, text: str, regex: bool, empty: bool) -> bool:
    if patterns is None:
        return empty
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        if regex and re.fullmatch(pattern, text):
            return True
        if not regex and fnmatch.fnmatchcase(text, pattern):
            return True
    return False


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def _mapping_type(value: Any, date_detection: bool, numeric_detection: bool, major: int) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if date_detection:
        from ._values import parse_date

        if parse_date(value, "strict_date_optional_time", major) if value else False:
            return "date"
    return "string"


def _default_dynamic(kind: str) -> dict[str, Any]:
    return {
        "string": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
        "long": {"type": "long"},
        "double": {"type": "float"},
        "boolean": {"type": "boolean"},
        "date": {"type": "date"},
        "object": {"type": "object"},
    }[kind]


class _Rejected(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
