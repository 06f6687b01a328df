"""mutate: every operation against Logstash's documented behaviour, the fixed order, failures."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.mutate import ORDER, MutateFilter, to_float, to_integer

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("mutate"))
def test_mutate_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/mutate.json)."""
    run_case(MutateFilter, row)


def test_order_is_logstash_documented_order():
    """The step order is the one Logstash documents for mutate (coerce first, copy last)."""
    assert ORDER == (
        "coerce", "rename", "update", "replace", "convert", "gsub", "uppercase",
        "capitalize", "lowercase", "strip", "split", "join", "merge", "copy",
    )


def test_copy_is_independent_of_its_source():
    """After copy, changing the source's nested value (in a later mutate) leaves the copy as it was."""
    event = Event({"a": {"x": "v", "list": [1]}})
    MutateFilter(copy={"a": "b"}).filter(event)
    MutateFilter(uppercase=["[a][x]"], merge={"[a][list]": "[a][x]"}).filter(event)
    assert event.get("a") == {"x": "V", "list": [1, "V"]}
    assert event.get("b") == {"x": "v", "list": [1]}


def test_merge_does_not_share_values_with_its_source():
    """Merged-in hashes are copies: changing the added field afterwards leaves the destination."""
    event = Event({"d": [{"k": "a"}], "s": [{"k": "b"}]})
    MutateFilter(merge={"d": "s"}).filter(event)
    MutateFilter(uppercase=["[s][0][k]"]).filter(event)
    assert event.get("s") == [{"k": "B"}]
    assert event.get("d") == [{"k": "a"}, {"k": "b"}]


def test_runs_on_lazily_decoded_event():
    """Operations read fields of an event from the codec (values still undecoded) like plain ones."""
    from porttrack_logs.codec import decode_event

    event = decode_event(b'{"n": "1,234", "tags": ["x"], "h": {"a": [1, 2]}, "s": "a b"}')
    MutateFilter(convert={"n": "integer"}, split={"s": " "}, copy={"h": "h2"}, add_tag=["ok"]).filter(event)
    assert (event.get("n"), event.get("s"), event.get("[h2][a]"), event.tags) == (1234, ["a", "b"], [1, 2], ["x", "ok"])


def test_unknown_conversion_is_a_config_error():
    """A conversion type Logstash does not know fails at start-up, naming the option."""
    with pytest.raises(ConfigError) as info:
        MutateFilter(convert={"n": "int"})
    assert info.value.option == "convert"
    assert "'int'" in str(info.value)


def test_gsub_needs_triples():
    """gsub with a number of items that is not a multiple of three is rejected at start-up."""
    with pytest.raises(ConfigError) as info:
        MutateFilter(gsub=["field", "a"])
    assert info.value.option == "gsub"


def test_bad_gsub_regex_is_a_config_error():
    """A regex that does not compile fails at start-up, not per event."""
    with pytest.raises(ConfigError) as info:
        MutateFilter(gsub=["f", "(", "x"])
    assert info.value.option == "gsub"


def test_failure_skips_common_options():
    """When an operation fails, add_tag does not apply (Logstash skips filter_matched)."""
    flt = MutateFilter(convert={"n": "float"}, add_tag=["converted"])
    event = Event({"n": "not a number"})
    flt.filter(event)
    assert event.tags == ["_mutate_error"]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integer_text_round_trips(number):
    """convert integer of an integer's text (plain or with group commas) gives the integer back."""
    assert to_integer(str(number)) == number
    assert to_integer(f"{number:,}") == number


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_float_text_round_trips(number):
    """convert float of a float's repr gives the same float back."""
    assert to_float(repr(number)) == number


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_float_eu_reads_what_us_reads(whole, cents):
    """float_eu of `1.234,56` equals float of `1,234.56` for the same number."""
    us = f"{whole:,}.{cents:02d}"
    eu = us.replace(",", "_").replace(".", ",").replace("_", ".")
    flt_us = MutateFilter(convert={"n": "float"})
    flt_eu = MutateFilter(convert={"n": "float_eu"})
    a, b = Event({"n": us}), Event({"n": eu})
    flt_us.filter(a)
    flt_eu.filter(b)
    assert a.get("n") == b.get("n") == float(f"{whole}.{cents:02d}")
