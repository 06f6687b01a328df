"""The Ruby details filters must reproduce: regex dialect, gsub replacements, to_s, strip, split."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.grok import compile_ruby_regex
from porttrack_logs.filters._ruby import (
    ruby_replacement,
    ruby_split,
    ruby_strip,
)
from porttrack_logs.event import ruby_text


def _gsub(pattern: str, replacement: str, text: str) -> str:
    return compile_ruby_regex(pattern, option="gsub").sub(ruby_replacement(replacement), text)


@pytest.mark.parametrize(
    ("pattern", "replacement", "text", "expected"),
    [
        ("$", ";", "a\nb", "a;\nb;"),
        (r"\z", "!", "a\n", "a\n!"),
        (r"\Z", "!", "a\n", "a!\n!"),
        (r"\h+", "#", "x 0fA9 y", "x # y"),
        (r"(?<user>\w+)@", r"\k<user> at ", "me@host", "me at host"),
        (r"(\d+)", r"<\0>", "a1b22", "a<1>b<22>"),
        (r"(\d+)", r"\\", "a1", "a\\"),
        (r"(\d)", r"\9", "a1", "a"),
        (r"a", r"\d", "a", r"\d"),
    ],
)
def test_gsub_dialect(pattern, replacement, text, expected):
    """Ruby's anchors, escapes, named groups and replacement references behave as in Ruby."""
    assert _gsub(pattern, replacement, text) == expected


def test_bad_regex_names_the_option():
    """A regex that does not compile raises ConfigError with the option given."""
    with pytest.raises(ConfigError) as info:
        compile_ruby_regex("[", option="gsub")
    assert info.value.option == "gsub"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3, "3"),
        (1.0, "1.0"),
        (1e16, "1.0e+16"),
        (1.5e-05, "1.5e-05"),
        (123456789.125, "123456789.125"),
        (float("inf"), "Infinity"),
        ({"a": [1, None]}, '{"a"=>[1, nil]}'),
        (["x\"y", "#{z}"], '["x\\"y", "\\#{z}"]'),
    ],
)
def test_ruby_text(value, text):
    """Values print as Ruby's to_s prints them (nil empty, Ruby float forms, inspect for containers)."""
    assert ruby_text(value) == text


def test_ruby_strip_keeps_unicode_spaces():
    """strip removes ASCII whitespace and NUL, not a no-break space."""
    assert ruby_strip("\x00 \t\u00a0x\u00a0\n") == "\u00a0x\u00a0"


@pytest.mark.parametrize(
    ("text", "separator", "parts"),
    [("a,b,,", ",", ["a", "b"]), ("", ",", []), (" a  b ", " ", ["a", "b"]), ("a--b", "--", ["a", "b"])],
)
def test_ruby_split(text, separator, parts):
    """split drops trailing empty parts and splits on whitespace runs for a single space."""
    assert ruby_split(text, separator) == parts
