"""Every documented Logstash option of the inputs (beats, kafka, file, stdin) and outputs
(elasticsearch, file, stdout) is known: implemented, accepted with a `check` warning where it has
no effect here, or refused as "a Logstash option porttrack-logs does not implement"; and their
`codec` is validated like a plugin, a codec the project lacks an error at the plugin's place."""

from __future__ import annotations

import pytest

from porttrack_logs._options import IGNORED, NOT_IMPLEMENTED
from porttrack_logs.errors import ConfigError
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.lint import lint
from porttrack_logs.sinks.settings import OUTPUTS
from porttrack_logs.sources.settings import INPUTS

#: what each plugin needs to load at all (its required options)
_REQUIRED = {
    "input beats": 'port => 5044',
    "input kafka": 'topics => ["t"]',
    "input file": 'path => ["/var/log/x.log"] mode => "read"',
    "input stdin": "",
    "output elasticsearch": "",
    "output file": 'path => "/tmp/out.ndjson"',
    "output stdout": "",
}


def _config(label: str, extra: str) -> str:
    kind, name = label.split()
    body = f"{_REQUIRED[label]} {extra}".strip()
    other = 'output { stdout {} }' if kind == "input" else 'input { stdin {} }'
    return f"{kind} {{\n  {name} {{ {body} }}\n}}\n{other}\n"


def _model(label: str):
    kind, name = label.split()
    return (INPUTS if kind == "input" else OUTPUTS)[name]


def _documented() -> list:
    return [pytest.param(label, option, id=f"{label}:{option}")
            for label, options in sorted(NOT_IMPLEMENTED.items()) for option in sorted(options)]


@pytest.mark.parametrize("label,option", _documented())
def test_a_documented_option_is_implemented_or_refused_by_name(label: str, option: str):
    """Either the plugin's model has the option, or loading it says it is not implemented (never "unknown")."""
    if option in _model(label).model_fields:
        return  # implemented or accepted; the value-level tests are the plugins' own
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config(_config(label, f'{option} => "x"'))
    text = str(info.value)
    assert "a Logstash option porttrack-logs does not implement" in text or "not supported" in text or "renamed" in text, text
    assert f"unknown option '{option}'" not in text


def _ignored() -> list:
    return [pytest.param(label, option, id=f"{label}:{option}")
            for label, options in sorted(IGNORED.items()) if label in _REQUIRED for option in sorted(options)]


_VALUES = {"stat_interval": "2", "sincedb_write_interval": '"15 seconds"'}


@pytest.mark.parametrize("label,option", _ignored())
def test_an_option_without_effect_loads_and_check_warns_at_its_place(label: str, option: str):
    """Accepted (the model has it), and `check` says at the option's line that it has no effect here."""
    assert option in _model(label).model_fields
    pipeline = Pipeline.from_config(_config(label, f"{option} => {_VALUES.get(option, '100')}"))
    findings = [f for f in lint(pipeline) if option in f.message and "has no effect here" in f.message]
    assert len(findings) == 1 and findings[0].position.line == 2, findings


@pytest.mark.parametrize("label", sorted(_REQUIRED))
@pytest.mark.parametrize("codec,words", [
    ('multiline { pattern => "^\\\\s" what => "previous" }', "codec 'multiline' is a Logstash codec porttrack-logs does not implement"),
    ("cef", "codec 'cef' is a Logstash codec porttrack-logs does not implement"),
    ("jsn", "unknown codec 'jsn'"),
    ('json { charst => "UTF-8" }', "unknown option 'charst'"),
])
def test_a_codec_problem_is_an_error_at_the_plugin(label: str, codec: str, words: str):
    """Each input's and output's codec is validated like a plugin, the error placed at the plugin.
    (The stdout and file outputs load a Logstash codec they lack and refuse it when built, at the
    same place, so `check` still reads the configuration: tests/sinks, tests/cli.)"""
    if label in ("output stdout", "output file") and "does not implement" in words:
        pipeline = Pipeline.from_config(_config(label, f"codec => {codec}"))
        [node] = pipeline.compiled.outputs
        with pytest.raises(ConfigError, match="is not available for this output"):
            node.instance.codec.encoder()
        return
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config(_config(label, f"codec => {codec}"))
    text = str(info.value)
    assert words in text and "option 'codec'" in text and ":2:" in text, text


@pytest.mark.parametrize("label,codec,name,option,value", [
    ("input stdin", 'json_lines { delimiter => "|" }', "json_lines", "delimiter", "|"),
    ("input kafka", "json", "json", "charset", "UTF-8"),
    ("input beats", 'plain { charset => "ISO-8859-1" }', "plain", "charset", "ISO-8859-1"),
    ("input file", 'line { format => "%{message}" }', "line", "format", "%{message}"),
    ("output elasticsearch", 'json { target => "doc" }', "json", "target", "doc"),
])
def test_an_input_or_elasticsearch_codec_is_kept_validated(label, codec, name, option, value):
    """The validated codec is `{name: options}`, which the inputs read their codec name from."""
    compiled = Pipeline.from_config(_config(label, f"codec => {codec}")).compiled
    [node] = compiled.inputs if label.startswith("input") else compiled.outputs
    assert list(node.instance.codec) == [name] and getattr(node.instance.codec[name], option) == value


@pytest.mark.parametrize("label,codec", [("output stdout", "json_lines"), ("output file", "json"), ("output stdout", "rubydebug")])
def test_stdout_and_file_keep_their_own_codec_settings(label, codec):
    """The stdout and file outputs still get their encoders' settings once the codec is validated."""
    [node] = Pipeline.from_config(_config(label, f"codec => {codec}")).compiled.outputs
    assert node.instance.codec.name == codec
