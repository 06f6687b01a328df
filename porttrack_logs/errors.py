"""The library's exceptions.

    PortTrackError
     ├── ConfigError      bad pipeline configuration or plugin options (file:line:col when known)
     │    ├── GrokError        a grok expression or pattern bank that cannot be compiled
     │    └── TranslateError   a regex construct the engine cannot express (its character offset)
     ├── EventError       an event that cannot be read or written at a field reference
     │    └── MatchTimeout     a grok match ran out of its time budget (timeout_millis)
     ├── JsonError        input that is not a JSON object (the byte offset); also a ValueError
     └── DeliveryError    a sink could not deliver (carries what to retry)
          ├── DeliveryStopped  a blocked delivery was told to stop (shutdown): nothing of it counts as done
          └── DeadLetterQueueFull  the dead letter queue reached max_bytes: nothing was written, nothing counts as done

Messages state the bad value, what was expected, and a hint; the place comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PortTrackError", "ConfigError", "GrokError", "TranslateError", "EventError", "MatchTimeout", "JsonError",
    "DeliveryError", "DeliveryStopped", "DeadLetterQueueFull", "Position",
]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a configuration source: 1-based line and column."""

    source: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"


class PortTrackError(Exception):
    """Base of every error raised by porttrack_logs."""


class ConfigError(PortTrackError):
    """A configuration that cannot run.

    `position` is where it is wrong when known; `option` names the plugin option at fault;
    `snippet` is the offending source line with a caret under the column.
    """

    def __init__(
        self,
        message: str,
        *,
        position: Position | None = None,
        option: str | None = None,
        snippet: str | None = None,
    ) -> None:
        self.message = message
        self.position = position
        self.option = option
        self.snippet = snippet
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.position}: {self.message}" if self.position else self.message
        if self.snippet:
            text = f"{text}\n{self.snippet}"
        return text

    def at(self, position: Position, snippet: str | None = None) -> "ConfigError":
        """The same error, placed at `position` (keeps a more precise place if it has one)."""
        if self.position is not None:
            return self
        return ConfigError(self.message, position=position, option=self.option, snippet=snippet)


class GrokError(ConfigError):
    """A grok expression or pattern bank that cannot be compiled."""


class TranslateError(ConfigError, ValueError):
    """A regex construct the target engine cannot express; `offset` is its index in the pattern."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(f"{message} (at character {offset + 1})")


class EventError(PortTrackError):
    """A field reference that cannot be read or written on an event."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"field {field}: {message}" if field else message)


class MatchTimeout(EventError):
    """A grok match ran out of its time budget (`timeout_millis`)."""


class JsonError(PortTrackError, ValueError):
    """Input that is not a JSON object; the message names the byte offset."""


class DeliveryError(PortTrackError):
    """A sink could not deliver a batch; `retry_after` (seconds) is set when retrying may help."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class DeliveryStopped(DeliveryError):
    """A sink blocked on a refusing destination was asked to stop; the batch is not done."""


class DeadLetterQueueFull(DeliveryError):
    """A record would take the dead letter queue past `dead_letter_queue.max_bytes`: nothing of it
    was written, so the runtime pauses the pipeline and acknowledges nothing, rather than drop."""

    def __init__(self, path: str, *, size: int, max_bytes: int, needed: int) -> None:
        self.path = path
        self.size = size
        self.max_bytes = max_bytes
        self.needed = needed
        super().__init__(
            f"{path}: the dead letter queue is full ({size} of dead_letter_queue.max_bytes {max_bytes} bytes "
            f"used, a record of {needed} bytes does not fit); make room with `porttrack-logs dlq replay "
            f"--dir {path} ...` or `porttrack-logs dlq purge --dir {path}`, or raise dead_letter_queue.max_bytes"
        )
