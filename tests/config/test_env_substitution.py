"""`${VAR}` and `${VAR:default}` in option values, replaced from the environment at start-up."""

import pytest

from porttrack_logs import ConfigError, Pipeline
from porttrack_logs.config import parse, plugin_options, substitute_variables


def options_of(text: str, environ: dict) -> dict:
    plugin = parse(text).sections[0].body[0]
    return plugin_options(plugin, environ)


def test_variable_is_replaced_inside_strings_arrays_and_hash_values():
    """Whole values, parts of values, array items and hash values are all substituted."""
    text = 'output { elasticsearch { hosts => ["http://${ES_HOST}:9200"] index => "${PREFIX}-%{+yyyy.MM.dd}" custom_headers => { "X-Env" => "${ENV}" } } }'
    options = options_of(text, {"ES_HOST": "es.porttrack", "PREFIX": "port", "ENV": "prod"})
    assert options["hosts"] == ["http://es.porttrack:9200"]
    assert options["index"] == "port-%{+yyyy.MM.dd}"
    assert options["custom_headers"] == {"X-Env": "prod"}


def test_default_is_used_only_when_the_variable_is_unset():
    """`${VAR:default}` falls back to the default; a set variable wins, even when empty."""
    assert substitute_variables("${PORT:5044}", {}) == "5044"
    assert substitute_variables("${PORT:5044}", {"PORT": "6000"}) == "6000"
    assert substitute_variables("${PORT:5044}", {"PORT": ""}) == ""
    assert substitute_variables("${EMPTY:}", {}) == ""


def test_unset_variable_without_default_is_a_start_up_error_at_the_option():
    """The error names the variable and the option, at the option's line and column."""
    text = 'input {\n  beats { port => "${BEATS_PORT}" }\n}'
    with pytest.raises(ConfigError) as info:
        options_of(text, {})
    assert "${BEATS_PORT}" in str(info.value) and info.value.option == "port"
    assert (info.value.position.line, info.value.position.column) == (2, 11)


def test_substituted_number_is_typed_by_the_plugin():
    """A port given through the environment becomes the plugin's integer."""
    import os

    os.environ["PORTTRACK_TEST_BEATS_PORT"] = "5055"
    try:
        pipeline = Pipeline.from_config('input { beats { port => "${PORTTRACK_TEST_BEATS_PORT}" } }')
    finally:
        del os.environ["PORTTRACK_TEST_BEATS_PORT"]
    [node] = pipeline.compiled.inputs
    assert node.instance.port == 5055


def test_text_without_references_is_left_alone():
    """Dollar signs that are not references (`$x`, `${}`, a regex `$`) stay as written."""
    assert substitute_variables("cost $5 ${} end$", {}) == "cost $5 ${} end$"
