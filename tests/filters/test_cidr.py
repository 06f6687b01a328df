"""cidr: the table of behaviours in tests/data/filters/cidr.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.cidr import CidrFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("cidr"))
def test_cidr_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(CidrFilter, row)
