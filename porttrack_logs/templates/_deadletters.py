"""The dead-letter index: one document per dead letter queue record, so Kibana can chart dead-letter rates.

The queue itself lives in a local directory (`sinks.dead_letter`); `porttrack-logs dlq ship --es URL`
copies its records into daily indices `porttrack-deadletters-YYYY.MM.DD` (by the record's own time), which
the composable index template here maps. The fields are `FieldSpec`s, as PortTrack's log fields are, so
the Kibana views check their fields against this list the same way.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from ._build import MANAGED_BY, VERSION, _properties
from ._fields import FieldSpec

__all__ = ["DEADLETTER_NAME", "DEADLETTER_PRIORITY", "deadletter_fields", "deadletter_template", "deadletter_index"]

#: The template's name; its indices are `porttrack-deadletters-YYYY.MM.DD`.
DEADLETTER_NAME = "porttrack-deadletters"
#: As the log template's: above the built-in templates, below an operator's override.
DEADLETTER_PRIORITY = 200

_K, _D, _L = "keyword", "date", "long"


def _field(path: str, type_: str, description: str, **kw: Any) -> FieldSpec:
    return FieldSpec(path, type_, description, component="deadletters", **kw)


_FIELDS: tuple[FieldSpec, ...] = (
    _field("@timestamp", _D, "when the record was written to the dead letter queue"),
    _field("reason", _K, "why the event was rejected, as the queue recorded it (Elasticsearch's reason, the decode or filter error)"),
    _field("stage", _K, "where it was rejected: decode, filter or output"),
    _field("plugin", _K, "the plugin that rejected it (its id, or name@line:column)"),
    _field("place", _K, "where the input came from: file@offset, topic-partition-offset, ..."),
    _field("status", _L, "the HTTP status Elasticsearch answered for the document (output stage only)"),
    _field("error_type", _K, "Elasticsearch's error type (mapper_parsing_exception, ...) or the exception's name"),
    _field("index", _K, "the index the document was meant for (output stage only)"),
    _field("document_id", _K, "the document id it was sent under (the source position or fingerprint)"),
    _field("dlq.id", _K, "the record's place in the queue when shipped (SEGMENT@OFFSET, as `dlq list` prints it; a replay renumbers)"),
    _field("dlq.queue", _K, "the queue directory the record was shipped from"),
    _field("original", _K, "the input exactly as it came in, as text: kept in _source for audit, neither indexed nor aggregatable",
           index=False, doc_values=False),
    _field("original_base64", _K, "the input as base64, when its bytes are no UTF-8 (then `original` is absent)",
           index=False, doc_values=False),
    _field("event", "object", "the event as it was when rejected: kept in _source, not mapped", params={"enabled": False}),
)
_BY_PATH = MappingProxyType({spec.path: spec for spec in _FIELDS})


def deadletter_fields() -> Mapping[str, FieldSpec]:
    """Every field of the dead-letter index by dotted path (read-only)."""
    return _BY_PATH


def deadletter_index(prefix: str, day: str) -> str:
    """The daily index a record of `day` (YYYY.MM.DD) goes to."""
    return f"{prefix}{DEADLETTER_NAME}-{day}"


def deadletter_template(prefix: str = "", *, replicas: int = 1) -> tuple[str, dict[str, Any]]:
    """The composable index template for `<prefix>porttrack-deadletters-*`: name and body."""
    return f"{prefix}{DEADLETTER_NAME}", {
        "index_patterns": [f"{prefix}{DEADLETTER_NAME}-*"],
        "template": {
            "settings": {
                "index.number_of_shards": 1,
                "index.number_of_replicas": replicas,
                "index.codec": "best_compression",
            },
            "mappings": {
                # false, not strict: a record field this list does not name stays in _source, never a rejection
                "dynamic": False,
                "date_detection": False,
                "properties": _properties(list(_FIELDS)),
            },
        },
        "priority": DEADLETTER_PRIORITY,
        "version": VERSION,
        "_meta": {
            "managed_by": MANAGED_BY,
            "description": (
                "PortTrack's dead letter queue records, one index a day by the record's own time "
                f"({DEADLETTER_NAME}-YYYY.MM.DD), shipped by `porttrack-logs dlq ship` under ids that do not "
                "change, so shipping twice adds nothing. For dead-letter rates by reason, stage and plugin; "
                "the original input is kept in _source, not indexed. dynamic false: unknown fields are kept, "
                "never a reason to reject a record."
            ),
        },
    }
