"""Parsing each feature of the Logstash configuration language into the typed tree."""

from __future__ import annotations

import pytest

from porttrack_logs.config import (
    Array,
    Attribute,
    Bareword,
    BoolOp,
    Compare,
    Hash,
    HashEntry,
    If,
    In,
    Match,
    Not,
    Number,
    Plugin,
    Regex,
    Section,
    Selector,
    String,
    parse,
)


def only_value(text: str, *, support_escapes: bool = False):
    """The value of the single attribute of `filter { p { v => <text> } }`."""
    tree = parse(f"filter {{ p {{ v => {text} }} }}", support_escapes=support_escapes)
    return tree.sections[0].body[0].attributes[0].value


VALUES = [
    ("integer", "42", Number(42)),
    ("negative integer", "-7", Number(-7)),
    ("decimal", "2.5", Number(2.5)),
    ("negative decimal", "-0.25", Number(-0.25)),
    ("number with a trailing dot", "3.", Number(3.0)),
    ("bareword", "json_lines", Bareword("json_lines")),
    ("true is a bareword", "true", Bareword("true")),
    ("false is a bareword", "false", Bareword("false")),
    ("double-quoted string", '"a b"', String("a b")),
    ("single-quoted string", "'a b'", String("a b")),
    ("double quote inside single quotes", "'say \"hi\"'", String('say "hi"')),
    ("escaped quote keeps its backslash", r'"a\"b"', String(r"a\"b")),
    ("backslash-n stays two characters", r'"a\nb"', String(r"a\nb")),
    ("newline inside a string", '"a\nb"', String("a\nb")),
    ("hash sign inside a string", '"a # b"', String("a # b")),
    ("empty array", "[]", Array(())),
    ("array", '["a", 1, b2]', Array((String("a"), Number(1), Bareword("b2")))),
    ("nested array", "[[1], []]", Array((Array((Number(1),)), Array(())))),
    ("empty hash", "{}", Hash(())),
    (
        "hash with whitespace-separated entries",
        '{ "a" => 1 bb => "x" 3 => c4 }',
        Hash(
            (
                HashEntry(String("a"), Number(1)),
                HashEntry(Bareword("bb"), String("x")),
                HashEntry(Number(3), Bareword("c4")),
            )
        ),
    ),
    ("hash on several lines", '{\n "a" => 1\n "b" => 2\n}', Hash((HashEntry(String("a"), Number(1)), HashEntry(String("b"), Number(2))))),
    ("hash with a comment between entries", '{\n "a" => 1 # one\n # more\n "b" => 2\n}', Hash((HashEntry(String("a"), Number(1)), HashEntry(String("b"), Number(2))))),
    ("codec plugin as a value", "json { charset => \"UTF-8\" }", Plugin("json", (Attribute("charset", String("UTF-8")),))),
    ("codec plugin without options", "plain {}", Plugin("plain", ())),
]


@pytest.mark.parametrize("text, expected", [v[1:] for v in VALUES], ids=[v[0] for v in VALUES])
def test_value_parses_to_node(text: str, expected: object) -> None:
    """Each kind of attribute value becomes its node with the value Logstash gives it."""
    assert only_value(text) == expected


ESCAPED = [
    (r'"a\nb"', "a\nb"),
    (r'"a\tb"', "a\tb"),
    (r'"a\rb"', "a\rb"),
    (r'"a\\b"', "a\\b"),
    (r'"a\"b"', 'a"b'),
    (r"'a\'b'", "a'b"),
    (r'"a\qb"', r"a\qb"),
]


@pytest.mark.parametrize("text, expected", ESCAPED)
def test_support_escapes_processes_escape_sequences(text: str, expected: str) -> None:
    """With support_escapes, \\n \\t \\r \\\\ \\" \\' become characters and unknown escapes stay."""
    assert only_value(text, support_escapes=True) == String(expected)


def test_sections_keep_order_and_repeat() -> None:
    """Sections may come in any order and repeat; each stays a separate Section in order."""
    tree = parse("output { a1 {} } filter { b1 {} } input { c1 {} } filter { d1 {} }")
    assert [s.kind for s in tree.sections] == ["output", "filter", "input", "filter"]
    assert [p.name for p in tree.of_kind("filter")] == ["b1", "d1"]


def test_empty_text_is_an_empty_configuration() -> None:
    """Only comments and whitespace give a configuration with no sections."""
    assert parse("  # nothing here\n\n# at all").sections == ()


def test_comment_at_end_of_input_without_newline() -> None:
    """A comment may end the input without a newline (Logstash fixed this in 2024)."""
    assert parse("filter { } # done").sections == (Section("filter", ()),)


def test_plugin_attributes_in_order() -> None:
    """Plugin attributes keep their order and repeated names stay separate attributes."""
    plugin = parse('filter { grok { match => { "a" => "1" } match => { "b" => "2" } tag_on_failure => [] } }').sections[0].body[0]
    assert [a.name for a in plugin.attributes] == ["match", "match", "tag_on_failure"]


def test_quoted_plugin_and_option_names() -> None:
    """Plugin and option names may be quoted strings; the quotes are not part of the name."""
    plugin = parse("filter { \"my-filter\" { 'some option' => 1 } }").sections[0].body[0]
    assert (plugin.name, plugin.attributes[0].name) == ("my-filter", "some option")


def test_names_may_contain_dashes_and_digits() -> None:
    """Plugin names follow [A-Za-z0-9_-]+ (e.g. a plugin called 3d-filter)."""
    assert parse("filter { 3d-filter { x-y => 1 } }").sections[0].body[0].name == "3d-filter"


def test_if_else_if_else_branches() -> None:
    """An if / else if / else chain becomes one If with three branches, else last with None."""
    node = parse("filter { if [a] { p1 {} } else if [b] { p2 {} } else { p3 {} } }").sections[0].body[0]
    assert isinstance(node, If)
    assert [(cond, [p.name for p in body]) for cond, body in node.branches] == [
        (Selector("[a]"), ["p1"]),
        (Selector("[b]"), ["p2"]),
        (None, ["p3"]),
    ]


def test_nested_conditionals() -> None:
    """An if inside an if body is a nested If node."""
    outer = parse("filter { if [a] { if [b] { p {} } } }").sections[0].body[0]
    inner = outer.branches[0].body[0]
    assert isinstance(inner, If) and inner.branches[0].condition == Selector("[b]")


def test_conditionals_allowed_in_output_section() -> None:
    """Outputs can be wrapped in conditionals, as in Logstash."""
    node = parse("output { if [x] == 1 { stdout {} } }").sections[0].body[0]
    assert isinstance(node, If)


def test_positions_are_one_based_line_and_column() -> None:
    """Each node records file:line:col of its first character."""
    tree = parse("filter {\n  grok {\n    match => 1\n  }\n}\n", source="a.conf")
    plugin = tree.sections[0].body[0]
    attr = plugin.attributes[0]
    assert (str(tree.sections[0].position), str(plugin.position), str(attr.position), str(attr.value.position)) == (
        "a.conf:1:1",
        "a.conf:2:3",
        "a.conf:3:5",
        "a.conf:3:14",
    )


CONDITIONS = [
    ("equality with string", '[a] == "x"', Compare("==", Selector("[a]"), String("x"))),
    ("inequality with number", "[a] != 1", Compare("!=", Selector("[a]"), Number(1))),
    ("less than", "[a] < 1", Compare("<", Selector("[a]"), Number(1))),
    ("less or equal", "[a] <= -1.5", Compare("<=", Selector("[a]"), Number(-1.5))),
    ("greater than", "[a]>1", Compare(">", Selector("[a]"), Number(1))),
    ("greater or equal", "[a] >= 1", Compare(">=", Selector("[a]"), Number(1))),
    ("field against field", "[a] == [b][c]", Compare("==", Selector("[a]"), Selector("[b][c]"))),
    ("regex match", "[a] =~ /x+/", Match("=~", Selector("[a]"), Regex("x+"))),
    ("regex non-match", "[a] !~ /x/", Match("!~", Selector("[a]"), Regex("x"))),
    ("regex with escaped slash", r"[a] =~ /a\/b/", Match("=~", Selector("[a]"), Regex(r"a\/b"))),
    ("regex given as string", '[a] =~ "^x"', Match("=~", Selector("[a]"), String("^x"))),
    ("in a field", '"x" in [tags]', In(String("x"), Selector("[tags]"))),
    ("not in a field", '"x" not in [tags]', In(String("x"), Selector("[tags]"), negated=True)),
    ("in an array literal", '[a] in ["x", "y"]', In(Selector("[a]"), Array((String("x"), String("y"))))),
    ("in an empty array", "[a] in []", In(Selector("[a]"), Array(()))),
    ("metadata selector", "[@metadata][x]", Selector("[@metadata][x]")),
    ("bare selector", "[a]", Selector("[a]")),
    ("negated selector", "![a]", Not(Selector("[a]"))),
    ("negated group", "!([a] == 1)", Not(Compare("==", Selector("[a]"), Number(1)))),
    ("parentheses vanish", "(([a]))", Selector("[a]")),
    ("and", "[a] and [b]", BoolOp("and", (Selector("[a]"), Selector("[b]")))),
    ("and chain is one node", "[a] and [b] and [c]", BoolOp("and", (Selector("[a]"), Selector("[b]"), Selector("[c]")))),
    ("or", "[a] or [b]", BoolOp("or", (Selector("[a]"), Selector("[b]")))),
    ("xor", "[a] xor [b]", BoolOp("xor", (Selector("[a]"), Selector("[b]")))),
    ("nand", "[a] nand [b]", BoolOp("nand", (Selector("[a]"), Selector("[b]")))),
    (
        "and binds tighter than or (right)",
        "[a] or [b] and [c]",
        BoolOp("or", (Selector("[a]"), BoolOp("and", (Selector("[b]"), Selector("[c]"))))),
    ),
    (
        "and binds tighter than or (left)",
        "[a] and [b] or [c]",
        BoolOp("or", (BoolOp("and", (Selector("[a]"), Selector("[b]"))), Selector("[c]"))),
    ),
    (
        "parentheses override precedence",
        "([a] or [b]) and [c]",
        BoolOp("and", (BoolOp("or", (Selector("[a]"), Selector("[b]"))), Selector("[c]"))),
    ),
    (
        "xor inside parentheses next to and",
        "([a] xor [b]) and [c]",
        BoolOp("and", (BoolOp("xor", (Selector("[a]"), Selector("[b]"))), Selector("[c]"))),
    ),
    ("operators need no spaces around brackets", "[a]and[b]", BoolOp("and", (Selector("[a]"), Selector("[b]")))),
    ("one-element array reads as a field reference (Logstash trap)", '[a] in ["x"]', In(Selector("[a]"), Selector('["x"]'))),
    ("string literal alone", '"yes"', String("yes")),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CONDITIONS], ids=[c[0] for c in CONDITIONS])
def test_condition_parses_to_expression(parse_condition, text: str, expected: object) -> None:
    """Each condition form becomes its expression node, grouped as Logstash groups it."""
    assert parse_condition(text) == expected


def test_selector_path_splits_elements() -> None:
    """A selector exposes its path elements."""
    assert Selector("[@metadata][a b]").path == ("@metadata", "a b")
