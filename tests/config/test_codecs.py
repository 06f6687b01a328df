"""Codecs validated like plugins (`_options.Codec`): names, documented options, missing codecs named."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from porttrack_logs._options import Codec
from porttrack_logs.config import parse, plugin_options


class _Plugin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codec: Codec = None


def _codec(text: str):
    [plugin] = parse(f"input {{ stdin {{ codec => {text} }} }}", "<t>").of_kind("input")
    return _Plugin(**plugin_options(plugin)).codec


@pytest.mark.parametrize("text,name,option,value", [
    ("json", "json", "charset", "UTF-8"),
    ('json { target => "doc" }', "json", "target", "doc"),
    ('json_lines { delimiter => "|" }', "json_lines", "delimiter", "|"),
    ('plain { charset => "ISO-8859-1" }', "plain", "charset", "ISO-8859-1"),
    ('line { format => "%{message}" }', "line", "format", "%{message}"),
    ('rubydebug { metadata => "true" }', "rubydebug", "metadata", True),
])
def test_a_codec_the_project_has_is_validated(text, name, option, value):
    """The codec's options are checked and coerced as a plugin's are."""
    codec = _codec(text)
    assert list(codec) == [name] and getattr(codec[name], option) == value


@pytest.mark.parametrize("text,words", [
    ('multiline { pattern => "^\\\\s" what => "previous" }', "a Logstash codec porttrack-logs does not implement"),
    ("cef", "a Logstash codec porttrack-logs does not implement"),
    ("jsn", "unknown codec 'jsn'"),
    ('json { charst => "UTF-8" }', "unknown option 'charst'"),
    ('rubydebug { metadata => "yes" }', "boolean"),
])
def test_a_codec_problem_is_a_clear_error(text, words):
    """A missing codec says it is missing; a typo says unknown; a bad option names the option."""
    with pytest.raises(ValidationError) as info:
        _codec(text)
    assert words in str(info.value)
