"""GrokFilter's event rules and options, one behaviour per test."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError, GrokError
from porttrack_logs.event import Event
from porttrack_logs.filters.grok import GrokFilter


def run(options: dict, data: dict) -> Event:
    event = Event(data)
    GrokFilter(**options).filter(event)
    return event


def test_capture_into_existing_string_makes_an_array() -> None:
    """A capture into a field holding a string turns it into [old, new]."""
    event = run({"match": {"message": "%{WORD:message}"}}, {"message": "hello world"})
    assert event.get("message") == ["hello world", "hello"]


def test_capture_into_existing_array_appends() -> None:
    """A capture into a field holding an array appends the new value."""
    event = run({"match": {"message": "%{WORD:seen}"}}, {"message": "hi", "seen": ["a"]})
    assert event.get("seen") == ["a", "hi"]


def test_array_source_captured_into_itself_matches_each_original_item_once() -> None:
    """An array field whose captures go back into it: the items that were there are matched
    once each and the captures appended (Logstash matches a copy); it does not run away."""
    event = run({"match": {"message": "^%{WORD:message} %{GREEDYDATA:rest}"}}, {"message": ["a b", "c d"]})
    assert event.get("message") == ["a b", "c d", "a", "c"]
    assert event.get("rest") == ["b", "d"]


def test_a_capture_that_cannot_be_written_makes_the_field_a_miss() -> None:
    """[log][level] under a string `log`: as Logstash's grok (which rescues the write's exception
    around the whole field), the captures before it stay, the ones after are not written, and
    the event is tagged _grokparsefailure, with no add_tag."""
    event = run(
        {"match": {"message": "^%{WORD:first} %{WORD:[log][level]} %{GREEDYDATA:rest}$"}, "add_tag": ["parsed"]},
        {"message": "gate ERROR closed", "log": "flat"},
    )
    assert event.get("first") == "gate"
    assert event.get("log") == "flat" and not event.includes("rest")
    assert event.tags == ["_grokparsefailure"]


def test_a_failed_write_stops_the_remaining_items_of_an_array_field() -> None:
    """With an array source the rescue covers the loop: items after the failing one are not
    matched, and the field is a miss even if an earlier item matched."""
    event = run(
        {"match": {"message": "^%{WORD:[a][b]}$"}},
        {"message": ["one", "two", "three"], "a": {"b": "x"}},
    )
    assert event.get("[a][b]") == ["x", "one", "two", "three"]  # nothing fails here: the control case
    event = run({"match": {"message": "^%{WORD:[k]} %{WORD:[k][v]}$"}}, {"message": ["a b", "c d"]})
    assert event.get("k") == "a" and event.tags == ["_grokparsefailure"]


def test_capture_into_existing_number_is_dropped() -> None:
    """A capture into a field holding another type (an int) leaves the field unchanged."""
    event = run({"match": {"message": "%{WORD:count}"}}, {"message": "hi", "count": 7})
    assert event.get("count") == 7


def test_overwrite_replaces_the_existing_value() -> None:
    """A field listed in overwrite takes the captured value as is."""
    event = run({"match": {"message": "%{WORD:message}"}, "overwrite": ["message"]}, {"message": "hello world"})
    assert event.get("message") == "hello"


def test_capture_into_nil_field_sets_it() -> None:
    """A field that exists with a nil value is simply set."""
    event = run({"match": {"message": "%{WORD:w}"}}, {"message": "hi", "w": None})
    assert event.get("w") == "hi"


def test_target_nests_captures_including_bracketed_fields() -> None:
    """target puts captures under it, and [process][pid] lands at [target][process][pid]."""
    event = run(
        {"match": {"message": "%{WORD:[process][name]}\\[%{INT:[process][pid]:int}\\]"}, "target": "grok"},
        {"message": "sshd[42]"},
    )
    assert event.get("[grok][process]") == {"name": "sshd", "pid": 42}


def test_metadata_target_is_not_in_the_serialized_event() -> None:
    """Captures under [@metadata] are readable but absent from to_dict()."""
    event = run({"match": {"message": "%{WORD:w}"}, "target": "[@metadata][g]"}, {"message": "hi"})
    assert event.get("[@metadata][g][w]") == "hi"
    assert "@metadata" not in event.to_dict() and "w" not in event.to_dict()


def test_non_string_input_is_matched_as_text() -> None:
    """An integer field is matched as its decimal text."""
    event = run({"match": {"status": "^%{INT:code}$"}}, {"status": 403})
    assert event.get("code") == "403"


def test_float_input_is_matched_as_ruby_renders_it() -> None:
    """A float 1.0 is matched as "1.0", as Ruby's to_s writes it."""
    event = run({"match": {"v": "^%{NUMBER:n}$"}}, {"v": 1.0})
    assert event.get("n") == "1.0"


def test_array_input_is_matched_element_by_element() -> None:
    """Each element of an array field is matched; captures accumulate."""
    event = run({"match": {"message": "%{INT:n}"}}, {"message": ["a 1", "b 2"]})
    assert event.get("n") == ["1", "2"]


def test_array_input_succeeds_if_any_element_matches() -> None:
    """An array with one matching element is a success: no failure tag."""
    event = run({"match": {"message": "%{INT:n}"}}, {"message": ["none", "b 2"]})
    assert event.tags == []


def test_failure_adds_tag_on_failure() -> None:
    """No match adds _grokparsefailure."""
    event = run({"match": {"message": "^%{INT:n}$"}}, {"message": "abc"})
    assert event.tags == ["_grokparsefailure"]


def test_custom_tag_on_failure_replaces_the_default() -> None:
    """tag_on_failure lists the tags to add instead."""
    event = run({"match": {"message": "^%{INT:n}$"}, "tag_on_failure": ["bad", "worse"]}, {"message": "abc"})
    assert event.tags == ["bad", "worse"]


def test_common_options_apply_only_on_success() -> None:
    """add_tag runs after a match and not after a miss."""
    hit = run({"match": {"message": "%{INT:n}"}, "add_tag": ["ok"]}, {"message": "1"})
    miss = run({"match": {"message": "%{INT:n}"}, "add_tag": ["ok"]}, {"message": "x"})
    assert hit.tags == ["ok"] and "ok" not in miss.tags


def test_break_on_match_stops_at_the_first_matching_pattern() -> None:
    """With the default break_on_match, later patterns do not run after a match."""
    event = run({"match": {"message": ["%{INT:a}", "%{WORD:b}"]}}, {"message": "x 1"})
    assert event.get("a") == "1" and event.get("b") is None


def test_break_on_match_false_runs_every_pattern() -> None:
    """With break_on_match => false every pattern contributes its captures."""
    event = run({"match": {"message": ["%{INT:a}", "%{WORD:b}"]}, "break_on_match": False}, {"message": "x 1"})
    assert event.get("a") == "1" and event.get("b") == "x"


def test_empty_captures_are_dropped_by_default() -> None:
    """An optional group that did not take part leaves no field."""
    event = run({"match": {"message": "a(?:-%{WORD:w})?"}}, {"message": "a"})
    assert not event.includes("w")


def test_keep_empty_captures_keeps_the_key_with_nil() -> None:
    """keep_empty_captures writes the field with a nil value."""
    event = run({"match": {"message": "a(?:-%{WORD:w})?"}, "keep_empty_captures": True}, {"message": "a"})
    assert event.includes("w") and event.get("w") is None


def test_int_and_float_coercions_apply() -> None:
    """:int and :float convert the capture; an unknown type leaves text."""
    event = run({"match": {"message": "%{NUMBER:i:int} %{NUMBER:f:float} %{NUMBER:s:long}"}}, {"message": "3.9 2.5 7"})
    assert (event.get("i"), event.get("f"), event.get("s")) == (3, 2.5, "7")


def test_named_captures_only_false_names_fields_after_patterns() -> None:
    """Without named_captures_only, %{WORD} captures into a field called WORD."""
    event = run({"match": {"message": "%{WORD} %{INT:n}"}, "named_captures_only": False}, {"message": "x 1"})
    assert event.get("WORD") == "x"


def test_missing_field_is_matched_as_empty_text() -> None:
    """A missing source field is matched as "" (Ruby nil.to_s), so ^$ succeeds."""
    event = run({"match": {"absent": "^$"}}, {"message": "x"})
    assert event.tags == []


def test_old_array_form_of_match_is_accepted() -> None:
    """match => ["field", "pattern"] works like the hash form."""
    event = run({"match": ["message", "%{INT:n}"]}, {"message": "a 5"})
    assert event.get("n") == "5"


def test_pattern_definitions_add_patterns() -> None:
    """pattern_definitions names new patterns usable in match."""
    event = run({"match": {"message": "%{TICKET:t}"}, "pattern_definitions": {"TICKET": "T-[0-9]+"}}, {"message": "x T-12"})
    assert event.get("t") == "T-12"


def test_patterns_dir_files_are_filtered_by_glob(tmp_path) -> None:
    """Files in patterns_dir are read only when their name matches patterns_files_glob."""
    (tmp_path / "a.pattern").write_text("CODE [0-9]{3}\n", encoding="utf-8")
    (tmp_path / "a.pattern.old").write_text("CODE [a-z]+\n", encoding="utf-8")
    event = run(
        {"match": {"message": "%{CODE:c}"}, "patterns_dir": [str(tmp_path)], "patterns_files_glob": "*.pattern"},
        {"message": "abc 404"},
    )
    assert event.get("c") == "404"


def test_ecs_v1_bank_is_the_default() -> None:
    """Without ecs_compatibility the ECS bank is used (Logstash 8 pipelines default to v8)."""
    event = run({"match": {"message": "%{SYSLOGPROG}"}}, {"message": "sshd[42]"})
    assert event.get("[process][pid]") == 42


def test_legacy_bank_when_ecs_disabled() -> None:
    """ecs_compatibility => disabled selects the legacy field names."""
    event = run({"match": {"message": "%{SYSLOGPROG}"}, "ecs_compatibility": "disabled"}, {"message": "sshd[42]"})
    assert event.get("pid") == "42"


def test_unknown_pattern_is_a_config_error_naming_it() -> None:
    """An undefined pattern fails at construction with a GrokError naming it and the option."""
    with pytest.raises(GrokError) as info:
        GrokFilter(match={"message": "x %{NOPE:n}"})
    assert "%{NOPE:n}" in str(info.value) and info.value.option == "match"


def test_unknown_option_is_rejected() -> None:
    """An option grok does not have raises ConfigError naming it."""
    with pytest.raises(ConfigError) as info:
        GrokFilter(match={"message": "%{INT:n}"}, matches={})
    assert info.value.option == "matches"


def test_bad_timeout_scope_is_rejected() -> None:
    """timeout_scope takes only pattern or event."""
    with pytest.raises(ConfigError):
        GrokFilter(match={"message": "%{INT:n}"}, timeout_scope="batch")


def test_nested_capture_under_a_string_field_is_skipped() -> None:
    """A capture into [a][b] when `a` holds a string cannot be written; the event goes on intact."""
    event = run({"match": {"message": "%{WORD:[a][b]}"}}, {"message": "hi", "a": "text"})
    assert event.get("a") == "text"


def test_text_the_engine_cannot_read_is_a_miss_not_a_crash() -> None:
    """A lone surrogate (not encodable for PCRE2) makes the field a miss, tagged, and the filter goes on."""
    event = run({"match": {"message": "%{WORD:w}"}}, {"message": "ab\udc80"})
    assert event.tags == ["_grokparsefailure"]
