"""Validated settings of the output plugins a pipeline may declare (run by the runtime)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from .._options import MISSING_CODECS, Codec, StrList, StrMap, validate_codec
from .base import SinkContext
from .codecs import CodecSettings, JsonLinesCodec, RubydebugCodec, parse_codec

__all__ = ["OutputSettings", "ElasticsearchOutput", "StdoutOutput", "FileOutput", "OUTPUTS"]


class OutputSettings(BaseModel):
    """Options every Logstash output accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    enable_metric: bool = True
    codec: Codec = None  # validated like a plugin: {name: options}; a codec the project lacks is refused
    workers: int = 1


# The elasticsearch output's options live with its sink; imported here, after OutputSettings, which they extend.
from .elasticsearch.config import ElasticsearchOutput  # noqa: E402


def _codec(default: str) -> Any:
    """The output's own codec settings, after the codec is validated as every plugin's is (a typo
    or a bad option of a codec the project has is an error at the plugin's place). A Logstash codec
    the project lacks still loads, so `check` reads the configuration, and is refused when the
    output is built (`codecs.UnavailableCodec`), at the same place."""
    def parse(value: Any) -> Any:
        name = value if isinstance(value, str) else next(iter(value), None) if isinstance(value, dict) and len(value) == 1 else None
        if name not in MISSING_CODECS:
            validate_codec(value)
        return parse_codec(value, default)

    return Annotated[CodecSettings, BeforeValidator(parse)]


class StdoutOutput(OutputSettings):
    """Events to standard output; `codec` rubydebug (default, as Logstash's), json_lines or json."""

    codec: _codec("rubydebug") = RubydebugCodec()  # type: ignore[valid-type]

    def build(self, context: SinkContext) -> Any:
        """The running sink (`sinks.stdout.StdoutSink`)."""
        from .stdout import StdoutSink

        return StdoutSink(self, context)


def _octal_digits(value: Any) -> Any:
    """`file_mode => 0640` reaches us as the number 640: its digits are the octal mode meant."""
    if isinstance(value, int) and value >= 0:
        digits = str(value)
        if not set(digits) <= set("01234567"):
            raise ValueError(f"expected a mode written in octal digits (e.g. 0640), not {value}")
        return int(digits, 8)
    return value


Mode = Annotated[int, BeforeValidator(_octal_digits)]


class FileOutput(OutputSettings):
    """Events to files named by a sprintf `path` (`%{field}`, `%{+yyyy.MM.dd}`), as Logstash's file output.

    Every `write` reaches the operating system before its outcomes are returned (an outcome is a
    promise), so `flush_interval` here bounds the time between fsyncs instead: 0 fsyncs every write.
    `dir_mode`/`file_mode` (octal digits, `0640`) apply to what this output creates. An event whose path cannot be rendered
    or leaves the directory before the first `%{` goes to `filename_failure` in that directory.
    """

    codec: _codec("json_lines") = JsonLinesCodec()  # type: ignore[valid-type]
    path: str
    create_if_deleted: bool = True
    dir_mode: Mode = -1
    file_mode: Mode = -1
    filename_failure: str = "_filepath_failures"
    flush_interval: int = 2
    gzip: bool = False
    stale_cleanup_interval: int = 10
    write_behavior: Literal["append", "overwrite"] = "append"

    def build(self, context: SinkContext) -> Any:
        """The running sink (`sinks.file.FileSink`)."""
        from .file import FileSink

        return FileSink(self, context)


OUTPUTS: dict[str, type[OutputSettings]] = {
    "elasticsearch": ElasticsearchOutput,
    "stdout": StdoutOutput,
    "file": FileOutput,
}
