"""The sidecar's own logs on stderr: one JSON object a line (`--log-format json`), or text.

    {"time": "2026-12-01T10:00:00.123Z", "level": "info", "logger": "porttrack_logs.runtime.sidecar",
     "message": "draining", "fields": {"in_flight": 3}}

`fields` holds what a call passed as `extra={...}` (and `exc` the traceback when there is one).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Literal

import orjson

__all__ = ["JsonFormatter", "TextFormatter", "configure_logging"]

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


def _time(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, fields (`always` added to every line's)."""

    def __init__(self, always: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.always = always or {}

    def format(self, record: logging.LogRecord) -> str:
        fields = {**self.always, **_fields(record)}
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        line = {"time": _time(record), "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(), "fields": fields}
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...` for people at a terminal."""

    def __init__(self, always: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.always = always or {}

    def format(self, record: logging.LogRecord) -> str:
        fields = {**self.always, **_fields(record)}
        extra = "".join(f" {k}={v}" for k, v in fields.items())
        text = f"{_time(record)} {record.levelname.lower():7} {record.name}: {record.getMessage()}{extra}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever `sys.stderr` is when a record comes (not the one at set-up)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(fmt: Literal["json", "text"] = "text", level: int = logging.INFO, always: dict[str, Any] | None = None) -> None:
    """Route every logger of the process to stderr in `fmt` (replacing the handler an earlier call
    installed, no other); `always`: fields every line carries (a worker's index)."""
    handler = _Stderr()
    handler.setFormatter(JsonFormatter(always) if fmt == "json" else TextFormatter(always))
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _Stderr):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)  # kafka-python logs every fetch at INFO
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
