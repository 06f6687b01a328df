"""Output codecs of the stdout and file outputs: how an event becomes bytes.

    json_lines  one JSON object a line (the file output's default, as Logstash's)
    json        one JSON object per event with no delimiter between them, as Logstash's `json`
    rubydebug   a readable, indented form with sorted keys (the stdout output's default);
                `metadata => true` shows `@metadata` too

`codec => NAME` or `codec => NAME { option => value }` in the configuration; the options are
validated as any plugin's. Another Logstash codec loads (so `check` reads such configurations) and
is a start-up error of `run` naming these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Literal, Sequence

from pydantic import BaseModel, ConfigDict

from ..errors import ConfigError
from ..codec import encode, encode_event_into, encode_event_lines
from ..event import Event, decode_lazy

__all__ = ["CodecSettings", "JsonLinesCodec", "JsonCodec", "RubydebugCodec", "UnavailableCodec", "parse_codec", "CODECS", "Encoder"]

Encoder = Callable[[Sequence[Event]], bytes]


class CodecSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def encoder(self) -> Encoder:
        """A function from a batch of events to the bytes to write."""
        raise NotImplementedError


class JsonLinesCodec(CodecSettings):
    name: Literal["json_lines"] = "json_lines"
    charset: Literal["UTF-8"] = "UTF-8"
    delimiter: str = "\n"

    def encoder(self) -> Encoder:
        if self.delimiter == "\n":
            return encode_event_lines
        return _json_encoder(self.delimiter.encode())


class JsonCodec(CodecSettings):
    name: Literal["json"] = "json"
    charset: Literal["UTF-8"] = "UTF-8"

    def encoder(self) -> Encoder:
        return _json_encoder(b"")


class RubydebugCodec(CodecSettings):
    name: Literal["rubydebug"] = "rubydebug"
    metadata: bool = False

    def encoder(self) -> Encoder:
        metadata = self.metadata

        def encode_batch(events: Sequence[Event]) -> bytes:
            out: list[str] = []
            for event in events:
                fields = dict(event.to_dict())
                if metadata:
                    fields["@metadata"] = event.metadata
                _pretty(fields, 0, out)
                out.append("\n")
            return "".join(out).encode("utf-8", "replace")

        return encode_batch


CODECS: dict[str, type[CodecSettings]] = {"json_lines": JsonLinesCodec, "json": JsonCodec, "rubydebug": RubydebugCodec}


class UnavailableCodec(CodecSettings):
    """A Logstash codec these outputs do not have (`dots`, `line`, ...): the configuration still
    loads and checks; building the output (`porttrack-logs run`) is the error."""

    name: str
    options: dict[str, Any] = {}

    def encoder(self) -> Encoder:
        raise ConfigError(f"codec '{self.name}' is not available for this output; available: {', '.join(CODECS)}")


def parse_codec(value: Any, default: str) -> CodecSettings:
    """The codec settings for an option value: None (the default), "name", or {"name": {options}}."""
    if value is None:
        value = default
    if isinstance(value, CodecSettings):
        return value
    if isinstance(value, str):
        name, options = value, {}
    elif isinstance(value, dict) and len(value) == 1:
        [(name, options)] = value.items()
        options = options or {}
    else:
        raise ValueError(f"expected a codec name or `name {{ options }}`, not {value!r}")
    model = CODECS.get(name)
    if model is None:
        return UnavailableCodec(name=name, options=options if isinstance(options, dict) else {})
    return model(**options)


def _json_encoder(delimiter: bytes) -> Encoder:
    def encode_batch(events: Sequence[Event]) -> bytes:
        buffer = bytearray()
        for event in events:
            encode_event_into(event, buffer)
            buffer += delimiter
        return bytes(buffer)

    return encode_batch


def _pretty(value: Any, depth: int, out: list[str]) -> None:
    """Ruby-inspect-like text: hashes with right-aligned keys, arrays with indices."""
    value = decode_lazy(value)
    pad = "    " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        keys = sorted(value, key=str)
        width = max(len(_quoted(k)) for k in keys)
        out.append("{\n")
        for i, key in enumerate(keys):
            out.append(f"{pad}{_quoted(key).rjust(width)} => ")
            _pretty(value[key], depth + 1, out)
            out.append(",\n" if i < len(keys) - 1 else "\n")
        out.append("    " * depth + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        width = len(f"[{len(value) - 1}]")
        out.append("[\n")
        for i, item in enumerate(value):
            out.append(f"{pad}{f'[{i}]'.rjust(width)} ")
            _pretty(item, depth + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append("    " * depth + "]")
    elif value is None:
        out.append("nil")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, (int, float)):
        out.append(repr(value))
    elif isinstance(value, datetime):
        out.append(encode(value).decode()[1:-1])
    elif isinstance(value, bytes):
        out.append(_quoted(value.decode("utf-8", "replace")))
    else:
        out.append(_quoted(str(value)))


def _quoted(text: str) -> str:
    return encode(str(text)).decode()
