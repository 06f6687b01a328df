"""The `urldecode` filter: percent-decode a field (or every top-level field), as Ruby's URI does.

`+` stays `+` (Logstash's decoder is not the form decoder). Text that is no valid encoding in
`charset` tags `_urldecodefailure` and is left as it was.
"""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import unquote_to_bytes

from pydantic import ConfigDict, field_validator

from ..event import Event, field_ref, parse_field_ref
from .base import ANY_FIELD, Filter, FilterOptions, Path, StrList

__all__ = ["UrldecodeFilter"]


class UrldecodeOptions(FilterOptions):
    """urldecode's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    field: str = "message"
    all_fields: bool = False
    charset: str = "UTF-8"
    tag_on_failure: StrList = ["_urldecodefailure"]

    @field_validator("charset")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown character set {value!r}") from None
        return value


class UrldecodeFilter(Filter):
    """Logstash's `urldecode`."""

    name = "urldecode"
    Options = UrldecodeOptions
    __slots__ = ("_field", "_all", "_charset", "_tags")

    def _compile(self, options: UrldecodeOptions) -> None:
        self._field = field_ref(options.field)
        self._all = options.all_fields
        self._charset = options.charset
        self._tags = tuple(options.tag_on_failure)

    def _writes(self) -> set[Path]:
        return {ANY_FIELD} if self._all else {parse_field_ref(self._field.text, lenient=True), ("tags",)}

    def _decode(self, value: Any) -> Any:
        if isinstance(value, str):
            return unquote_to_bytes(value).decode(self._charset) if "%" in value else value
        if isinstance(value, list):
            return [self._decode(v) for v in value]
        return value

    def apply(self, event: Event) -> bool:
        try:
            if self._all:
                data = event.to_dict()
                for key, value in list(data.items()):
                    if isinstance(value, (str, list)):
                        data[key] = self._decode(value)
            else:
                value = event.get(self._field)
                if isinstance(value, (str, list)):
                    event.set(self._field, self._decode(value))
        except UnicodeDecodeError:
            event.tag(*self._tags)
        return True
