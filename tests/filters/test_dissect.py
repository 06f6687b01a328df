"""dissect: delimiters, modifiers, conversions, failures, and a random round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.dissect import DissectFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("dissect"))
def test_dissect_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/dissect.json)."""
    run_case(DissectFilter, row)


@pytest.mark.parametrize("mapping", ["%{+&a} %{b}", "%{&+a} %{b}", "%{+} %{b}", "no fields"])
def test_bad_mapping_is_a_config_error(mapping):
    """Mixed prefixes, a bare prefix and a mapping without fields fail at start-up."""
    with pytest.raises(ConfigError) as info:
        DissectFilter(mapping={"message": mapping})
    assert info.value.option == "mapping"


def test_unknown_datatype_is_a_config_error():
    """convert_datatype accepts only int and float."""
    with pytest.raises(ConfigError) as info:
        DissectFilter(mapping={"message": "%{a}"}, convert_datatype={"a": "bool"})
    assert info.value.option == "convert_datatype"


DELIMITER_CHARS = " ,;|:-/"
VALUE_CHARS = "abcxyz0189_.ÄЖ"


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_random_delimiters_round_trip(data):
    """Values joined by random delimiters come back unchanged when dissected with the same delimiters."""
    count = data.draw(st.integers(min_value=1, max_value=6))
    values = data.draw(st.lists(st.text(VALUE_CHARS, max_size=8), min_size=count, max_size=count))
    delimiters = data.draw(
        st.lists(st.text(DELIMITER_CHARS, min_size=1, max_size=3), min_size=count - 1, max_size=count - 1)
    )
    prefix = data.draw(st.text(DELIMITER_CHARS, max_size=2))
    names = [f"f{i}" for i in range(count)]
    mapping = prefix + "".join(
        f"%{{{name}}}" + (delimiters[i] if i < count - 1 else "") for i, name in enumerate(names)
    )
    text = prefix + "".join(v + (delimiters[i] if i < count - 1 else "") for i, v in enumerate(values))
    event = Event({"message": text})
    DissectFilter(mapping={"message": mapping}).filter(event)
    assert "_dissectfailure" not in event.tags
    assert [event.get(n) for n in names] == values
