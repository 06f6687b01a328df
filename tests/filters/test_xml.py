"""xml: the table of behaviours in tests/data/filters/xml.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.xml import XmlFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("xml"))
def test_xml_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(XmlFilter, row)
