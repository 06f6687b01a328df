"""translate: the table of behaviours in tests/data/filters/translate.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.filters.translate import TranslateFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("translate"))
def test_translate_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(TranslateFilter, row)


import json  # noqa: E402
import os  # noqa: E402

from porttrack_logs.event import Event  # noqa: E402


@pytest.mark.parametrize("ext,text", [
    (".yml", "'200': OK\n'404': Not Found\n"),
    (".json", json.dumps({"200": "OK", "404": "Not Found"})),
    (".csv", "200,OK\n404,Not Found\n"),
])
def test_dictionary_files(tmp_path, ext, text):
    """YAML, JSON and two-column CSV dictionaries read alike."""
    path = tmp_path / f"codes{ext}"
    path.write_text(text, encoding="utf-8")
    event = Event({"s": "404"})
    TranslateFilter(source="s", target="t", dictionary_path=str(path)).filter(event)
    assert event.get("t") == "Not Found"


def test_refresh_reloads_a_changed_file(tmp_path):
    """Once the interval has passed, a changed file is read again and merged in."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"a": "1"}), encoding="utf-8")
    flt = TranslateFilter(source="s", target="t", dictionary_path=str(path), refresh_interval=1)
    flt._next_check = 0.0  # noqa: SLF001 - as if the interval had passed
    path.write_text(json.dumps({"b": "2"}), encoding="utf-8")
    os.utime(path, (1, 1))
    a, b = Event({"s": "a"}), Event({"s": "b"})
    flt.filter(a)
    flt.filter(b)
    assert (a.get("t"), b.get("t")) == ("1", "2")  # merge keeps the old keys


@pytest.mark.parametrize("options,text", [
    ({"source": "s"}, "dictionary"),
    ({"source": "s", "dictionary": {"a": 1}, "dictionary_path": "x.yml"}, "not both"),
    ({"dictionary": {"a": 1}}, "source"),
    ({"source": "s", "field": "s", "dictionary": {"a": 1}}, "not both"),
])
def test_option_conflicts_are_config_errors(options, text):
    with pytest.raises(ConfigError) as info:
        TranslateFilter(**options)
    assert text in str(info.value)


def test_bad_dictionary_file_is_named(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("a: 1", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        TranslateFilter(source="s", dictionary_path=str(path))
    assert "d.txt" in str(info.value) and info.value.option == "dictionary_path"


import copy  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from porttrack_logs.codec import decode_event  # noqa: E402
from porttrack_logs.pipeline import Pipeline  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(value=st.one_of(st.none(), st.sampled_from(["a", "b", "zz", ""]), st.integers(0, 3), st.just(["b", "a"]),
                       st.just([]), st.just({"k": "a"}), st.just("MISSING")),
       present=st.sampled_from([None, "old"]), override=st.sampled_from(["", "override => true", "override => false"]),
       fallback=st.sampled_from(["", 'fallback => "fb %{[s]}"', 'fallback => "none"']),
       target=st.sampled_from(["t", "[n][t]", "s"]))
def test_generated_code_agrees_with_apply(value, present, override, fallback, target):
    """The code translate writes for the generated pipeline gives the events `apply` gives."""
    text = (f'filter {{ translate {{ source => "s" target => "{target}" dictionary => {{ "a" => "A" "1" => "one" }} '
            f'{override} {fallback} add_tag => ["tr"] }} }}')
    data = {} if value == "MISSING" else {"s": value}
    if present is not None and target != "s":
        data["t"] = present
        if target == "[n][t]":
            data["n"] = {"t": present}
    data["@timestamp"] = "2026-11-27T00:00:00Z"
    generated, steps = Pipeline.from_config(text), Pipeline.from_config(text, generate_code=False)
    a = [e.to_dict() for e in generated.process([Event(copy.deepcopy(data))])]
    b = [e.to_dict() for e in steps.process([Event(copy.deepcopy(data))])]
    assert a == b
    lazy = [e.to_dict() for e in generated.process([decode_event(json.dumps(data).encode())])]  # undecoded values
    assert lazy == b


def test_inline_exact_dictionary_writes_its_own_code():
    """An inline exact dictionary is looked up in the generated code, not through a call."""
    pipeline = Pipeline.from_config('filter { translate { source => "s" target => "t" dictionary => { "a" => "A" } } }')
    assert "_filter" not in pipeline.source and ".get(" in pipeline.source
