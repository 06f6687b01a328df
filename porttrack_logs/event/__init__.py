"""Events, Logstash field references, sprintf templates, Ruby's semantics, Joda dates. Stdlib only."""

from ._event import TIMESTAMP, Event, field_ref, parse_timestamp
from ._fieldref import METADATA, FieldRef, decode_lazy, parse_field_ref, register_lazy
from ._joda import NAMED_FORMATS, compile_parser, resolve_timezone
from ._ruby import (
    COERCIONS, ruby_replacement, ruby_split, ruby_strip, ruby_text, scalar_text, timestamp_text, to_f, to_i, value_to_text,
)
from ._sprintf import Template
from ._timestamp import NanoTimestamp

__all__ = [
    "Event", "FieldRef", "Template", "field_ref", "parse_field_ref", "parse_timestamp", "register_lazy", "decode_lazy",
    "TIMESTAMP", "METADATA", "NAMED_FORMATS", "compile_parser", "resolve_timezone", "value_to_text", "ruby_text",
    "scalar_text", "timestamp_text", "to_i", "to_f", "COERCIONS", "ruby_replacement", "ruby_strip", "ruby_split",
    "NanoTimestamp",
]
