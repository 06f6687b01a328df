"""Attribute values as plain Python, and repeated options combined the way Logstash combines them."""

from __future__ import annotations

import pytest

from porttrack_logs.config import merge_hashes, parse, plugin_options, to_python
from porttrack_logs.errors import ConfigError


def options(text: str) -> dict:
    """The options of the first plugin of a filter section holding `text`."""
    return plugin_options(parse(f"filter {{ {text} }}").sections[0].body[0])


def test_plain_values() -> None:
    """Strings, numbers, arrays and hashes become str, int, float, list and dict."""
    assert options('p { s => "x" i => 3 f => 2.5 a => ["x", 1] h => { "k" => [1] 2 => "two" } }') == {
        "s": "x",
        "i": 3,
        "f": 2.5,
        "a": ["x", 1],
        "h": {"k": [1], 2: "two"},
    }


def test_barewords_stay_strings() -> None:
    """true, false and other barewords reach the plugin as strings; the plugin's types coerce them."""
    assert options("p { flag => true codec => json_lines }") == {"flag": "true", "codec": "json_lines"}


def test_codec_with_options_becomes_a_one_key_dict() -> None:
    """A plugin given as a value becomes {name: options}."""
    assert options('p { codec => json { charset => "UTF-8" } }') == {"codec": {"json": {"charset": "UTF-8"}}}


def test_repeated_hash_options_merge() -> None:
    """grok's repeated `match => {}` merge into one hash (Logstash's legacy behaviour)."""
    assert options('grok { match => { "a" => "1" } match => { "b" => "2" } }') == {"match": {"a": "1", "b": "2"}}


def test_repeated_hash_options_with_the_same_key_collect_a_list() -> None:
    """The same key in two repeated hashes collects both values in a list."""
    assert options('grok { match => { "m" => "A" } match => { "m" => "B" } }') == {"match": {"m": ["A", "B"]}}


def test_repeated_array_options_concatenate() -> None:
    """A repeated array option is extended by the later values."""
    assert options('mutate { add_field => ["a", "1"] add_field => ["b", "2"] }') == {"add_field": ["a", "1", "b", "2"]}


def test_repeated_scalar_options_become_a_list() -> None:
    """Two different scalars for one option become a list of both."""
    assert options('p { tag => "a" tag => "b" }') == {"tag": ["a", "b"]}


def test_repeated_identical_scalar_stays_single() -> None:
    """The same scalar given twice stays one value."""
    assert options('p { tag => "a" tag => "a" }') == {"tag": "a"}


def test_hash_then_scalar_is_a_config_error() -> None:
    """A hash option repeated as a scalar cannot merge: ConfigError naming the option and place."""
    with pytest.raises(ConfigError) as info:
        options('p {\n match => { "a" => "1" }\n match => "x" }')
    assert info.value.option == "match" and info.value.position.line == 3


def test_merge_hashes_recurses_into_nested_hashes() -> None:
    """Nested hashes merge key by key; arrays merge without duplicates."""
    assert merge_hashes({"a": {"x": 1}, "l": [1, 2]}, {"a": {"y": 2}, "l": [2, 3]}) == {"a": {"x": 1, "y": 2}, "l": [1, 2, 3]}


def test_merge_hashes_unions_arrays_like_ruby() -> None:
    """Array values of a repeated key are united without duplicates, as Ruby's `a | b`."""
    assert merge_hashes({"m": ["A", "A", "B"]}, {"m": ["B", "C"]}) == {"m": ["A", "B", "C"]}


def test_to_python_rejects_non_values() -> None:
    """to_python on something that is not a value node is a ConfigError."""
    with pytest.raises(ConfigError):
        to_python(object())


def test_one_element_array_trap_is_reported_at_its_place() -> None:
    """`[a] in ["x"]` is flagged: Logstash reads ["x"] as a field named "x", so it never matches."""
    from porttrack_logs.config import language_traps

    tree = parse('filter {\n  if [a] in ["x"] { }\n  else if [b] not in [404] { }\n}', source="t.conf")
    assert [(str(p), "field reference" in m) for p, m in language_traps(tree)] == [("t.conf:2:13", True), ("t.conf:3:22", True)]


def test_real_arrays_and_field_references_are_not_traps() -> None:
    """Two-element arrays, membership in a real field, and indexed selectors are not flagged."""
    from porttrack_logs.config import language_traps

    tree = parse('filter { if [a] in ["x", "y"] or "x" in [tags] or [b] in [list][0] { } }')
    assert language_traps(tree) == []
