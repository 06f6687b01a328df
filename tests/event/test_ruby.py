"""The Ruby details filters must reproduce: regex dialect, gsub replacements, to_s (and the text
rules of sprintf and conditions beside it), strip, split."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import (
    Event, Template, parse_field_ref, ruby_replacement, ruby_split, ruby_strip, ruby_text, scalar_text, value_to_text,
)
from porttrack_logs.grok import compile_ruby_regex


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


STAMP = datetime(2026, 11, 27, 6, 0, 1, 332000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "text"),
    [("x", "x"), (True, "true"), (3, "3"), (1.5, "1.5"), (1e20, "1.0e+20"), (float("nan"), "NaN"),
     (STAMP, "2026-11-27T06:00:01.332Z")],
)
def test_every_rule_prints_a_scalar_alike(value, text):
    """sprintf, Ruby's to_s and the conditions' `in` give a scalar the same text."""
    assert value_to_text(value) == ruby_text(value) == scalar_text(value) == text


def test_containers_print_as_each_place_prints_them():
    """sprintf joins arrays and writes hashes as JSON; to_s inspects them; `in` never texts them."""
    assert value_to_text(["a", 1.0]) == "a,1.0" and ruby_text(["a", 1.0]) == '["a", 1.0]'
    assert value_to_text({"k": None}) == '{"k":null}' and ruby_text({"k": None}) == '{"k"=>nil}'
    assert scalar_text(["a"]) is None and scalar_text({}) is None and scalar_text(None) is None
    assert value_to_text(None) == ruby_text(None) == ""


def test_a_float_in_a_template_prints_as_logstash_prints_it():
    """A float field renders in a template with Ruby's float form, as Logstash's to_s gives it."""
    assert Template("%{f}").render(Event({"f": 1e20})) == "1.0e+20"


@pytest.mark.parametrize(
    ("text", "path"),
    [("pid", ("pid",)), ("[process][pid]", ("process", "pid")), ("a[b]", ("a", "b")), ("[]", ("[]",))],
)
def test_lenient_field_paths_read_as_grok_names_them(text, path):
    """A grok capture name is read leniently: brackets anywhere split it, none that do leave it whole."""
    assert parse_field_ref(text, lenient=True) == path
