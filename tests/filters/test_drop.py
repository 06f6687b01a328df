"""drop: cancels events, all or a percentage."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.drop import DropFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("drop"))
def test_drop_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/drop.json)."""
    run_case(DropFilter, row)


def test_process_leaves_dropped_events_out():
    """A batch through drop comes back empty."""
    assert DropFilter().process([Event({"n": i}) for i in range(5)]) == []


def test_percentage_uses_the_random_draw():
    """With percentage 30, a draw below 0.30 drops and a draw at or above keeps."""
    flt = DropFilter(percentage=30)
    draws = iter([0.29, 0.30])
    flt._random = lambda: next(draws)
    first, second = Event({}), Event({})
    flt.filter(first)
    flt.filter(second)
    assert (first.cancelled, second.cancelled) == (True, False)


def test_percentage_out_of_range():
    """A percentage above 100 is a configuration error."""
    with pytest.raises(ConfigError) as info:
        DropFilter(percentage=101)
    assert info.value.option == "percentage"
