"""syslog_pri: the table of behaviours in tests/data/filters/syslog_pri.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.syslog_pri import SyslogPriFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("syslog_pri"))
def test_syslog_pri_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(SyslogPriFilter, row)
