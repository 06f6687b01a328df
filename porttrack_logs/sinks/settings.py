"""Validated settings of the output plugins a pipeline may declare (run by the runtime)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .._options import StrList, StrMap

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


class StdoutOutput(OutputSettings):
    pass


class FileOutput(OutputSettings):
    path: str
    create_if_deleted: bool = True
    dir_mode: int = -1
    file_mode: int = -1
    flush_interval: int = 2
    gzip: bool = False
    write_behavior: Literal["append", "overwrite"] = "append"


OUTPUTS: dict[str, type[OutputSettings]] = {
    "elasticsearch": ElasticsearchOutput,
    "stdout": StdoutOutput,
    "file": FileOutput,
}
