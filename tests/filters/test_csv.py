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


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from porttrack_logs.event import Event  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(line=st.text(alphabet=st.sampled_from(list('ab,;"\t \n\\é')), max_size=30),
       sep=st.sampled_from([",", ";", "\t"]), columns=st.lists(st.sampled_from(["a", "b", "[n][c]"]), max_size=3))
def test_random_rows_never_raise(line, sep, columns):
    """Any line: parsed into fields or tagged _csvparsefailure; nothing escapes the filter."""
    event = Event({"message": line})
    CsvFilter(separator=sep, columns=columns).filter(event)
    parsed = [k for k in event.to_dict() if k not in ("message", "@timestamp", "@version", "tags")]
    assert event.tags in ([], ["_csvparsefailure"])
    if event.tags:
        assert not parsed
    elif not parsed:  # nothing to read: the first line holds no value at all
        assert line.splitlines()[:1] in ([], [""])


def test_autodetect_takes_the_first_line_as_columns():
    """The first event names the columns and is dropped; the next ones use those names."""
    flt = CsvFilter(autodetect_column_names=True)
    header, row = Event({"message": "host,port"}), Event({"message": "h1,22"})
    flt.filter(header)
    flt.filter(row)
    assert header.cancelled and row.get("host") == "h1" and row.get("port") == "22"


@pytest.mark.parametrize("options,option", [({"separator": ""}, "separator"), ({"quote_char": "ab"}, "quote_char"),
                                            ({"convert": {"a": "money"}}, "convert")])
def test_bad_options_are_config_errors(options, option):
    with pytest.raises(ConfigError) as info:
        CsvFilter(**options)
    assert info.value.option == option


import copy
import json  # noqa: E402

from porttrack_logs.codec import decode_event  # noqa: E402
from porttrack_logs.pipeline import Pipeline  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(line=st.one_of(st.text(alphabet=st.sampled_from(list('ab,;"\'\n\r\x00 ')), max_size=12), st.integers(), st.none(),
                      st.just(["a,b"])),
       columns=st.sampled_from(['["a", "b"]', '["a", "b", "c"]', '["message", "b"]', '["a"]', '["a", "a"]']),
       extra=st.sampled_from(["", 'add_tag => ["csv"]', "autogenerate_column_names => false", 'separator => ";"',
                              "quote_char => \"'\"", 'separator => " "']))
def test_generated_code_agrees_with_apply(line, columns, extra):
    """The code csv writes for the generated pipeline gives the events `apply` gives."""
    text = f"filter {{ csv {{ columns => {columns} {extra} }} }}"
    data = {"message": line, "@timestamp": "2026-11-27T00:00:00Z"}
    a = [e.to_dict() for e in Pipeline.from_config(text).process([Event(copy.deepcopy(data))])]
    b = [e.to_dict() for e in Pipeline.from_config(text, generate_code=False).process([Event(copy.deepcopy(data))])]
    assert a == b
    assert [list(e) for e in a] == [list(e) for e in b]  # the fields in the same order
    lazy = [e.to_dict() for e in Pipeline.from_config(text).process([decode_event(json.dumps(data).encode())])]
    assert lazy == b  # undecoded values
