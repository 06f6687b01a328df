"""Validated settings of the output plugins a pipeline may declare (run by the runtime)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from .._options import StrList, StrMap
from .base import SinkContext
from .codecs import CodecSettings, JsonLinesCodec, RubydebugCodec, parse_codec

__all__ = ["OutputSettings", "ElasticsearchOutput", "StdoutOutput", "FileOutput", "OUTPUTS"]


class OutputSettings(BaseModel):
    """Options every Logstash output accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    enable_metric: bool = True
    codec: Any = None
    workers: int = 1


class ElasticsearchOutput(OutputSettings):
    hosts: StrList = ["http://127.0.0.1:9200"]
    index: str | None = None
    data_stream: bool | Literal["auto"] | str = "auto"
    data_stream_type: str = "logs"
    data_stream_dataset: str = "generic"
    data_stream_namespace: str = "default"
    document_id: str | None = None
    action: str = "index"
    pipeline: str | None = None
    routing: str | None = None
    user: str | None = None
    password: str | None = None
    api_key: str | None = None
    cloud_id: str | None = None
    ssl: bool | None = None
    ssl_enabled: bool | None = None
    ssl_certificate_authorities: StrList = []
    ssl_verification_mode: Literal["full", "none"] = "full"
    manage_template: bool = True
    template: str | None = None
    template_name: str | None = None
    template_overwrite: bool = False
    ilm_enabled: bool | str = "auto"
    ilm_rollover_alias: str | None = None
    ilm_policy: str | None = None
    retry_on_conflict: int = 1
    retry_initial_interval: int = 2
    retry_max_interval: int = 64
    dlq_custom_codes: list[int] = []
    dlq_on_failed_indexname_interpolation: bool = True
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None
    http_compression: bool = False
    timeout: int = 60
    custom_headers: StrMap = {}


def _codec(default: str) -> Any:
    return Annotated[CodecSettings, BeforeValidator(lambda value: parse_codec(value, default))]


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
