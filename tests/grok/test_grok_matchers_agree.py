"""The matcher written at compile time for each expression gives exactly what the general loop
over captures gives (`Grok._general_match`, the reference): same captures, same miss, same error."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.grok import Grok

TAIL = Grok("%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}", ecs_compatibility="disabled")
FLAT = Grok("%{WORD:verb} %{NOTSPACE:path}(?: %{INT:status})?", ecs_compatibility="disabled")
# typed, nested, repeated and optional captures, a greedy tail; the alphabet below hits every branch
SHAPES = [
    Grok("%{INT:a:int} %{NOTSPACE:[b][c]} (?:%{INT:[b][d]:float})?%{GREEDYDATA:rest}"),
    Grok("%{NOTSPACE:x}(?: %{INT:x:int})? %{NOTSPACE:x} ?%{DATA:[y][z][w]}$"),
    Grok("(?:%{INT:n:int} )?%{NOTSPACE:n} %{NOTSPACE:[m][a]}(?: %{NOTSPACE:[m][b]:int})?"),
    Grok("%{WORD:[@metadata][x]} %{WORD:x}(?: %{INT:[@metadata][n]:int})?"),
    Grok("%{NOTSPACE:a}(?: %{NOTSPACE:[a][b]})?"),  # a path under another: the write rule decides
    Grok("%{INT:n:int} %{NOTSPACE:n}"),  # a number first: later values of the name are dropped
    Grok("%{NUMBER:f:float}(?: %{NUMBER:i:int})? %{GREEDYDATA:t}"),
    Grok("%{INT:a} %{INT:b:int} %{GREEDYDATA:c}", timeout_millis=500),  # a time budget: no raw search
    Grok("%{NUMBER:i:int} %{NUMBER:f:float} %{POSINT:p:int}(?: %{NONNEGINT:q:float})?"),  # builtins, proven safe
    Grok(r"(?<X:w:int>\S+) (?<X:v:float>\S*)"),  # any text: Ruby's rule beyond plain digits
    Grok("%{SYSLOGLINE}", ecs_compatibility="v1"),
    Grok("%{SYSLOGLINE}", ecs_compatibility="disabled"),
]

stamps = st.sampled_from(["2026-11-27T06:00:00.332Z", "2026-11-27 06:00:00", "27/Nov/2026", ""])
levels = st.sampled_from(["INFO", "ERROR", "warn", "NOTE", ""])
rests = st.text(alphabet=st.sampled_from("ab \n\t=-:0"), max_size=20)
tokens = st.sampled_from(["12", "-3", "+007", ".5", "-1.25", "3.", "0x", "1.5", "٣", "", "a", "b.c", "1_0", "<13>", "host", "sshd[42]:", "Nov 27 06:10:11"])
lines = st.lists(tokens, max_size=8).map(" ".join)


def outcome(match, line, *args):
    try:
        return match(line, *args)
    except Exception as exc:  # noqa: BLE001 - both must fail alike
        return type(exc)


def test_tail_expression_runs_findall_and_flat_one_search():
    """The PortTrack shape reads its groups through findall, a flat expression through search."""
    assert "found = " in TAIL.matcher_source and "found = " not in FLAT.matcher_source


@pytest.mark.parametrize("grok", [SHAPES[0], SHAPES[6]], ids=["int-nested", "float"])
def test_typed_captures_are_coerced_inline(grok):
    """No call through a per-capture coercion table: `int`/`float` written into the matcher."""
    assert "int(g[" in grok.matcher_source or "float(g[" in grok.matcher_source


@settings(max_examples=300, deadline=None)
@given(prefix=rests, stamp=stamps, level=levels, rest=rests)
def test_tail_matcher_agrees_with_general(prefix, stamp, level, rest):
    """Leading text, odd stamps and levels, empty or multi-line rests: same captures or same miss."""
    line = f"{prefix}{stamp} {level} {rest}"
    assert TAIL.match(line) == TAIL._general_match(line)
    assert TAIL.match(line, keep_empty_captures=True) == TAIL._general_match(line, True)


@settings(max_examples=200, deadline=None)
@given(verb=st.sampled_from(["GET", "POST", "", "x"]), path=rests, status=st.sampled_from(["", " 200", " x"]))
def test_flat_matcher_agrees_with_general(verb, path, status):
    """An optional group left out is left out of the captures by both."""
    line = f"{verb} {path}{status}"
    assert FLAT.match(line) == FLAT._general_match(line)


@settings(max_examples=400, deadline=None)
@given(index=st.integers(0, len(SHAPES) - 1), line=lines, keep=st.booleans())
def test_every_shape_agrees_with_general(index, line, keep):
    """Typed, nested, repeated, metadata and conflicting captures: the same result (types and
    key order included) or the same error, with and without keep_empty_captures."""
    grok = SHAPES[index]
    got, want = outcome(grok.match, line, keep), outcome(grok._general_match, line, keep)
    assert got == want
    if isinstance(want, dict):
        assert repr(got) == repr(want)  # 1 is not 1.0, and the keys come in the same order


def test_metadata_capture_keeps_its_own_key():
    """`[@metadata][x]` lands under "@metadata", apart from a real field `x` (issue 12)."""
    grok = Grok("%{WORD:[@metadata][x]} %{WORD:x}")
    assert grok.match("a b") == {"@metadata": {"x": "a"}, "x": "b"}
    assert grok._general_match("a b") == {"@metadata": {"x": "a"}, "x": "b"}


def test_nested_typed_capture_builds_the_nested_value():
    """ECS v1 SYSLOGLINE: the pid is an int under [process], the host name under [host]."""
    got = Grok("%{SYSLOGLINE}").match("Nov 27 06:10:11 node-1 sshd[123]: Started session")
    assert got == {
        "timestamp": "Nov 27 06:10:11",
        "host": {"hostname": "node-1"},
        "process": {"name": "sshd", "pid": 123},
        "message": "Started session",
    }


def test_non_ascii_digits_coerce_as_ruby_does():
    """Python's int() reads "٣" as 3; Ruby's to_i reads 0, and so does the inline coercion."""
    assert Grok(r"(?<X:n:int>\S+)").match("٣") == {"n": 0}
    assert Grok(r"(?<X:n:int>\S+)").match("-12") == {"n": -12}
    assert Grok(r"(?<X:x:float>\S+)").match("2.5e1x") == {"x": 25.0}


@pytest.mark.parametrize(
    "pattern, kind",
    [("%{INT:n:int}", "int("), ("%{POSINT:n:int}", "int("), ("%{NUMBER:n:float}", "float("), ("%{WORD:n:int}", "isdigit")],
)
def test_coercion_uses_the_builtin_where_the_regex_allows_only_numbers(pattern, kind):
    """INT, POSINT, NUMBER groups are read by int()/float() directly; a WORD is checked first."""
    source = Grok(pattern).matcher_source.split("def match")[1]
    assert kind in source
    assert ("isdigit" in source) == (kind == "isdigit")
