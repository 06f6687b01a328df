"""The grok compiler: expansion rules, errors, translation of Oniguruma constructs, debugger view."""

from __future__ import annotations

import porttrack_logs.grok as grok_package
import pytest

from porttrack_logs.errors import GrokError
from porttrack_logs.grok import Grok
from porttrack_logs.grok._translate import PCRE, RE, TranslateError, translate


def test_package_exports_grok() -> None:
    """`from porttrack_logs.grok import Grok` works and __all__ lists every public name."""
    assert "Grok" in grok_package.__all__
    assert all(hasattr(grok_package, name) for name in grok_package.__all__)


def test_match_returns_nested_captures() -> None:
    """Bracketed field names become nested dicts; :int coerces."""
    assert Grok("%{WORD:[process][name]}\\[%{INT:[process][pid]:int}\\]").match("sshd[42]") == {
        "process": {"name": "sshd", "pid": 42}
    }


def test_no_match_returns_none() -> None:
    """A miss is None, not an empty dict."""
    assert Grok("^%{INT:n}$").match("abc") is None


def test_search_is_unanchored() -> None:
    """The expression may match anywhere in the text."""
    assert Grok("%{INT:n}").match("abc 12 def") == {"n": "12"}


def test_dot_matches_newline() -> None:
    """Ruby's MULTILINE is dot-all: GREEDYDATA runs across lines."""
    assert Grok("a%{GREEDYDATA:rest}").match("a1\n2") == {"rest": "1\n2"}


def test_caret_is_a_line_anchor() -> None:
    """^ matches after a newline too, as Ruby's ^ always does."""
    assert Grok("^%{INT:n}").match("x\n5") == {"n": "5"}


def test_inline_definition_defines_a_pattern() -> None:
    """%{NAME=regex} defines NAME on the spot (and captures under NAME without named_captures_only)."""
    assert Grok("%{FIZZLE=\\d+}", named_captures_only=False).match("hello 1234") == {"FIZZLE": "1234"}


def test_field_part_tail_is_ignored() -> None:
    """Text after the field part up to } is silently dropped: %{WORD:unsuppo(r)ted} -> unsuppo."""
    assert Grok("%{WORD:unsuppo(r)ted}").match("hello") == {"unsuppo": "hello"}


def test_raw_named_groups_always_capture() -> None:
    """(?<field>...) captures even with named_captures_only."""
    assert Grok("(?<[a][b]>x+)").match("xx") == {"a": {"b": "xx"}}


def test_duplicate_names_report_every_group_in_order() -> None:
    """Two groups with one name both report, first appearance first (Ruby named_captures)."""
    assert Grok("%{INT:n} %{INT:n}").match("1 2") == {"n": ["1", "2"]}


def test_unknown_pattern_names_pattern_and_place() -> None:
    """The GrokError names the unknown reference and the character where it is used."""
    with pytest.raises(GrokError, match=r"%\{NOPE\}.*character 3"):
        Grok("a %{NOPE}")


def test_self_reference_is_deep_recursion() -> None:
    """A pattern that refers to itself stops after 10,000 expansions."""
    with pytest.raises(GrokError, match="deep recursion"):
        Grok("%{LOOP}", pattern_definitions={"LOOP": "a%{LOOP}"})


def test_pattern_definitions_override_the_bank() -> None:
    """A definition with a bank name replaces the bank's pattern."""
    assert Grok("%{WORD:w}", pattern_definitions={"WORD": "[0-9]+"}).match("ab 12") == {"w": "12"}


def test_elements_give_each_top_level_fragment() -> None:
    """elements lists literal text and references with their expanded regex, in order."""
    grok = Grok("%{INT:a} - %{WORD}")
    assert [(e.kind, e.text) for e in grok.elements] == [("pattern", "%{INT:a}"), ("literal", " - "), ("pattern", "%{WORD}")]
    assert grok.elements[2].regex == "(?:\\b\\w+\\b)"
    assert "".join(e.regex for e in grok.elements) == grok.regex


@pytest.mark.parametrize("dialect", [PCRE, RE])
def test_hex_escape_is_a_hex_digit(dialect: str) -> None:
    """Oniguruma's \\h is a hex digit (RUUID), not horizontal space."""
    assert Grok("^%{RUUID:id}$", engine="pcre" if dialect == PCRE else "re").match("0123456789abcdef" * 2) == {
        "id": "0123456789abcdef" * 2
    }


@pytest.mark.parametrize("engine", ["pcre", "re"])
def test_nested_posix_class_is_a_union(engine: str) -> None:
    """[[[:alnum:]]_%] in UNIXPATH means alnum plus _ and %, Unicode letters included."""
    assert Grok("^%{UNIXPATH:p}$", engine=engine).match("/tmp/ä_b%c") == {"p": "/tmp/ä_b%c"}


@pytest.mark.parametrize("engine", ["pcre", "re"])
def test_word_class_is_ascii_as_in_ruby(engine: str) -> None:
    """\\w is ASCII in Ruby: WORD does not take a non-ASCII letter."""
    assert Grok("^%{WORD:w}$", engine=engine).match("é") is None


@pytest.mark.parametrize("engine", ["pcre", "re"])
def test_big_z_allows_a_final_newline(engine: str) -> None:
    """Ruby's \\Z matches before a final newline; \\z only at the very end."""
    assert Grok("a\\Z", engine=engine).match("a\n") == {}
    assert Grok("a\\z", engine=engine).match("a\n") is None


def test_repeat_of_repeat_is_folded() -> None:
    """`.?*` (legacy SHOREWALL) is read as `.*`, as Oniguruma does."""
    assert translate("a.?*b", RE).source == "a.*b"


def test_mid_pattern_m_flag_is_dropped() -> None:
    """A mid-pattern (?m) (RAILS3HEAD) is dot-all, already on: it disappears."""
    assert translate("x(?m)y", RE).source == "xy"


def test_python_group_syntax_is_refused() -> None:
    """(?P<n>...) is not grok syntax and is refused with a hint."""
    with pytest.raises(TranslateError, match=r"\(\?<name>"):
        translate("(?P<n>a)", PCRE)


def test_pcre_is_the_engine_for_bank_patterns() -> None:
    """Bank expressions run on PCRE2 (the measured faster engine)."""
    assert Grok("%{COMBINEDAPACHELOG}").engine == "pcre"


def test_pattern_pcre_cannot_hold_falls_back_to_re() -> None:
    """An expression too large for PCRE2's compiled size limit still compiles, on re."""
    grok = Grok("%{ZEEK_FILES}")
    assert grok.engine == "re"


def test_repeated_single_class_group_is_folded() -> None:
    """`([c]+)+` (URIPROTO) becomes `[c]+`: same language, no exponential backtracking."""
    assert translate("[A-Za-z]([A-Za-z0-9+.-]+)+x", PCRE).source == "[A-Za-z][A-Za-z0-9+.-]+x"


def test_uri_on_a_long_word_is_a_plain_miss() -> None:
    """%{URI} against a long run of word characters fails without running out of its budget."""
    assert Grok("%{URI}", timeout_millis=50).match("a" * 60 + "/x") is None
