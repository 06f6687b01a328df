"""Property tests for grok's building blocks and for expansion itself (modest example counts)."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.grok import Grok
from porttrack_logs.event import to_f, to_i

FEW = settings(max_examples=60, deadline=None)

INT = Grok("^%{INT:n:int}$")
NUMBER_F = Grok("^%{NUMBER:x:float}$")
BASE10 = Grok("^%{BASE10NUM:x}$")
IPV4 = Grok("^%{IPV4:ip}$")
IPV6 = Grok("^%{IPV6:ip}$")
QS = Grok("^%{QUOTEDSTRING:q}$")
TS = Grok("^%{TIMESTAMP_ISO8601:ts}$")


@FEW
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_int_capture_coerces_to_the_same_integer(n: int) -> None:
    """%{INT:n:int} on a decimal integer gives that integer back."""
    assert INT.match(str(n)) == {"n": n}


@FEW
@given(st.integers(min_value=0, max_value=10**9), st.text(alphabet="abc.x -", max_size=5))
def test_to_i_stops_at_the_first_non_digit(n: int, tail: str) -> None:
    """Ruby to_i reads the leading integer and ignores the rest ("12abc" -> 12)."""
    assert to_i(f"{n}{tail}") == n


@FEW
@given(st.lists(st.integers(min_value=0, max_value=999), min_size=1, max_size=4))
def test_to_i_skips_single_underscores_between_digits(groups: list[int]) -> None:
    """"1_000" -> 1000: Ruby accepts underscores between digit runs."""
    text = "_".join(str(g) for g in groups)
    assert to_i(text) == int(text.replace("_", ""))


@FEW
@given(st.text(alphabet="abcxyz -", max_size=6))
def test_to_i_and_to_f_of_non_numbers_are_zero(text: str) -> None:
    """Text with no leading number converts to 0 and 0.0."""
    assert (to_i(text), to_f(text)) == (0, 0.0)


@FEW
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_number_capture_coerces_to_the_same_float(x: float) -> None:
    """%{NUMBER:x:float} on a fixed-point rendering gives the float the text denotes."""
    text = f"{x:.6f}"
    assert NUMBER_F.match(text) == {"x": float(text)}


@FEW
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.sampled_from(["", "+", "-"]))
def test_base10num_takes_signed_decimals_whole(x: float, sign: str) -> None:
    """BASE10NUM matches an optionally signed decimal as a whole."""
    text = f"{sign}{x:.3f}"
    assert BASE10.match(text) == {"x": text}


@FEW
@given(st.ip_addresses(v=4))
def test_ipv4_matches_any_dotted_quad(ip: ipaddress.IPv4Address) -> None:
    """IPV4 matches every dotted-quad address exactly."""
    assert IPV4.match(str(ip)) == {"ip": str(ip)}


@FEW
@given(st.ip_addresses(v=6), st.booleans())
def test_ipv6_matches_compressed_and_exploded_forms(ip: ipaddress.IPv6Address, exploded: bool) -> None:
    """IPV6 matches an address written compressed or exploded, exactly."""
    text = ip.exploded if exploded else ip.compressed
    assert IPV6.match(text) == {"ip": text}


@FEW
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), st.sampled_from(['"', "'", "`"]))
def test_quotedstring_takes_an_escaped_string_whole(body: str, quote: str) -> None:
    """QUOTEDSTRING matches a quoted string whose quotes and backslashes are escaped."""
    escaped = body.replace("\\", "\\\\").replace(quote, "\\" + quote)
    text = f"{quote}{escaped}{quote}"
    assert QS.match(text) == {"q": text}


@FEW
@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from(["seconds", "milliseconds", "microseconds"]),
    st.integers(min_value=-12, max_value=14),
)
def test_timestamp_iso8601_round_trips(moment: datetime, spec: str, offset_hours: int) -> None:
    """An ISO8601 timestamp is captured whole and parses back to the same instant."""
    aware = moment.replace(tzinfo=timezone(timedelta(hours=offset_hours)))
    text = aware.isoformat(timespec=spec)
    captured = TS.match(text)
    assert captured == {"ts": text}
    assert datetime.fromisoformat(captured["ts"]) == datetime.fromisoformat(text)


# -- expansion --------------------------------------------------------------------------------
ATOMS = ["a", "b+", "[0-9]{1,2}", "x?", "(?:ab|ba)"]


@st.composite
def pattern_trees(draw) -> tuple[dict[str, str], str, str]:
    """Random definitions P0..Pn (each built from atoms and earlier patterns) with the root's
    hand-inlined regex, so expansion can be compared against inlining done by hand."""
    definitions: dict[str, str] = {}
    inlined: dict[str, str] = {}
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        parts, flat = [], []
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            if definitions and draw(st.booleans()):
                ref = draw(st.sampled_from(sorted(definitions)))
                parts.append(f"%{{{ref}}}")
                flat.append(f"(?:{inlined[ref]})")
            else:
                atom = draw(st.sampled_from(ATOMS))
                parts.append(atom)
                flat.append(atom)
        joiner = draw(st.sampled_from(["", "|"]))
        quant = draw(st.sampled_from(["", "?", "*"]))
        name = f"P{i}"
        definitions[name] = f"(?:{joiner.join(parts)}){quant}"
        inlined[name] = f"(?:{joiner.join(flat)}){quant}"
    root = f"P{len(definitions) - 1}"
    return definitions, root, inlined[root]


@FEW
@given(pattern_trees(), st.text(alphabet="ab019x", max_size=12))
def test_nested_definitions_expand_to_the_inlined_regex(tree, text: str) -> None:
    """A capture through nested user patterns equals the capture of the hand-inlined regex."""
    definitions, root, inlined = tree
    grok = Grok(f"%{{{root}:f}}", pattern_definitions=definitions)
    expected = re.search(f"(?P<f>{inlined})", text, re.DOTALL | re.MULTILINE)
    got = grok.match(text)
    if expected is None:
        assert got is None
    else:
        value = expected.group("f")
        assert got == ({"f": value} if value else {})


LONG_EXPRESSIONS = ["%{INT:n} %{WORD:w}$", "(?<![0-9])%{NUMBER:n}(?![0-9])", "^%{WORD:w} end", "%{IPV4:ip}"]


@FEW
@given(
    st.sampled_from(LONG_EXPRESSIONS),
    st.text(alphabet="ab 19.\n", min_size=2100, max_size=2600),
    st.text(alphabet="ab 19.\nend", max_size=20),
)
def test_windowed_search_of_long_lines_finds_the_same_match(expression: str, filler: str, tail: str) -> None:
    """With a time budget, lines longer than LONG_TEXT are searched window by window; the
    result equals the one-call search (leftmost match, same captures, lookbehind intact)."""
    text = filler + tail
    assert Grok(expression, timeout_millis=5000).match(text) == Grok(expression).match(text)
