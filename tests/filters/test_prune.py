"""prune: the table of behaviours in tests/data/filters/prune.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.prune import PruneFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("prune"))
def test_prune_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(PruneFilter, row)
