"""Random input never escapes as anything but a ConfigError with a position (or parses)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porttrack_logs.config import load, parse
from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.pipeline.conditions import compile_condition

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORPUS = sorted((Path(__file__).resolve().parents[1] / "data" / "configs").glob("*.conf"))
TOKENS = st.sampled_from(
    [
        "input", "filter", "output", "if", "else", "and", "or", "xor", "nand", "in", "not", "!",
        "{", "}", "[", "]", "(", ")", "=>", "==", "!=", "<", "<=", ">", ">=", "=~", "!~", ",",
        '"', "'", "/", "\\", "#", "\n", " ", "-", "1", "2.5", "ab", "[a]", "[@metadata][x]",
        "grok", "match", '"x"', "'y'", "/re/", "true",
    ]
)
TOKEN_SOUP = st.lists(st.one_of(TOKENS, st.text(max_size=3)), max_size=40).map(" ".join)


def parses_or_fails_cleanly(text: str) -> None:
    try:
        parse(text, source="fuzz.conf")
    except ConfigError as exc:
        assert exc.position is not None and exc.position.source == "fuzz.conf"
        assert exc.snippet is not None and exc.snippet.endswith("^")


@SETTINGS
@given(st.text(max_size=200))
def test_random_text_gives_tree_or_positioned_config_error(text: str) -> None:
    """Arbitrary unicode text either parses or raises ConfigError with position and caret."""
    parses_or_fails_cleanly(text)


@SETTINGS
@given(TOKEN_SOUP)
def test_token_soup_gives_tree_or_positioned_config_error(text: str) -> None:
    """Sequences of the language's own tokens (reaching deep parser states) fail only as ConfigError."""
    parses_or_fails_cleanly(text)


@SETTINGS
@given(st.sampled_from(CORPUS), st.data())
def test_mutated_real_configs_fail_only_as_config_errors(path: Path, data: st.DataObject) -> None:
    """A real configuration with a character deleted or inserted parses or fails as ConfigError."""
    text = path.read_text()
    at = data.draw(st.integers(0, len(text)))
    if data.draw(st.booleans()):
        text = text[:at] + text[at + 1 :]
    else:
        text = text[:at] + data.draw(TOKENS) + text[at:]
    parses_or_fails_cleanly(text)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_in_a_file_give_tree_or_config_error(tmp_path_factory, raw: bytes) -> None:
    """Loading a file of random bytes gives a tree or a ConfigError (not UTF-8, or a syntax error)."""
    path = tmp_path_factory.mktemp("fuzz") / "random.conf"
    path.write_bytes(raw)
    try:
        load(path)
    except ConfigError as exc:
        assert str(path) in str(exc)


CONDITION_TOKENS = st.sampled_from(
    [
        "[a]", "[b][c]", "[@metadata][m]", "[tags]", '"x"', "'1'", "1", "-2.5", "/x+/", "/(/", '["p", 1]', "[]",
        "==", "!=", "<", ">=", "=~", "!~", "in", "not in", "and", "or", "xor", "nand", "!", "(", ")",
    ]
)
RVALUES = st.sampled_from(["[a]", "[b][c]", "[@metadata][m]", "[tags]", '"x"', "'1'", "1", "-2.5", "/x+/", "/(/", '["p", 1]', "[]"])
SIMPLE = st.one_of(
    RVALUES,
    st.tuples(RVALUES, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "=~", "!~", "in", "not in"]), RVALUES).map(" ".join),
    st.sampled_from(["![a]", "![b][c]"]),
)
GRAMMAR_SOUP = st.recursive(
    SIMPLE,
    lambda inner: st.one_of(
        inner.map(lambda c: f"({c})"),
        inner.map(lambda c: f"!({c})"),
        st.tuples(inner, st.sampled_from(["and", "or", "xor", "nand"]), inner).map(" ".join),
    ),
    max_leaves=6,
)
CONDITION_SOUP = st.one_of(GRAMMAR_SOUP, st.lists(CONDITION_TOKENS, min_size=1, max_size=12).map(" ".join))
EVENTS = [
    {},
    {"a": "x", "b": {"c": 1}, "tags": ["x", "p"]},
    {"a": 2, "b": {"c": [1, "1"]}, "tags": "px", "m": None},
    {"a": None, "b": "str", "tags": {"k": "v"}},
]


@SETTINGS
@given(CONDITION_SOUP)
def test_conditions_that_parse_compile_and_always_answer_a_bool(soup: str) -> None:
    """Any condition the parser accepts compiles (or is refused as ConfigError, e.g. a bad regex),
    and the compiled test answers a bool for every event shape without raising."""
    try:
        tree = parse(f"filter {{ if {soup} {{ }} }}")
    except ConfigError:
        return
    condition = tree.sections[0].body[0].branches[0].condition
    try:
        test = compile_condition(condition)
    except ConfigError as exc:
        assert exc.position is not None or "not a condition" in exc.message
        return
    for fields in EVENTS:
        assert isinstance(test(Event(dict(fields), metadata={"m": "x"})), bool)
