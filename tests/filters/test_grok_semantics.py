"""Logstash grok semantics the corpus README lists, each checked where no other test checks it.

One behaviour per test. Where an event is built, several tests run the filter both on an
`Event(dict)` and on `decode_event(json)` (values left undecoded until first read).
"""

from __future__ import annotations

import json

import pytest

from porttrack_logs.codec import decode_event
from porttrack_logs.errors import ConfigError, GrokError
from porttrack_logs.event import Event
from porttrack_logs.filters.grok import GrokFilter
from porttrack_logs.grok import Grok
from porttrack_logs.grok._bank import ECS_V1, bank
from porttrack_logs.grok._expand import MAX_EXPANSIONS, expand

BUILDERS = {"dict": lambda data: Event(dict(data)), "decoded": lambda data: decode_event(json.dumps(data).encode())}
both_events = pytest.mark.parametrize("build", sorted(BUILDERS))


def run(options: dict, data: dict, build: str = "dict") -> Event:
    event = BUILDERS[build](data)
    GrokFilter(**options).filter(event)
    return event


# -- expansion: names, field parts, inline definitions, recursion ---------------------------------


def test_pattern_names_take_backtick_and_caret_from_a_to_z() -> None:
    """`[A-z0-9]+` spans [ \\ ] ^ _ and the backtick, so `%{A`b^c}` names one pattern."""
    grok = Grok("%{A`b^c:x}", pattern_definitions={"A`b^c": "[0-9]+"})
    assert grok.match("id 42") == {"x": "42"}


def test_pattern_name_ends_at_the_first_other_character() -> None:
    """`%{MY-PAT:x}` names pattern MY; the field part must follow the name directly, so `-PAT:x`
    is the ignored tail and nothing is captured."""
    grok = Grok("%{MY-PAT:x}", pattern_definitions={"MY": "a+", "MY-PAT": "b+"})
    assert grok.regex == "(?:a+)" and grok.match("bbb aaa") == {}


def test_inline_definition_with_a_field_captures_into_the_field() -> None:
    """`%{NAME:field=regex}` defines NAME and captures into `field`."""
    assert Grok("%{CODE:code=[A-Z]{3}} %{INT:n}").match("ABC 7") == {"code": "ABC", "n": "7"}


def test_inline_definition_keeps_balanced_braces() -> None:
    """A definition may hold balanced {...} groups such as a repeat count."""
    assert Grok("%{TWO:t=[a-z]{2}}!").match("xyz!") == {"t": "yz"}


def test_inline_definition_with_a_backslash_reaches_the_last_brace() -> None:
    """As in jls-grok, a backslash run in a definition is greedy: it runs to the last `}` of the
    expression, swallowing a later reference (which then stays literal text)."""
    grok = Grok(r"%{NUM:n=\d+} %{INT:m}")
    assert grok.regex == r"(?<NUM:n>\d+} %{INT:m)"
    assert grok.match("12} %{INT:m") == {"n": "12} %{INT:m"}


def test_inline_definition_is_local_to_its_expression() -> None:
    """A pattern defined inline in one match expression is unknown to the next one."""
    with pytest.raises(GrokError, match="not defined"):
        GrokFilter(match={"message": ["%{ONLYHERE=x+}", "%{ONLYHERE}"]})


def test_empty_field_part_is_no_capture() -> None:
    """`%{INT:}` has no field (the colon is part of the ignored tail): nothing is captured."""
    assert Grok("%{INT:}").match("5") == {}


def _references(count: int) -> str:
    """An expression of `count` sibling references to a one-character pattern."""
    return "%{X}" * count


def test_expansion_allows_9999_references() -> None:
    """jls-grok's 10,000 steps include the last, empty search: 9,999 references expand."""
    regex, _ = expand(_references(MAX_EXPANSIONS - 1), {"X": "x"})
    assert regex == "(?:x)" * (MAX_EXPANSIONS - 1)


def test_expansion_stops_at_10000_references_with_deep_recursion() -> None:
    """The 10,000th reference fails with a 'deep recursion' GrokError."""
    with pytest.raises(GrokError, match="deep recursion"):
        expand(_references(MAX_EXPANSIONS), {"X": "x"})



# -- captures ---------------------------------------------------------------------------------------


@both_events
def test_raw_group_with_brackets_nests_the_field(build: str) -> None:
    """A raw `(?<[a][b]>...)` group captures into the nested field [a][b]."""
    event = run({"match": {"message": r"(?<[a][b]>\d+)"}}, {"message": "id 12"}, build)
    assert event.get("[a][b]") == "12"


def test_raw_group_name_is_split_on_colons_like_a_reference() -> None:
    """`(?<a:int>...)` is read as NAME:field, so the field is `int` and nothing is coerced."""
    assert Grok(r"(?<a:int>\d+)").match("12") == {"int": "12"}


def test_raw_group_in_quote_form_captures() -> None:
    """Oniguruma's `(?'name'...)` is a named group too."""
    assert Grok(r"(?'q'\d+)").match("n=12") == {"q": "12"}


def test_dollar_is_a_line_anchor() -> None:
    """`$` matches before an inner line break, as Ruby's does."""
    assert Grok("%{WORD:w}$").match("first\nsecond line") == {"w": "first"}


def test_unknown_coercion_leaves_the_text() -> None:
    """Types other than int and float (`:long`, `:boolean`) are ignored: the value stays text."""
    assert Grok("%{INT:a:long} %{WORD:b:boolean}").match("5 true") == {"a": "5", "b": "true"}


def test_int_coercion_of_a_word_is_zero() -> None:
    """`:int` is Ruby's to_i: text with no leading digits gives 0."""
    assert Grok("%{WORD:n:int}").match("abc") == {"n": 0}


def test_float_coercion_of_an_integer_is_a_float() -> None:
    """`:float` gives a float even for integer text."""
    value = Grok("%{INT:n:float}").match("12")["n"]
    assert value == 12.0 and isinstance(value, float)


@both_events
def test_empty_capture_coerced_to_int_is_kept(build: str) -> None:
    """An empty capture with `:int` becomes 0, which is not empty, so it is set without keep_empty_captures."""
    event = run({"match": {"message": r"a(?<n:x:int>\d*)"}}, {"message": "a"}, build)
    assert event.get("x") == 0


@both_events
def test_keep_empty_captures_keeps_an_empty_string_as_is(build: str) -> None:
    """With keep_empty_captures a group that matched "" keeps "" (only a group that did not take part is nil)."""
    event = run({"match": {"message": r"a(?<e>)(?<u>z)?"}, "keep_empty_captures": True}, {"message": "a"}, build)
    assert event.get("e") == "" and event.includes("u") and event.get("u") is None


# -- writing into the event -------------------------------------------------------------------------


@both_events
def test_overwrite_names_the_capture_field_not_the_target_path(build: str) -> None:
    """With a target, `overwrite` lists the capture's own field name; the value under the target is replaced."""
    event = run(
        {"match": {"message": "%{INT:n}"}, "target": "g", "overwrite": ["n"]},
        {"message": "7", "g": {"n": "old"}},
        build,
    )
    assert event.get("[g][n]") == "7"


@both_events
def test_target_without_overwrite_makes_an_array(build: str) -> None:
    """A capture under a target into an existing string follows the string -> [old, new] rule."""
    event = run({"match": {"message": "%{INT:n}"}, "target": "g"}, {"message": "7", "g": {"n": "old"}}, build)
    assert event.get("[g][n]") == ["old", "7"]


@both_events
def test_metadata_target_stays_out_of_the_event_hash(build: str) -> None:
    """A target under [@metadata] keeps the captures in metadata only."""
    event = run({"match": {"message": "%{INT:n}"}, "target": "[@metadata][grok]"}, {"message": "7"}, build)
    assert event.get("[@metadata][grok][n]") == "7" and "@metadata" not in event.to_dict()


@both_events
def test_capture_into_existing_float_is_dropped(build: str) -> None:
    """A capture into a field holding a number (float too) is silently dropped."""
    event = run({"match": {"message": "%{INT:v}"}, "tag_on_failure": ["miss"]}, {"message": "3", "v": 1.5}, build)
    assert event.get("v") == 1.5 and "miss" not in event.tags


# -- input handling ---------------------------------------------------------------------------------


@both_events
def test_boolean_input_is_matched_as_true(build: str) -> None:
    """A boolean field is matched as Ruby prints it: `true`."""
    event = run({"match": {"flag": "^%{WORD:w}$"}}, {"flag": True}, build)
    assert event.get("w") == "true"


@both_events
def test_hash_input_is_matched_as_ruby_inspect(build: str) -> None:
    """A hash is matched as Ruby's to_s: `{"k"=>1}`."""
    event = run({"match": {"h": "^%{GREEDYDATA:s}$"}}, {"h": {"k": 1}}, build)
    assert event.get("s") == '{"k"=>1}'


@both_events
def test_null_element_of_an_array_is_matched_as_empty_text(build: str) -> None:
    """A nil array element is matched as "" (so `^$` succeeds and no failure tag is added)."""
    event = run({"match": {"message": "^$"}}, {"message": [None, "x"]}, build)
    assert "_grokparsefailure" not in event.tags


@both_events
def test_break_on_match_stops_at_the_first_matching_field(build: str) -> None:
    """With break_on_match, once one field matches the later fields are not tried."""
    event = run({"match": {"a": "%{INT:x}", "b": "%{INT:y}"}}, {"a": "1", "b": "2"}, build)
    assert event.get("x") == "1" and event.get("y") is None


@both_events
def test_break_on_match_false_tries_every_field(build: str) -> None:
    """With break_on_match => false every field contributes its captures."""
    event = run({"match": {"a": "%{INT:x}", "b": "%{INT:y}"}, "break_on_match": False}, {"a": "1", "b": "2"}, build)
    assert event.get("x") == "1" and event.get("y") == "2"


def test_a_failing_first_field_does_not_stop_the_second() -> None:
    """With break_on_match, a field that misses does not end the search: the next field is tried."""
    event = run({"match": {"a": "%{INT:x}", "b": "%{INT:y}"}}, {"a": "none", "b": "2"})
    assert event.get("y") == "2" and "_grokparsefailure" not in event.tags


def test_break_on_match_false_is_a_match_when_any_pattern_matched() -> None:
    """Deliberate: with break_on_match => false a field matches when any of its patterns did, even
    if the last one missed (Logstash tags this case, its open bug #49; the corpus expects no tag)."""
    event = run({"match": {"message": ["%{INT:a}", "%{IP:b}"]}, "break_on_match": False}, {"message": "x 1"})
    assert event.get("a") == "1" and "_grokparsefailure" not in event.tags


def test_empty_tag_on_failure_adds_no_tag() -> None:
    """tag_on_failure => [] leaves a missed event untagged."""
    event = run({"match": {"message": "%{INT:n}"}, "tag_on_failure": []}, {"message": "x"})
    assert "tags" not in event.to_dict()


def test_several_failure_tags_are_all_added() -> None:
    """Every tag of tag_on_failure is added on a miss, in order."""
    event = run({"match": {"message": "%{INT:n}"}, "tag_on_failure": ["a", "b"]}, {"message": "x"})
    assert event.tags == ["a", "b"]


# -- common options on success only -------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, check",
    [
        ("add_field", {"seen": "%{n}"}, lambda e: e.get("seen")),
        ("remove_field", ["drop"], lambda e: not e.includes("drop")),
        ("remove_tag", ["old"], lambda e: "old" not in e.tags),
    ],
    ids=["add_field", "remove_field", "remove_tag"],
)
def test_common_option_applies_on_success_only(option: str, value: object, check) -> None:
    """add_field, remove_field and remove_tag change a matched event and leave a missed one alone."""
    options = {"match": {"message": "%{INT:n}"}, option: value}
    hit = run(options, {"message": "7", "drop": 1, "tags": ["old"]})
    miss = run(options, {"message": "x", "drop": 1, "tags": ["old"]})
    assert check(hit) and not check(miss)


def test_add_field_sees_the_captures() -> None:
    """add_field runs after the captures are written, so %{field} refers to a capture."""
    event = run({"match": {"message": "%{INT:n}"}, "add_field": {"seen": "n=%{n}"}}, {"message": "7"})
    assert event.get("seen") == "n=7"


# -- banks and ecs_compatibility ----------------------------------------------------------------------


def test_ecs_v8_uses_the_v1_bank() -> None:
    """ecs_compatibility => v8 compiles with the ECS v1 bank (same regex as v1)."""
    v8 = GrokFilter(match={"message": "%{SYSLOGLINE}"}, ecs_compatibility="v8").groks[0][1][0]
    v1 = GrokFilter(match={"message": "%{SYSLOGLINE}"}, ecs_compatibility="v1").groks[0][1][0]
    assert v8.regex == v1.regex and "[process][pid]" in v8.regex


def test_unknown_ecs_mode_fails_at_start_up_naming_the_option() -> None:
    """An ecs_compatibility value other than disabled/v1/v8 is a ConfigError at construction."""
    with pytest.raises(ConfigError) as caught:
        GrokFilter(match={"message": "%{INT:n}"}, ecs_compatibility="v2")
    assert caught.value.option == "ecs_compatibility"


def test_unknown_ecs_mode_in_the_compiler_is_a_config_error() -> None:
    """The compiler API rejects an unknown mode too, with the modes it takes in the message."""
    with pytest.raises(ConfigError, match="disabled, v1, v8"):
        Grok("%{INT:n}", ecs_compatibility="v9")


# -- pattern files and definitions --------------------------------------------------------------------


def test_later_pattern_file_wins_in_name_order(tmp_path) -> None:
    """Files of one patterns_dir load in name order, so b's definition beats a's."""
    (tmp_path / "b").write_text("MINE b+\n", encoding="utf-8")
    (tmp_path / "a").write_text("MINE a+\n", encoding="utf-8")
    event = run({"match": {"message": "%{MINE:m}"}, "patterns_dir": [str(tmp_path)]}, {"message": "aa bb"})
    assert event.get("m") == "bb"


def test_later_patterns_dir_wins(tmp_path) -> None:
    """With several patterns_dir entries, the later directory's definition wins."""
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    (first / "p").write_text("MINE a+\n", encoding="utf-8")
    (second / "p").write_text("MINE b+\n", encoding="utf-8")
    event = run({"match": {"message": "%{MINE:m}"}, "patterns_dir": [str(first), str(second)]}, {"message": "aa bb"})
    assert event.get("m") == "bb"


def test_sub_directories_of_patterns_dir_are_skipped(tmp_path) -> None:
    """A folder inside patterns_dir is not read as a pattern file (and is no error)."""
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "p").write_text("MINE b+\n", encoding="utf-8")
    (tmp_path / "p").write_text("MINE a+\n", encoding="utf-8")
    event = run({"match": {"message": "%{MINE:m}"}, "patterns_dir": [str(tmp_path)]}, {"message": "aa bb"})
    assert event.get("m") == "aa"


def test_patterns_files_glob_selects_the_files(tmp_path) -> None:
    """patterns_files_glob picks which files of a patterns_dir are read."""
    (tmp_path / "x.grok").write_text("MINE a+\n", encoding="utf-8")
    (tmp_path / "y.txt").write_text("MINE b+\n", encoding="utf-8")
    options = {"match": {"message": "%{MINE:m}"}, "patterns_dir": [str(tmp_path)], "patterns_files_glob": "*.grok"}
    assert run(options, {"message": "aa bb"}).get("m") == "aa"


def test_pattern_definitions_beat_patterns_dir_and_bank(tmp_path) -> None:
    """pattern_definitions load last, over a patterns_dir file and over the bank."""
    (tmp_path / "p").write_text("INT b+\n", encoding="utf-8")
    options = {"match": {"message": "%{INT:m}"}, "patterns_dir": [str(tmp_path)], "pattern_definitions": {"INT": "c+"}}
    assert run(options, {"message": "1 bb cc"}).get("m") == "cc"


def test_patterns_dir_beats_the_bank(tmp_path) -> None:
    """A patterns_dir file redefines a bank pattern."""
    (tmp_path / "p").write_text("INT [a-z]+\n", encoding="utf-8")
    event = run({"match": {"message": "%{INT:m}"}, "patterns_dir": [str(tmp_path)]}, {"message": "12 ab"})
    assert event.get("m") == "ab"


def test_trailing_spaces_of_a_pattern_line_are_part_of_the_regex(tmp_path) -> None:
    """A pattern line keeps its trailing spaces, so `TRAIL x ` needs a space after the x."""
    (tmp_path / "p").write_text("TRAIL x \n", encoding="utf-8")
    options = {"match": {"message": "^%{TRAIL:t}"}, "patterns_dir": [str(tmp_path)]}
    assert run(options, {"message": "x"}).tags == ["_grokparsefailure"]
    assert run(options, {"message": "x y"}).get("t") == "x "


def test_crlf_pattern_file_loses_only_the_line_break(tmp_path) -> None:
    """A pattern file with CRLF line ends gives regexes without the \\r (Ruby's chomp)."""
    (tmp_path / "p").write_bytes(b"# comment\r\nCR ab\r\n")
    options = {"match": {"message": "^%{CR:c}$"}, "patterns_dir": [str(tmp_path)]}
    assert run(options, {"message": "ab"}).get("c") == "ab"


def test_lone_carriage_return_does_not_end_a_pattern_line(tmp_path) -> None:
    """Ruby reads lines up to \\n only: a \\r inside a line stays part of the regex."""
    (tmp_path / "p").write_bytes(b"ONE a\rTWO b\n")
    options = {"match": {"message": "%{ONE:o}"}, "patterns_dir": [str(tmp_path)]}
    assert run(options, {"message": "a\rTWO b"}).get("o") == "a\rTWO b"


def test_unicode_space_does_not_split_a_pattern_line(tmp_path) -> None:
    """Ruby's \\s is ASCII: a no-break space after the name is part of the name, not the separator."""
    (tmp_path / "p").write_text("NB\u00a0x y+\n", encoding="utf-8")
    options = {"match": {"message": "%{NB:n}"}, "patterns_dir": [str(tmp_path)], "pattern_definitions": {"NB": "z+"}}
    assert run(options, {"message": "yy zz"}).get("n") == "zz"
    with pytest.raises(GrokError, match="not defined"):
        GrokFilter(match={"message": "%{NB}"}, patterns_dir=[str(tmp_path)])


def test_pattern_definition_loses_one_trailing_line_break() -> None:
    """pattern_definitions values are chomped as Logstash does: `ab\\n` defines `ab`."""
    event = run({"match": {"message": "^%{FOO:f}$"}, "pattern_definitions": {"FOO": "ab\n"}}, {"message": "ab"})
    assert event.get("f") == "ab"


def test_bank_patterns_end_without_trailing_whitespace() -> None:
    """No built-in pattern carries stray trailing whitespace (it would change what it matches)."""
    assert not [name for name, regex in bank(ECS_V1).items() if regex != regex.rstrip(" \t\r")]


# -- Oniguruma constructs users write -----------------------------------------------------------------


def test_unicode_property_keeps_its_braces() -> None:
    """`\\p{L}` and Oniguruma's negated `\\p{^L}` are Unicode properties, not a repeat count."""
    assert Grok(r"(?<word>\p{L}+) (?<rest>\p{^L}+)").match("señal 42") == {"word": "señal", "rest": "42"}


def test_posix_class_is_unicode_aware() -> None:
    """`[[:alpha:]]` takes non-ASCII letters, as in Oniguruma (while `\\w` stays ASCII)."""
    assert Grok(r"(?<a>[[:alpha:]]+)").match("1 señal") == {"a": "señal"}
    assert Grok(r"(?<w>\w+)").match("señal") == {"w": "se"}


@pytest.mark.parametrize("engine", ["pcre", "re"])
def test_named_back_reference_matches_the_same_text(engine: str) -> None:
    """`\\k<name>` refers back to a named group (here: the same quote closes the string)."""
    grok = Grok(r"(?<q>[\"'])%{DATA:body}\k<q>", engine=engine)
    assert grok.match('say "hi" now') == {"q": '"', "body": "hi"}
    assert grok.match("say \"hi' now") is None


def test_numbered_back_reference_beside_named_groups_is_refused() -> None:
    """Oniguruma refuses `\\1` in a regex with named groups; so does grok, at start-up, with the fix."""
    with pytest.raises(GrokError, match=r"\\k<name>"):
        Grok(r"(?<w>a)\1")


def test_numbered_back_reference_without_named_groups_works() -> None:
    """With no named group, plain groups are numbered and `\\1` refers to the first."""
    grok = Grok(r"(a|b)\1x", named_captures_only=True)
    assert grok.match("abbx") == {} and grok.match("abx") is None


def test_negated_posix_class_is_supported() -> None:
    """Oniguruma's `[[:^digit:]]` (anything but a digit) works as in Logstash."""
    assert Grok("(?<x>[[:^digit:]]+)").match("12ab3") == {"x": "ab"}
