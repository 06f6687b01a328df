"""truncate: the table of behaviours in tests/data/filters/truncate.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.truncate import TruncateFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("truncate"))
def test_truncate_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(TruncateFilter, row)
