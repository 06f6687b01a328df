"""Start-up errors: every bad plugin or option is named, placed at file:line:col, all at once."""

import pytest

from porttrack_logs import ConfigError
from porttrack_logs.pipeline import Pipeline


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        Pipeline.from_config(text)
    return info.value


def test_unknown_filter_plugin_is_named_with_its_position_and_the_supported_ones():
    """A filter we do not support is a start-up error naming it."""
    err = error_of("filter {\n  aggregate { task_id => \"%{id}\" }\n}")
    assert err.position is not None and (err.position.line, err.position.column) == (2, 3)
    assert "'aggregate' is not supported" in str(err) and "grok" in str(err)


def test_unknown_option_points_at_the_option_with_a_caret():
    """The error sits on the option's own line and column, with the line and a caret."""
    err = error_of('filter {\n  mutate {\n    add_tags => ["x"]\n  }\n}')
    assert (err.position.line, err.position.column) == (3, 5)
    assert "unknown option 'add_tags'" in str(err)
    assert 'add_tags => ["x"]\n    ^' in str(err)


def test_unknown_grok_pattern_is_a_start_up_error():
    """A pattern name missing from the banks stops start-up, naming it."""
    err = error_of('filter { grok { match => { "message" => "%{NOSUCHPATTERN:x}" } } }')
    assert "NOSUCHPATTERN" in str(err) and err.position is not None


def test_bad_regex_in_condition_is_placed():
    """An invalid regex literal in a condition is reported where it is."""
    err = error_of("filter {\n  if [message] =~ /([unclosed/ { drop {} }\n}")
    assert err.position is not None and err.position.line == 2


def test_unsupported_input_and_output_are_named():
    """Inputs and outputs are validated at start-up too."""
    err = error_of("input { irc { channels => ['#x'] } }\noutput { stdout {} }")
    assert "input plugin 'irc' is not supported" in str(err)
    err = error_of("output { elasticsearch { hostz => ['http://x'] } }")
    assert "unknown option 'hostz'" in str(err)


def test_every_error_is_reported_in_one_go():
    """Several mistakes are gathered into one error listing each with its place."""
    err = error_of('filter {\n  mutate { nope => 1 }\n  date { match => ["t", "ISO8601"] bogus => 2 }\n}')
    text = str(err)
    assert text.startswith("2 errors")
    assert "<string>:2:12" in text and "<string>:3:36" in text


@pytest.mark.parametrize(
    "text, option, where",
    [
        ('filter {\n  json { source => "a[1]" }\n}', "source", (2, 10)),
        ('filter {\n  grok { match => { "message[0]" => "%{WORD:w}" } }\n}', "match", (2, 10)),
        ('filter {\n  mutate {\n    copy => { "a[0]" => "b" }\n  }\n}', "copy", (3, 5)),
        ('filter {\n  date { match => ["t[0]", "ISO8601"] }\n}', "match", (2, 10)),
    ],
)
def test_a_field_reference_that_does_not_parse_is_placed_at_its_option(text, option, where):
    """`a[1]` in an option is no field reference: a start-up error at the option, naming it."""
    err = error_of(text)
    assert err.option == option and (err.position.line, err.position.column) == where
    assert "brackets inside a bare name" in str(err)
