"""Events, Logstash field references and sprintf templates. Stdlib only."""

from ._event import TIMESTAMP, Event, field_ref, parse_timestamp
from ._fieldref import METADATA, FieldRef, parse_field_ref
from ._sprintf import Template, value_to_text

__all__ = [
    "Event",
    "FieldRef",
    "Template",
    "field_ref",
    "parse_field_ref",
    "parse_timestamp",
    "value_to_text",
    "TIMESTAMP",
    "METADATA",
]
