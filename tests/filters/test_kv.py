"""kv: splitting, quoting, key/value transforms, duplicates, defaults, failures."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.filters.kv import KvFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("kv"))
def test_kv_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/kv.json)."""
    run_case(KvFilter, row)


@pytest.mark.parametrize("option", ["value_split", "field_split_pattern", "value_split_pattern"])
def test_empty_splitter_is_a_config_error(option):
    """An empty splitter fails at start-up, naming the option."""
    with pytest.raises(ConfigError) as info:
        KvFilter(**{option: ""})
    assert info.value.option == option


def test_bad_split_pattern_is_a_config_error():
    """A field_split_pattern that is no regex fails at start-up."""
    with pytest.raises(ConfigError) as info:
        KvFilter(field_split_pattern="(")
    assert info.value.option == "field_split_pattern"


import json as _json

from porttrack_logs.codec import decode_event as _decode_event
from porttrack_logs.event import Event as _Event
from porttrack_logs.filters.kv import KvFilter as _KvFilter

_PATHOLOGICAL = "foo========:bar baz================================================bingo"


def _both(data: dict) -> list:
    raw = _json.dumps(data).encode()
    return [_Event(_json.loads(raw)), _decode_event(raw)]


def test_timeout_tags_the_event_and_the_next_event_goes_on():
    """A scan past timeout_millis tags `_kv_filter_timeout`, writes nothing, skips add_field; the next event parses."""
    flt = _KvFilter(value_split_pattern="(?:=+=+)+:", timeout_millis=100, add_field={"kv": "ok"})
    for bad, good in zip(_both({"message": _PATHOLOGICAL}), _both({"message": "foo==:bar baz==:bingo"})):
        out = flt.process([bad, good])
        assert [e.tags for e in out] == [["_kv_filter_timeout"], []]
        assert bad.get("kv") is None and bad.get("foo") is None
        assert (good.get("foo"), good.get("baz"), good.get("kv")) == ("bar", "bingo", "ok")


EMPTY_VALUES = [
    # (allow_empty_values, text, expected fields)
    (True, "a= b='' c=[] d=x", {"a": "", "b": "", "c": "", "d": "x"}),
    (False, "a= b='' c=[] d=x", {"d": "x"}),
]


@pytest.mark.parametrize("allow,text,expected", EMPTY_VALUES)
def test_allow_empty_values(allow: bool, text: str, expected: dict):
    """Empty values are kept as "" only with allow_empty_values (whitespace strict)."""
    flt = _KvFilter(allow_empty_values=allow, whitespace="strict")
    for event in _both({"message": text}):
        flt.filter(event)
        got = {k: v for k, v in event.to_dict().items() if k not in ("message", "@timestamp", "@version")}
        assert got == expected
