"""Syntax errors: a ConfigError placed at the mistake, naming what was expected, with a caret snippet."""

from __future__ import annotations

import pytest

from porttrack_logs.config import MAX_DEPTH, parse
from porttrack_logs.errors import ConfigError

MISTAKES = [
    # (name, config text, line, column, words the message must contain)
    ("missing arrow", 'filter {\n  grok {\n    match { "a" => "b" }\n  }\n}', 3, 11, "expected '=>' after option name 'match'"),
    ("unterminated string", 'filter {\n  mutate {\n    add_tag => "oops\n  }\n}\n', 3, 16, "unterminated string started at 3:16"),
    ("unknown section", "filters {\n}\n", 1, 1, "unknown section 'filters', expected input, filter or output"),
    ("unclosed section", "filter {\n  drop {}\n", 3, 1, "section 'filter' opened at 1:1 is not closed"),
    ("unclosed plugin", "filter {\n  mutate {\n    add_tag => [\"a\"]\n", 4, 1, "plugin 'mutate' opened at 2:3 is not closed"),
    ("comma between hash entries", 'filter { mutate { add_field => { "a" => "1", "b" => "2" } } }', 1, 44, "separated by whitespace or newlines, not ','"),
    ("trailing comma in array", 'filter { mutate { add_tag => ["a", "b",] } }', 1, 40, "trailing comma"),
    ("conditional inside a plugin", "filter {\n  mutate {\n    if [a] { }\n  }\n}", 3, 5, "conditionals are allowed only at section level"),
    ("else without if", "filter {\n  else { drop {} }\n}", 2, 3, "'else' without an 'if'"),
    ("missing brace after condition", "filter {\n  if [a] == 1\n    drop {}\n}", 3, 5, "expected '{' after the condition"),
    ("unclosed parenthesis", "filter { if ([a] == 1 { } }", 1, 23, "expected ')' to close the '(' at 1:13"),
    ("bare field name in condition", "filter { if type == \"x\" { } }", 1, 13, "field names in conditions are written in brackets"),
    ("regex operator without regex", "filter { if [a] =~ 5 { } }", 1, 20, "expected a regex /.../ or a string after '=~'"),
    ("unterminated regex", "filter { if [a] =~ /abc { } }", 1, 20, "unterminated regex started at 1:20"),
    ("mixing xor with and", "filter { if [a] xor [b] and [c] { } }", 1, 17, "'xor' cannot be combined"),
    ("negation of a string", 'filter { if !"x" { } }', 1, 14, "'!' must be followed by a field reference"),
    ("options glued together", 'filter { p { a => "1"b => 2 } }', 1, 22, "expected whitespace or a newline between options"),
    ("one-letter bareword", "filter { p { a => x } }", 1, 19, "at least two characters"),
    ("duplicate hash key", 'filter { p { a => { "k" => 1 "k" => 2 } } }', 1, 30, "duplicate key 'k' in hash (first at 1:21)"),
    ("nested plugin", "filter { mutate { grok { } } }", 1, 24, "plugins cannot be nested inside plugin 'mutate'"),
    ("not without in", "filter { if [a] not [b] { } }", 1, 21, "expected 'in' after 'not'"),
    ("method call", "filter { if length([a]) > 1 { } }", 1, 13, "method calls"),
    ("garbage at top level", "}{", 1, 1, "expected a section (input, filter or output)"),
    ("single equals sign", "filter { if [a] = 1 { } }", 1, 17, "'=' is not an operator in Logstash conditions; use '=='"),
    ("double ampersand", "filter { if [a] && [b] { } }", 1, 17, "use 'and'"),
    ("boolean literal in a condition", "filter { if [a] == true { } }", 1, 20, "'true' is not a value in conditions"),
    ("number glued to letters", "filter { p { a => 12ab } }", 1, 21, "after the number 12"),
]


@pytest.mark.parametrize("text, line, column, words", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_mistake_reports_place_and_expectation(text: str, line: int, column: int, words: str) -> None:
    """Each typical mistake is a ConfigError at the right line:column whose message says what was expected."""
    with pytest.raises(ConfigError) as info:
        parse(text, source="pipeline.conf")
    err = info.value
    assert (err.position.source, err.position.line, err.position.column) == ("pipeline.conf", line, column)
    assert words in err.message


def test_snippet_shows_line_and_caret_under_column() -> None:
    """The snippet is the offending source line with a caret under the column."""
    with pytest.raises(ConfigError) as info:
        parse('filter {\n  grok {\n    match { "a" => "b" }\n  }\n}')
    assert info.value.snippet == '    match { "a" => "b" }\n          ^'


def test_snippet_keeps_tabs_so_the_caret_lines_up() -> None:
    """Tabs before the column are kept in the caret line so it aligns in a terminal."""
    with pytest.raises(ConfigError) as info:
        parse("filter {\n\t\tgrok {\n\t\t\tmatch { }\n\t\t}\n}")
    assert info.value.snippet == "\t\t\tmatch { }\n\t\t\t      ^"


def test_error_text_starts_with_file_line_column() -> None:
    """str(error) starts with source:line:col so editors can jump to it."""
    with pytest.raises(ConfigError) as info:
        parse("filters {}", source="conf.d/10-in.conf")
    assert str(info.value).startswith("conf.d/10-in.conf:1:1: unknown section 'filters'")


@pytest.mark.parametrize(
    "opening, closing",
    [("[", "]"), ("(", ")")],
    ids=["arrays", "parentheses"],
)
def test_deep_nesting_is_refused_with_a_clear_error(opening: str, closing: str) -> None:
    """Nesting beyond MAX_DEPTH is a ConfigError naming the limit, never a RecursionError."""
    depth = 5000
    if opening == "[":
        text = "filter { p { a => " + "[" * depth + "]" * depth + " } }"
    else:
        text = "filter { if " + "(" * depth + "[a]" + ")" * depth + " { } }"
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert f"nesting deeper than {MAX_DEPTH} levels" in info.value.message


def test_deep_if_nesting_is_refused() -> None:
    """Thousands of nested if blocks give the depth ConfigError too."""
    depth = 3000
    text = "filter { " + "if [a] { " * depth + "} " * depth + "}"
    with pytest.raises(ConfigError, match="nesting deeper"):
        parse(text)


def test_nesting_at_the_limit_parses() -> None:
    """Nesting just inside the limit is accepted (the bound is not off by a wide margin)."""
    depth = MAX_DEPTH - 3
    text = "filter { p { a => " + "[" * depth + "]" * depth + " } }"
    assert parse(text).sections[0].body[0].name == "p"


def test_non_string_input_is_a_config_error() -> None:
    """Passing bytes instead of text is a ConfigError, not a TypeError."""
    with pytest.raises(ConfigError, match="must be str"):
        parse(b"filter {}")  # type: ignore[arg-type]
