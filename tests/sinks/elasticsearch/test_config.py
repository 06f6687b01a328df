"""The elasticsearch output's options: Logstash's names, audit defaults, refusals that name the option."""

from __future__ import annotations

import ssl

import pytest
from pydantic import ValidationError

from porttrack_logs.errors import ConfigError
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.sinks import settings
from porttrack_logs.sinks.bulk import ActionLines
from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput
from porttrack_logs.sinks.elasticsearch.client import parse_byte_size
from porttrack_logs.sinks.elasticsearch.config import DEFAULT_INDEX, UNSUPPORTED


def test_settings_module_reexports_the_model_and_the_compiler_table_holds_it():
    """sinks.settings.ElasticsearchOutput is the model in elasticsearch/config.py, and OUTPUTS maps to it."""
    assert settings.ElasticsearchOutput is ElasticsearchOutput and settings.OUTPUTS["elasticsearch"] is ElasticsearchOutput


def test_defaults_are_built_for_audit():
    """Daily index from the event's @timestamp, create actions, templates managed, Logstash's retry intervals."""
    options = ElasticsearchOutput()
    assert (options.effective_index, options.action, options.manage_template, options.uses_data_stream) == (
        DEFAULT_INDEX, "create", True, False,
    )
    assert DEFAULT_INDEX == "porttrack-logs-%{+yyyy.MM.dd}"
    assert (options.retry_initial_interval, options.retry_max_interval, options.flush_size, options.flush_bytes) == (
        2, 64, 5000, 5 * 1024 * 1024,
    )


@pytest.mark.parametrize("name", ["doc_as_upsert", "ilm_rollover_alias", "proxy", "idle_flush_time", "cacert", "retry_on_conflict"])
def test_logstash_options_not_implemented_are_refused_with_the_reason(name):
    """An option Logstash knows but this output does not implement fails at start-up, naming it and why."""
    with pytest.raises(ValidationError) as caught:
        ElasticsearchOutput(**{name: "x"})
    assert f"option '{name}' is a Logstash option porttrack-logs does not implement: {UNSUPPORTED[name]}" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"action": "update"}, "action 'update' is not supported"),
        ({"dlq_custom_codes": [409]}, "dlq_custom_codes [409]"),
        ({"data_stream": True, "index": "x"}, "index cannot be set with data_stream"),
        ({"data_stream": True, "action": "index"}, "a data stream only takes create actions"),
        ({"ilm_enabled": True}, "ilm_enabled => true is not supported"),
        ({"user": "u"}, "user and password go together"),
        ({"retry_initial_interval": 10, "retry_max_interval": 5}, "retry_max_interval must be at least"),
        ({"template_name": "t"}, "set template (a JSON file) too"),
        ({"no_such_option": 1}, "Extra inputs are not permitted"),
    ],
)
def test_contradicting_or_unknown_options_are_refused(options, says):
    """Each bad combination is a start-up error that says what is wrong."""
    with pytest.raises(ValidationError) as caught:
        ElasticsearchOutput(**options)
    assert says in str(caught.value)


def test_a_pipeline_with_a_bad_elasticsearch_option_fails_at_its_place():
    """The compiler reads the model: an unsupported option is a ConfigError at the plugin's line."""
    with pytest.raises(ConfigError) as caught:
        Pipeline.from_config('output {\n  elasticsearch { hosts => ["h:9200"] doc_as_upsert => true }\n}')
    assert ":2:" in str(caught.value) and "doc_as_upsert" in str(caught.value)


def test_hosts_get_a_scheme_and_port_as_logstash_gives_them():
    """`host`, `host:port`, `//host`: http unless ssl_enabled, port 9200 when absent; full URLs as given."""
    assert ElasticsearchOutput(hosts=["es1", "es2:9201", "//es3", "https://es4:443"]).client_hosts() == [
        "http://es1:9200", "http://es2:9201", "http://es3:9200", "https://es4:443",
    ]
    assert ElasticsearchOutput(hosts=["es1"], ssl_enabled=True).client_hosts() == ["https://es1:9200"]


def test_client_options_carry_auth_tls_and_no_client_side_retries():
    """api_key id:key, basic auth, fingerprint, no verification: as the client takes them; the sink retries itself."""
    options = ElasticsearchOutput(
        api_key="id1:secret", ca_trusted_fingerprint="AB:CD", ssl_enabled=True, ssl_verification_mode="none", timeout=5,
    ).client_options()
    assert options["api_key"] == ("id1", "secret") and options["ssl_assert_fingerprint"] == "abcd"
    assert options["ssl_context"].verify_mode == ssl.CERT_NONE and options["request_timeout"] == 5
    assert (options["max_retries"], options["retry_on_status"]) == (0, ())
    assert ElasticsearchOutput(user="u", password="p").client_options()["basic_auth"] == ("u", "p")


def test_an_unreadable_certificate_authority_names_the_option_and_the_file(tmp_path):
    """ssl_certificate_authorities pointing nowhere: ConfigError naming the path."""
    missing = tmp_path / "ca.pem"
    with pytest.raises(ConfigError) as caught:
        ElasticsearchOutput(ssl_certificate_authorities=[str(missing)]).client_options()
    assert str(missing) in str(caught.value) and caught.value.option == "ssl_certificate_authorities"


@pytest.mark.parametrize(("text", "size"), [("100mb", 100 * 1024**2), ("1MB", 1024**2), ("512kb", 512 * 1024), ("7b", 7), ("2048", 2048), ("1gb", 1024**3)])
def test_byte_sizes_read_as_elasticsearch_writes_them(text, size):
    """http.max_content_length's units are binary (1mb = 1024 * 1024 bytes)."""
    assert parse_byte_size(text) == size


def test_action_lines_carry_id_routing_and_pipeline_escaped():
    """ActionLines.line: one JSON object per line, escaped values, the index part shared across lines."""
    import orjson

    lines = ActionLines("create")
    line = lines.line('idx"1', "a\nb", routing="r", pipeline=None)
    assert line.endswith(b"}}\n") and orjson.loads(line) == {"create": {"_index": 'idx"1', "_id": "a\nb", "routing": "r"}}
    assert lines.head('idx"1') is lines.head('idx"1')
