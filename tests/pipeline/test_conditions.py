"""What compiled conditions answer for events, following Logstash's semantics."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from porttrack_logs.config import BoolOp, Compare, Number, Selector, parse
from porttrack_logs.errors import ConfigError, EventError
from porttrack_logs.event import Event
from porttrack_logs.pipeline.conditions import compile_condition, ruby_regex, truthy

SEMANTICS = [
    # (behaviour, condition, event fields, expected)
    ("string equals string", '[a] == "x"', {"a": "x"}, True),
    ("string differs", '[a] == "x"', {"a": "y"}, False),
    ("string field is not equal to a number", "[a] == 1", {"a": "1"}, False),
    ("number field is not equal to a string", '[a] == "1"', {"a": 1}, False),
    ("integers equal", "[a] == 1", {"a": 1}, True),
    ("float equals integer numerically", "[a] == 1", {"a": 1.0}, True),
    ("boolean is not a number", "[a] == 1", {"a": True}, False),
    ("missing field is not equal to a string", '[a] == "x"', {}, False),
    ("missing field differs from a string", '[a] != "x"', {}, True),
    ("nested field equality", '[a][b] == "x"', {"a": {"b": "x"}}, True),
    ("field equals field", "[a] == [b]", {"a": 3, "b": 3.0}, True),
    ("two missing fields are equal (nil == nil)", "[a] == [b]", {}, True),
    ("array field equals array literal", '[a] == ["x", 1]', {"a": ["x", 1]}, True),
    ("constant comparison folds", '"a" == "a"', {}, True),
    ("greater than numbers", "[a] > 5", {"a": 6}, True),
    ("greater than is strict", "[a] > 5", {"a": 5}, False),
    ("greater or equal", "[a] >= 5", {"a": 5}, True),
    ("less than with float", "[a] < 1.5", {"a": 1}, True),
    ("less or equal", "[a] <= -1", {"a": -1}, True),
    ("strings compare by code point", '[a] < "b"', {"a": "a"}, True),
    ("uppercase sorts before lowercase", '[a] < "a"', {"a": "Z"}, True),
    ("string against number is false", "[a] > 5", {"a": "6"}, False),
    ("string against number is false for < too", "[a] < 5", {"a": "6"}, False),
    ("missing field against number is false", "[a] > 5", {}, False),
    ("missing field against number is false for <=", "[a] <= 5", {}, False),
    ("array against number is false", "[a] > 5", {"a": [6]}, False),
    ("field against field ordering", "[a] < [b]", {"a": 1, "b": 2}, True),
    ("regex matches a string field", "[a] =~ /^ab+c$/", {"a": "abbbc"}, True),
    ("regex searches anywhere", "[a] =~ /b+/", {"a": "xxbxx"}, True),
    ("regex on a number is false", "[a] =~ /1/", {"a": 1}, False),
    ("regex on a missing field is false", "[a] =~ /./", {}, False),
    ("negated regex on a missing field is true", "[a] !~ /./", {}, True),
    ("negated regex on a matching string", "[a] !~ /x/", {"a": "x"}, False),
    ("regex given as a string", '[a] =~ "^x"', {"a": "xy"}, True),
    ("caret matches after a newline as in Ruby", "[a] =~ /^b/", {"a": "a\nb"}, True),
    ("ruby named group syntax works", "[a] =~ /(?<word>\\w+)-/", {"a": "ab-"}, True),
    ("ruby \\h matches hex digits", "[a] =~ /^\\h+$/", {"a": "0aF9"}, True),
    ("escaped slash in regex literal", "[a] =~ /a\\/b/", {"a": "a/b"}, True),
    ("string in array field", '"x" in [tags]', {"tags": ["a", "x"]}, True),
    ("string not in array field", '"y" in [tags]', {"tags": ["a", "x"]}, False),
    ("substring of a string field", '"ell" in [a]', {"a": "hello"}, True),
    ("not a substring", '"z" in [a]', {"a": "hello"}, False),
    ("anything in a missing field is false", '"x" in [tags]', {}, False),
    ("not in a missing field is true", '"x" not in [tags]', {}, True),
    ("number in array field", "1 in [a]", {"a": [2, 1]}, True),
    ("number not equal to its string in an array field", "1 in [a]", {"a": ["1"]}, False),
    ("field in field array", "[a] in [b]", {"a": "x", "b": ["x"]}, True),
    ("array field is in nothing", "[a] in [b]", {"a": ["x"], "b": [["x"]]}, False),
    ("field in array literal", '[a] in ["x", "y"]', {"a": "y"}, True),
    ("field not in array literal", '[a] not in ["x", "y"]', {"a": "z"}, True),
    ("array literal membership compares as text (number field)", '[a] in ["200", "404"]', {"a": 404}, True),
    ("array literal membership compares as text (string field)", "[a] in [200, 404]", {"a": "200"}, True),
    ("missing field is not in an array literal", '[a] in ["x", "y"]', {}, False),
    ("array field is not in an array literal", '[a] in ["x", "y"]', {"a": ["x"]}, False),
    ("field in a string literal is a substring test", '[a] in "abcdef"', {"a": "cde"}, True),
    ("empty array literal contains nothing", "[a] in []", {"a": "x"}, False),
    ("truthy non-empty string", "[a]", {"a": "x"}, True),
    ("missing field is falsy", "[a]", {}, False),
    ("nil is falsy", "[a]", {"a": None}, False),
    ("false is falsy", "[a]", {"a": False}, False),
    ("empty string is falsy", "[a]", {"a": ""}, False),
    ("the string false is falsy (Logstash compares the text)", "[a]", {"a": "false"}, False),
    ("zero is truthy", "[a]", {"a": 0}, True),
    ("empty array is truthy", "[a]", {"a": []}, True),
    ("empty hash is truthy", "[a]", {"a": {}}, True),
    ("true is truthy", "[a]", {"a": True}, True),
    ("negated missing field", "![a]", {}, True),
    ("negated present field", "![a]", {"a": 1}, False),
    ("negated group", '!([a] == "x")', {"a": "y"}, True),
    ("and both true", "[a] and [b]", {"a": 1, "b": 1}, True),
    ("and one false", "[a] and [b]", {"a": 1}, False),
    ("or one true", "[a] or [b]", {"b": 1}, True),
    ("or both false", "[a] or [b]", {}, False),
    ("xor exactly one", "[a] xor [b]", {"a": 1}, True),
    ("xor both", "[a] xor [b]", {"a": 1, "b": 1}, False),
    ("nand both true", "[a] nand [b]", {"a": 1, "b": 1}, False),
    ("nand one false", "[a] nand [b]", {"a": 1}, True),
    ("and binds tighter than or", "[a] or [b] and [c]", {"a": 1}, True),
    ("and binds tighter than or (other side)", "[a] and [b] or [c]", {"c": 1}, True),
    ("parentheses regroup", "([a] or [b]) and [c]", {"a": 1}, False),
    ("long and chain", "[a] and [b] and [c] and [d]", {"a": 1, "b": 1, "c": 1, "d": 1}, True),
    ("long or chain", "[a] or [b] or [c] or [d]", {"d": 1}, True),
    ("string literal alone is truthy", '"yes"', {}, True),
    ("empty string literal alone is falsy", '""', {}, False),
    ("tags array membership", '"_grokparsefailure" not in [tags]', {"tags": ["_grokparsefailure"]}, False),
    ("field name with a space", '[a b] == "x"', {"a b": "x"}, True),
    ("array index in a selector", '[list][1] == "y"', {"list": ["x", "y"]}, True),
    # -- audit additions (Logstash 8 event-dependent conditionals) --------------------------------
    ("hash field equals an equal hash field", "[a] == [b]", {"a": {"x": 1, "y": [2]}, "b": {"y": [2], "x": 1}}, True),
    ("hash fields with a different value differ", "[a] == [b]", {"a": {"x": 1}, "b": {"x": 2}}, False),
    ("hash fields compare numbers numerically inside", "[a] == [b]", {"a": {"x": 1}, "b": {"x": 1.0}}, True),
    ("array equality depends on order", "[a] == [b]", {"a": [1, 2], "b": [2, 1]}, False),
    ("array field differs from an array of other length", '[a] == ["x"]', {"a": ["x", "x"]}, False),
    ("array field is not equal to its only member", '[a] == "x"', {"a": ["x"]}, False),
    ("string equality is case-sensitive", '[a] == "X"', {"a": "x"}, False),
    ("number field in a number array field, numerically", "[a] in [b]", {"a": 1, "b": [1.0, 2]}, True),
    ("string field in a string field is a substring test", "[a] in [b]", {"a": "ell", "b": "hello"}, True),
    ("number field in a string field is false", "[a] in [b]", {"a": 1, "b": "a1b"}, False),
    ("string in a hash field is false", '"x" in [h]', {"h": {"x": 1}}, False),
    ("string not in a string field", '"z" not in [a]', {"a": "abc"}, True),
    ("regex on an array field is false", "[a] =~ /x/", {"a": ["x"]}, False),
    ("regex on a boolean is false", "[a] =~ /true/", {"a": True}, False),
    ("regex on a hash is false", "[a] =~ /x/", {"a": {"x": "x"}}, False),
    ("negated regex on a number is true", "[a] !~ /1/", {"a": 1}, True),
    ("regex matches an empty string field with an empty-capable pattern", "[a] =~ /^$/", {"a": ""}, True),
    ("missing field equals nothing", "[a] == 0", {}, False),
    ("missing field differs from a number", "[a] != 0", {}, True),
    ("missing field differs from a present field", "[a] != [b]", {"b": 1}, True),
    ("two missing fields are not different", "[a] != [b]", {}, False),
    ("missing field not in an array literal is true", '[a] not in ["x"]', {}, True),
    ("missing field in a field array is false", "[a] in [b]", {"b": ["x"]}, False),
    ("missing fields in an ordering are false", "[a] < [b]", {}, False),
    ("missing field compared with a string is false", '[a] >= "a"', {}, False),
    ("null field is not equal to a string", '[a] == "x"', {"a": None}, False),
    ("double negation through a group", "!(![a])", {"a": "x"}, True),
    ("not binds tighter than and", '![a] and [b]', {"b": 1}, True),
    ("not of a group of and", "!([a] and [b])", {"a": 1}, True),
    ("not of a membership", '!("x" in [tags])', {"tags": ["y"]}, True),
    ("not in front of a comparison group", '!([a] > 1)', {"a": 0}, True),
    ("nested groups with not", '([a] or [b]) and !([c] == "x")', {"b": 1, "c": "y"}, True),
    ("nested groups with not, false branch", '([a] or [b]) and !([c] == "x")', {"b": 1, "c": "x"}, False),
    ("xor with a nested and", "([a] and [b]) xor [c]", {"a": 1, "b": 1, "c": 1}, False),
]


@pytest.mark.parametrize("text, fields, expected", [s[1:] for s in SEMANTICS], ids=[s[0] for s in SEMANTICS])
def test_condition_semantics(eval_condition, text: str, fields: dict, expected: bool) -> None:
    """Each row states one Logstash rule: the condition on that event gives the expected answer."""
    assert eval_condition(text, fields) is expected


def test_double_bang_is_a_config_error() -> None:
    """Logstash's grammar allows `!` only before a selector or a group: `!![a]` fails at start-up."""
    with pytest.raises(ConfigError, match="must be followed by a field reference"):
        parse("filter { if !![a] { } }")


@pytest.mark.parametrize(
    "text, fields, expected",
    [('"x" in [tags]', {"tags": ["a", "x"]}, True), ("[a] in [b]", {"a": 1, "b": [1.0]}, True),
     ("[n] > 5", {"n": 6}, True), ("[m] =~ /^GET /", {"m": "GET /x"}, True), ("[h][k] == 1", {"h": {"k": 1}}, True),
     ("[a] == [b]", {"a": {"x": [1]}, "b": {"x": [1]}}, True), ("[missing]", {"a": 1}, False)],
)
def test_conditions_on_lazily_decoded_events(text: str, fields: dict, expected: bool) -> None:
    """Conditions read fields of an event from the codec (top-level values undecoded) as of a plain one."""
    import json

    from porttrack_logs.codec import decode_event

    tree = parse(f"filter {{ if {text} {{ }} }}")
    test = compile_condition(tree.sections[0].body[0].branches[0].condition)
    assert test(decode_event(json.dumps(fields).encode())) is expected


def test_metadata_field_is_read_from_metadata(eval_condition) -> None:
    """[@metadata][x] reads the event's metadata, not a field named @metadata."""
    assert eval_condition('[@metadata][route] == "a"', {}, metadata={"route": "a"}) is True


def test_metadata_field_missing_from_metadata(eval_condition) -> None:
    """A field only in the data is not visible as [@metadata][...]."""
    assert eval_condition("[@metadata][route]", {"route": "a"}, metadata={}) is False


def test_timestamp_compares_with_timestamp(eval_condition) -> None:
    """Two timestamps order chronologically."""
    early = datetime(2020, 1, 1, tzinfo=timezone.utc)
    late = datetime(2021, 1, 1, tzinfo=timezone.utc)
    assert eval_condition("[@timestamp] < [later]", {"@timestamp": early, "later": late}) is True


def test_naive_and_aware_timestamps_do_not_compare(eval_condition) -> None:
    """A naive datetime against an aware one is an incomparable pair (false), never a TypeError."""
    aware = datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert eval_condition("[@timestamp] < [naive]", {"@timestamp": aware, "naive": datetime(2021, 1, 1)}) is False


def test_strict_mode_raises_on_incomparable_values(eval_condition) -> None:
    """With strict=True a mismatched ordering raises EventError naming the field, as Logstash errors."""
    with pytest.raises(EventError) as info:
        eval_condition("[a] > 5", {"a": "6"}, strict=True)
    assert info.value.field == "[a]" and "cannot compare a string with a number using '>'" in str(info.value)


def test_strict_mode_still_answers_comparable_values(eval_condition) -> None:
    """strict only changes the mismatched case; comparable values answer normally."""
    assert eval_condition("[a] > 5", {"a": 6}, strict=True) is True


def test_strict_mode_reports_the_condition_position() -> None:
    """The strict error names the file:line:col of the comparison in the configuration."""
    tree = parse("filter {\n  if [a] < 1 { }\n}", source="p.conf")
    test = compile_condition(tree.sections[0].body[0].branches[0].condition, strict=True)
    with pytest.raises(EventError, match="p.conf:2:6"):
        test(Event({}))


def test_bad_regex_is_a_config_error_at_its_position() -> None:
    """An invalid regex fails at compile time with the regex's own position."""
    tree = parse("filter {\n  if [a] =~ /(unclosed/ { }\n}", source="p.conf")
    with pytest.raises(ConfigError) as info:
        compile_condition(tree.sections[0].body[0].branches[0].condition)
    assert str(info.value.position) == "p.conf:2:13" and "invalid regex" in info.value.message


def test_regex_alone_is_a_config_error() -> None:
    """A bare regex is not a condition; the error says how to write it."""
    tree = parse("filter { if /x/ { } }")
    with pytest.raises(ConfigError, match=r"\[field\] =~ /regex/"):
        compile_condition(tree.sections[0].body[0].branches[0].condition)


def test_constant_incomparable_comparison_is_a_config_error() -> None:
    """Comparing two constants of different kinds with < is refused at start-up."""
    tree = parse('filter { if 1 < "a" { } }')
    with pytest.raises(ConfigError, match="cannot compare"):
        compile_condition(tree.sections[0].body[0].branches[0].condition)


def test_malformed_field_reference_is_a_config_error() -> None:
    """A selector the event cannot address becomes a ConfigError at compile time, not per event."""
    node = Compare("==", Selector("[a]]["), Number(1))
    with pytest.raises(ConfigError, match="bad field reference"):
        compile_condition(node)


def test_regexes_are_compiled_once(monkeypatch) -> None:
    """Compiling a condition compiles its regex; evaluating it many times compiles nothing more."""
    import porttrack_logs.pipeline.conditions as conditions

    calls = []
    real = conditions.ruby_regex
    monkeypatch.setattr(conditions, "ruby_regex", lambda *a, **k: calls.append(a) or real(*a, **k))
    tree = parse("filter { if [a] =~ /x/ { } }")
    test = compile_condition(tree.sections[0].body[0].branches[0].condition)
    for _ in range(100):
        test(Event({"a": "x"}))
    assert len(calls) == 1


def test_wide_or_is_evaluated_without_deep_recursion(eval_condition) -> None:
    """A thousand-term or chain is one n-ary node: it compiles and evaluates without recursion trouble."""
    text = " or ".join(f"[f{i}]" for i in range(1000))
    assert eval_condition(text, {"f999": 1}) is True


def test_n_ary_boolop_node_compiles() -> None:
    """A BoolOp built by hand with three operands evaluates all of them."""
    node = BoolOp("and", (Selector("[a]"), Selector("[b]"), Selector("[c]")))
    assert compile_condition(node)(Event({"a": 1, "b": 1, "c": 0})) is True


@pytest.mark.parametrize("value, expected", [(None, False), (False, False), ("", False), ("false", False), ("no", True), (0, True), ([], True)])
def test_truthy_function(value, expected) -> None:
    """truthy() is the same rule the bare-selector test uses."""
    assert truthy(value) is expected


def test_ruby_big_z_allows_a_final_newline() -> None:
    """Ruby's \\Z matches before a final newline; \\z only at the very end."""
    assert (bool(ruby_regex(r"a\Z").search("a\n")), bool(ruby_regex(r"a\z").search("a\n"))) == (True, False)


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        (r"[a] =~ /^\w+$/", {"a": "caf\u00e9"}, False),  # Ruby's \w is ASCII
        (r"[a] =~ /^\w+$/", {"a": "cafe"}, True),
        (r"[a] =~ /^[[:alpha:]]+$/", {"a": "abc"}, True),  # POSIX classes, which Python's re lacks
        ("[a] =~ /a.b/", {"a": "a\nb"}, False),  # `.` stops at a line break
        ("[a] =~ /(?m)a.b/", {"a": "a\nb"}, True),  # Ruby's m flag is dot-all
    ],
)
def test_condition_regexes_use_rubys_dialect(eval_condition, text, fields, expected) -> None:
    """`=~` reads its regex as Ruby does, through the one Oniguruma translator grok uses."""
    assert eval_condition(text, fields) is expected
