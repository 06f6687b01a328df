"""A configuration text with its line index: offsets to positions, and caret snippets for errors."""

from __future__ import annotations

from bisect import bisect_right

from ..errors import ConfigError, Position

__all__ = ["SourceText"]

_SNIPPET_WIDTH = 120


class SourceText:
    """The text of one configuration source, indexed once so any offset maps to line:column."""

    __slots__ = ("text", "name", "_line_starts")

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._line_starts = starts

    def position(self, offset: int) -> Position:
        """The 1-based line and column of a character offset."""
        line = bisect_right(self._line_starts, offset) - 1
        return Position(self.name, line + 1, offset - self._line_starts[line] + 1)

    def snippet(self, offset: int) -> str:
        """The source line holding `offset`, and a caret under its column (long lines trimmed)."""
        line = bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line]
        end = self.text.find("\n", start)
        if end == -1:
            end = len(self.text)
        text = self.text[start:end].rstrip("\r")
        column = offset - start
        if len(text) > _SNIPPET_WIDTH:
            left = max(0, min(column - _SNIPPET_WIDTH // 2, len(text) - _SNIPPET_WIDTH))
            text = text[left : left + _SNIPPET_WIDTH]
            column -= left
        pad = "".join("\t" if c == "\t" else " " for c in text[:column])
        return f"{text}\n{pad}^"

    def error(self, message: str, offset: int) -> ConfigError:
        """A ConfigError placed at `offset`, with its snippet."""
        offset = max(0, min(offset, len(self.text)))
        return ConfigError(message, position=self.position(offset), snippet=self.snippet(offset))
