"""urldecode: the table of behaviours in tests/data/filters/urldecode.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.urldecode import UrldecodeFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("urldecode"))
def test_urldecode_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(UrldecodeFilter, row)
