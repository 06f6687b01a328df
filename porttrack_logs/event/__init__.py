"""Events, Logstash field references and sprintf templates. Stdlib only."""

from ._event import TIMESTAMP, Event, field_ref, parse_timestamp
from ._fieldref import METADATA, FieldRef, decode_lazy, parse_field_ref, register_lazy
from ._sprintf import Template, value_to_text

__all__ = [
    "Event",
    "FieldRef",
    "Template",
    "field_ref",
    "parse_field_ref",
    "parse_timestamp",
    "value_to_text",
    "register_lazy",
    "decode_lazy",
    "TIMESTAMP",
    "METADATA",
]
