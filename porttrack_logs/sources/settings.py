"""Validated settings of the input plugins a pipeline may declare (run by the runtime)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .._options import Codec, StrList, StrMap

__all__ = ["InputSettings", "BeatsInput", "KafkaInput", "FileInput", "StdinInput", "INPUTS"]


class InputSettings(BaseModel):
    """Options every Logstash input accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    enable_metric: bool = True
    codec: Codec = None  # validated like a plugin: {name: options}; a codec the project lacks is refused
    tags: StrList = []
    type: str | None = None
    add_field: StrMap = {}
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None


from .beats.config import BeatsInput  # noqa: E402  (the beats input's own room; re-exported here)
from .kafka.config import KafkaInput  # noqa: E402  (the kafka input's own room; re-exported here)


class FileInput(InputSettings):
    path: StrList
    exclude: StrList = []
    start_position: Literal["beginning", "end"] = "end"
    sincedb_path: str | None = None
    mode: Literal["tail", "read"] = "tail"
    file_completed_action: str = "delete"
    # documented Logstash options accepted with no effect here (`check` warns: _options.IGNORED)
    stat_interval: float | str = 1
    discover_interval: int = 15
    sincedb_write_interval: float | str = 15
    file_chunk_count: int = 4611686018427387903
    file_chunk_size: int = 32768
    max_open_files: int = 4095


class StdinInput(InputSettings):
    pass


INPUTS: dict[str, type[InputSettings]] = {
    "beats": BeatsInput,
    "kafka": KafkaInput,
    "file": FileInput,
    "stdin": StdinInput,
}
