"""csv: the table of behaviours in tests/data/filters/csv.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.filters.csv import CsvFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("csv"))
def test_csv_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(CsvFilter, row)
