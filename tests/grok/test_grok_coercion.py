"""The inline `:int`/`:float` coercion grok writes (`fast_coercion`, in `Grok.match` and in the grok
filter's generated code) is Ruby's to_i/to_f for every text its group's regex can give: same value,
same type, same error. Hypothesis-made texts: digits, signs, spaces, underscores, non-ASCII digits,
leading zeros, numbers around int()'s digit limit."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from porttrack_logs.event import Event, to_f, to_i
from porttrack_logs.filters.grok import GrokFilter
from porttrack_logs.grok import Grok
from porttrack_logs.grok._grok import _BASE10NUM, body_kind, fast_coercion, group_bodies

LIMIT = sys.get_int_max_str_digits()  # int() refuses longer digit runs; so does to_i, which calls it

# what each kind's regex lets through, and any text at all for the kind ""
KINDS = {"digits": re.compile("[+-]?[0-9]+"), "decimal": re.compile(_BASE10NUM), "": re.compile(".*", re.DOTALL)}

digit = st.sampled_from("0123456789")
odd = st.sampled_from(["+", "-", " ", "\t", "_", ".", "e", "x", "٣", "²", "５", "\u00a0", "0", "1", "9"])
short = st.text(alphabet=st.one_of(digit, odd), max_size=12)
numbers = st.builds(
    lambda sign, zeros, body, tail: sign + "0" * zeros + body + tail,
    st.sampled_from(["", "+", "-"]),
    st.integers(0, 3),
    st.integers(0, 10**30).map(str),
    st.sampled_from(["", ".5", ".", "_1", "1_", " ", "x", ".25e3"]),
)
# around int()'s limit on digits, with and without leading zeros (they count)
long_runs = st.builds(lambda sign, n, lead: sign + lead + "7" * n, st.sampled_from(["", "-"]),
                      st.integers(LIMIT - 2, LIMIT + 2), st.sampled_from(["", "0"]))
texts = st.one_of(short, numbers, long_runs)


def compiled(coercion, kind: str):
    """The expression `fast_coercion` writes for `kind`, as a function of the group's text."""
    names: dict[str, object] = {}

    def name(value: object) -> str:
        names[f"_k{len(names)}"] = value
        return f"_k{len(names) - 1}"

    source = f"lambda s: {fast_coercion(coercion, 's', name, kind)}"
    return eval(source, names)  # noqa: S307 - the expression under test, written by our own code


def outcome(function, text: str):
    try:
        value = function(text)
    except Exception as exc:  # noqa: BLE001 - both must fail alike
        return type(exc)
    return (type(value), value)


@settings(max_examples=600, deadline=None)
@given(text=texts, kind=st.sampled_from(sorted(KINDS)))
@example(text="007", kind="digits")
@example(text="-0", kind="digits")
@example(text="+5", kind="decimal")
@example(text="-.5", kind="decimal")
@example(text="1_000", kind="")
@example(text=" 12 ", kind="")
@example(text="٣", kind="")
@example(text="²", kind="")
@example(text="7" * (LIMIT + 1), kind="digits")
def test_inline_int_is_ruby_to_i(text: str, kind: str) -> None:
    """Where the regex of the kind can give `text`, the inline `:int` gives to_i's value (an int)
    or raises to_i's error (a digit run past int()'s limit: ValueError from both)."""
    if KINDS[kind].fullmatch(text) is None:
        return
    assert outcome(compiled(to_i, kind), text) == outcome(to_i, text)


@settings(max_examples=600, deadline=None)
@given(text=texts, kind=st.sampled_from(sorted(KINDS)))
@example(text="007", kind="digits")
@example(text=".5", kind="decimal")
@example(text="3.", kind="")
@example(text="1e3", kind="")
@example(text="٣.5", kind="")
def test_inline_float_is_ruby_to_f(text: str, kind: str) -> None:
    """The same for `:float` and to_f (a float, never an int)."""
    if KINDS[kind].fullmatch(text) is None:
        return
    assert outcome(compiled(to_f, kind), text) == outcome(to_f, text)


@pytest.mark.parametrize(
    "pattern, kind",
    [("%{INT:n:int}", "digits"), ("%{POSINT:n:int}", "digits"), ("%{NONNEGINT:n:int}", "digits"),
     ("%{NUMBER:n:int}", "decimal"), ("%{BASE10NUM:n:int}", "decimal"), (r"(?<X:n:int>\S+)", ""),
     ("%{WORD:n:int}", "")],
)
def test_kind_of_the_usual_number_patterns(pattern: str, kind: str) -> None:
    """INT, POSINT, NONNEGINT are digit runs, NUMBER/BASE10NUM decimals, anything else unknown:
    the properties above hold for exactly these classes of text."""
    grok = Grok(pattern, ecs_compatibility="disabled")
    (cap,) = grok.captures
    assert body_kind(group_bodies(grok.compiled.source)[cap.group - 1]) == kind


number_lines = st.one_of(numbers, st.integers(0, 10**6).map(str), st.sampled_from(["256", "257", "1023", "1024", "65535", "65536"]))
MATCH_INT = ["%{INT:n:int}", "%{NUMBER:n:int}", r"(?<X:n:int>\S+)"]


@settings(max_examples=300, deadline=None)
@given(line=number_lines, index=st.integers(0, len(MATCH_INT) - 1))
def test_match_and_filter_coerce_as_the_reference_loop(line: str, index: int) -> None:
    """`Grok.match` (its written display), the reference loop over captures and the grok filter's
    generated code give the same `:int` value for the same line, the value to_i reads."""
    grok = Grok(MATCH_INT[index], ecs_compatibility="disabled")
    got = grok.match(line)
    assert got == grok._general_match(line)
    event = Event({"message": line})
    GrokFilter(match={"message": MATCH_INT[index]}, ecs_compatibility="disabled").filter(event)
    if got is None:
        assert event.get("n") is None and "_grokparsefailure" in event.get("tags")
        return
    assert type(got["n"]) is int and event.get("n") == got["n"] and type(event.get("n")) is int
    text = grok.search(line)[grok.captures[0].group - 1]
    assert got["n"] == to_i(text)


def test_digit_run_past_the_limit_fails_alike_in_match_and_reference() -> None:
    """Today int() refuses more than `sys.get_int_max_str_digits()` digits: `match` raises the same
    ValueError the reference loop raises (the grok filter tags such an event `_filter_error`)."""
    grok = Grok("%{INT:n:int}")
    line = "9" * (LIMIT + 1)
    with pytest.raises(ValueError, match="Exceeds the limit"):
        grok.match(line)
    with pytest.raises(ValueError, match="Exceeds the limit"):
        grok._general_match(line)
    assert grok.match("9" * LIMIT) == {"n": int("9" * LIMIT)}
