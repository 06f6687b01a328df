"""kv: splitting, quoting, key/value transforms, duplicates, defaults, failures."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.filters.kv import KvFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("kv"))
def test_kv_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/kv.json)."""
    run_case(KvFilter, row)


@pytest.mark.parametrize("option", ["value_split", "field_split_pattern", "value_split_pattern"])
def test_empty_splitter_is_a_config_error(option):
    """An empty splitter fails at start-up, naming the option."""
    with pytest.raises(ConfigError) as info:
        KvFilter(**{option: ""})
    assert info.value.option == option


def test_bad_split_pattern_is_a_config_error():
    """A field_split_pattern that is no regex fails at start-up."""
    with pytest.raises(ConfigError) as info:
        KvFilter(field_split_pattern="(")
    assert info.value.option == "field_split_pattern"
