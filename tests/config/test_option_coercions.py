"""Option values coerced as Logstash's validator does, in every filter through the shared base;
a ruby filter refused at its place; a documented option the project lacks named as such."""

from __future__ import annotations

import pytest

from porttrack_logs import _options
from porttrack_logs.errors import ConfigError
from porttrack_logs.pipeline import Pipeline

ACCEPTED = [
    # (filter config, field, input, expected value after the filter)
    ('date { match => ["ts", "ISO8601"] timezone => ["America/New_York"] }', "@timestamp", {"ts": "2026-07-01T10:00:00"},
     "2026-07-01T14:00:00+00:00"),
    ('date { match => ["ts", "ISO8601"] target => ["when"] }', "when", {"ts": "2026-07-01T10:00:00Z"}, "2026-07-01T10:00:00+00:00"),
    ('kv { source => ["msg"] recursive => "false" }', "a", {"msg": "a=1"}, "1"),
    ('kv { timeout_millis => "250" }', "b", {"message": "b=2"}, "2"),
    ('json { source => ["raw"] skip_on_invalid_json => "true" }', "x", {"raw": '{"x": 1}'}, 1),
    ('mutate { lowercase => "f" }', "f", {"f": "AB"}, "ab"),
]


@pytest.mark.parametrize("config,field,event,expected", ACCEPTED)
@pytest.mark.parametrize("generate_code", [True, False])
def test_logstash_coercions_are_accepted(config: str, field: str, event: dict, expected: object, generate_code: bool):
    """A one-element array for a string option, "true"/"false" for a boolean, digits for a number."""
    pipeline = Pipeline.from_config(f"filter {{ {config} }}", generate_code=generate_code)
    [out] = pipeline.process([event])
    got = out.get(field)
    assert (got.isoformat() if hasattr(got, "isoformat") else got) == expected


REFUSED = [
    ('date { match => ["ts", "ISO8601"] timezone => ["UTC", "CET"] }', "timezone"),
    ('kv { recursive => "yes" }', "recursive"),
    ('kv { timeout_millis => "soon" }', "timeout_millis"),
]


@pytest.mark.parametrize("config,option", REFUSED)
def test_what_logstash_refuses_is_refused(config: str, option: str):
    """Two elements for a string, a boolean other than true/false, a number that is not one."""
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config(f"filter {{ {config} }}")
    assert option in str(info.value) and "<string>:1:" in str(info.value)


def test_ruby_is_refused_at_each_place_with_what_to_use_instead():
    """Every ruby filter is named with its place, all at once, with an alternative."""
    text = "filter {\n  ruby { code => 'x' }\n  mutate { add_tag => ['a'] }\n  if [a] { ruby { code => 'y' } }\n}\n"
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config(text)
    message = str(info.value)
    assert "<string>:2:3" in message and "<string>:4:12" in message
    assert message.count("cannot run here") == 2 and "mutate" in message


def test_a_documented_option_not_implemented_says_so(monkeypatch: pytest.MonkeyPatch):
    """An option in the registry is not "unknown": the message says porttrack-logs does not implement it."""
    monkeypatch.setitem(_options.NOT_IMPLEMENTED, "drop", frozenset({"some_option"}))
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config('filter { drop { some_option => 1 } }')
    assert "a Logstash option porttrack-logs does not implement" in str(info.value)
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config('filter { drop { other_option => 1 } }')
    assert "unknown option 'other_option'" in str(info.value)


@pytest.mark.parametrize("config,option,value", [
    ('input { kafka { topics => ["a"] session_timeout_ms => 10000 } }', "session_timeout_ms", 10000),
    ('input { kafka { topics => ["a"] sasl_mechanism => "PLAIN" } }', "sasl_mechanism", "PLAIN"),
    ('input { kafka { topics => ["a"] jaas_path => "/etc/jaas.conf" } }', "jaas_path", "/etc/jaas.conf"),
])
def test_kafka_options_the_real_configs_used_are_implemented(config: str, option: str, value):
    """The kafka options the issue's real configs used load and keep their value (the kafka input implements them)."""
    [node] = Pipeline.from_config(config).compiled.inputs
    assert getattr(node.instance, option) == value


@pytest.mark.parametrize("config,option", [
    ('input { file { path => ["/x"] close_older => 3600 } }', "close_older"),
    ('output { elasticsearch { doc_as_upsert => true } }', "doc_as_upsert"),
])
def test_documented_plugin_options_are_not_called_unknown(config: str, option: str):
    """The options the issue's real configs used: named as Logstash's, not as typos."""
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config(config)
    assert f"option '{option}'" in str(info.value) and "a Logstash option porttrack-logs does not implement" in str(info.value)
    assert "unknown" not in str(info.value)
