"""json: root merge, target, failures, @timestamp handling."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.filters.json import JsonFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("json"))
def test_json_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/json.json)."""
    run_case(JsonFilter, row)


def test_source_is_required():
    """json without `source` is a configuration error naming it."""
    with pytest.raises(ConfigError) as info:
        JsonFilter()
    assert info.value.option == "source"
