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


# -- timeout_millis in any thread (PCRE2's match limit, as grok's) -----------------------------

import threading as _threading


def test_timeout_holds_off_the_main_thread():
    """On a worker thread (the sidecar's), the pathological scan is stopped and tagged too."""
    flt = _KvFilter(value_split_pattern="(?:=+=+)+:", timeout_millis=100)
    results: list = []

    def worker() -> None:
        bad, good = _Event({"message": _PATHOLOGICAL}), _Event({"message": "foo==:bar baz==:bingo"})
        out = flt.process([bad, good])
        single = _Event({"message": _PATHOLOGICAL})
        flt.filter(single)
        results.append(([e.tags for e in out], single.tags, good.get("baz")))

    thread = _threading.Thread(target=worker)
    thread.start()
    thread.join(120)  # a safety net against a hang, not a timing assertion
    assert not thread.is_alive(), "the scan was not stopped on a worker thread"
    assert results == [([["_kv_filter_timeout"], []], ["_kv_filter_timeout"], "bingo")]


@pytest.mark.parametrize("row", load_cases("kv"))
def test_bounded_scan_finds_what_the_unbounded_one_finds(row):
    """PCRE2 (timeout_millis > 0) and stdlib re (timeout_millis => 0) give the same fields on every row."""
    options = {k: v for k, v in row["options"].items() if k != "timeout_millis"}
    bounded, unbounded = _KvFilter(**options), _KvFilter(**options, timeout_millis=0)
    assert bounded._pcre is not None and unbounded._pcre is None  # noqa: SLF001
    for a, b in zip(_both(row["input"]), _both(row["input"])):
        bounded.filter(a)
        unbounded.filter(b)
        assert {k: v for k, v in a.to_dict().items() if k != "@timestamp"} == {
            k: v for k, v in b.to_dict().items() if k != "@timestamp"
        }


def test_a_splitter_pcre2_cannot_read_runs_on_re():
    """`\\u00e9` is an escape of Python's re, not of PCRE2: such a splitter keeps the alarm-bounded re scan."""
    flt = _KvFilter(field_split_pattern="\\u00e9", timeout_millis=1000)
    assert flt._pcre is None  # noqa: SLF001
    event = _Event({"message": "a=1\u00e9b=2"})
    flt.filter(event)
    assert (event.get("a"), event.get("b")) == ("1", "2")
