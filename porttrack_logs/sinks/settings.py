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


# The elasticsearch output's options live with its sink; imported here, after OutputSettings, which they extend.
from .elasticsearch.config import ElasticsearchOutput  # noqa: E402


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
