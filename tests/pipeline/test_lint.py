"""`check`'s warnings: traps Logstash runs into silently."""

import pytest

from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.lint import lint


def findings(text: str) -> list[str]:
    return [str(f) for f in lint(Pipeline.from_config(text))]


def test_overwrite_silences_the_capture_trap():
    """A capture into message with overwrite is what the user meant: no warning."""
    text = 'filter { grok { match => { "message" => "%{WORD:verb} %{GREEDYDATA:message}" } overwrite => ["message"] } }'
    assert findings(text) == []


def test_capture_into_field_an_earlier_filter_set_is_reported():
    """A field set by an earlier filter already holds a value when grok captures into it."""
    text = """filter {
  mutate { add_field => { "svc" => "gate" } }
  grok { match => { "message" => "%{WORD:svc} %{GREEDYDATA:rest}" } }
}"""
    [warning] = findings(text)
    assert "<string>:3:10" in warning and "[svc]" in warning


def test_condition_on_a_field_nothing_sets_is_reported_at_the_selector():
    """A typo'd field in a condition is always missing; the warning points at it."""
    text = """filter {
  grok { match => { "message" => "%{LOGLEVEL:level} %{GREEDYDATA:rest}" } }
  if [levle] == "ERROR" { mutate { add_tag => ["alert"] } }
}
input { beats { port => 5044 } }"""
    [warning] = findings(text)
    assert warning.startswith("<string>:3:6:") and "[levle]" in warning


def test_condition_on_input_or_filter_fields_is_not_reported():
    """Fields from the input (kubernetes, message) or set by a filter are fine."""
    text = """filter {
  grok { match => { "message" => "%{LOGLEVEL:[log][level]} %{GREEDYDATA:rest}" } }
  if [log][level] == "ERROR" and [kubernetes][namespace] == "porttrack" { mutate { add_tag => ["alert"] } }
}"""
    assert findings(text) == []


def test_json_without_target_can_set_anything_so_conditions_are_not_reported():
    """After a json filter into the root, any field may exist: no guesswork warnings."""
    text = 'filter { json { source => "message" } if [whatever] { drop {} } }'
    assert findings(text) == []


def test_repeated_else_if_condition_is_unreachable():
    """An else-if whose condition repeats an earlier branch can never run."""
    text = """filter {
  if [message] =~ /ERROR/ { mutate { add_tag => ["a"] } }
  else if [message] =~ /WARN/ { mutate { add_tag => ["b"] } }
  else if [message] =~ /ERROR/ { mutate { add_tag => ["c"] } }
}"""
    [warning] = findings(text)
    assert "<string>:4:" in warning and "never run" in warning


def test_date_without_timezone_on_pattern_without_offset_is_reported():
    """A Joda pattern without Z and no timezone reads the time in the machine's zone."""
    text = 'filter { date { match => ["ts", "yyyy-MM-dd HH:mm:ss"] } }'
    [warning] = findings(text)
    assert "timezone" in warning and "yyyy-MM-dd HH:mm:ss" in warning


def test_date_with_offset_in_pattern_or_timezone_is_not_reported():
    """An offset in the pattern, ISO8601, or an explicit timezone: no warning."""
    assert findings('filter { date { match => ["ts", "yyyy-MM-dd HH:mm:ssZ"] } }') == []
    assert findings('filter { date { match => ["ts", "ISO8601", "UNIX"] } }') == []
    assert findings('filter { date { match => ["ts", "dd/MMM/yyyy:HH:mm:ss"] timezone => "Europe/Madrid" } }') == []


def test_one_element_array_in_condition_is_reported():
    """`[a] in ["x"]` reads "x" as a field name in Logstash: check says so."""
    text = 'filter { grok { match => { "message" => "%{WORD:svc}" } } if [svc] in ["gate"] { drop {} } }'
    assert any("gate" in w for w in findings(text))


def test_a_template_reference_that_does_not_parse_is_reported_at_its_option():
    """`%{message[0]}` in add_field: Logstash loads it and fails the filter on every event."""
    text = """filter {
  mutate {
    split => ["message", "||"]
    add_field => { "logType" => "%{message[0]}" "ok" => "%{[message][0]} %{+yyyy.MM.dd}" }
  }
  grok { match => { "message" => "%{WORD:w}" } }
}"""
    [warning] = findings(text)
    assert warning.startswith("<string>:4:5:") and "%{message[0]}" in warning and "_mutate_error" in warning


def test_a_filter_that_writes_nothing_hides_no_typo():
    """drop creates no field (its fields_written is empty): a condition on a field nothing sets is still reported."""
    text = 'filter { drop { percentage => 50 } if [levle] == "ERROR" { mutate { add_tag => ["x"] } } } input { stdin {} }'
    [warning] = findings(text)
    assert "[levle]" in warning


def test_a_dissect_indirect_field_can_set_anything():
    """`%{&key}` writes to the field another field's value names: any field may exist after it."""
    text = 'filter { dissect { mapping => { "message" => "%{?k} %{&k}" } } if [whatever] { drop {} } }'
    assert findings(text) == []


BEATS = "input { beats { port => 5044 } }\n"
KAFKA = 'input { kafka { topics => ["logs"] } }\n'
FILE = 'input { file { path => ["/var/log/*.log"] } }\n'

#: (inputs, condition field, reported?) -- the whole pipeline known, or not
CONDITION_CASES = [
    ("", "[levle]", False),  # a filter-only file: its input lives elsewhere, nothing is said
    (BEATS, "[levle]", True),
    (BEATS, "[fileset][name]", False),
    (BEATS, "[event][module]", False),
    (BEATS, "[agent][hostname]", False),
    (BEATS, "[host][name]", False),
    (BEATS, "[@metadata][beat]", False),
    (BEATS, "[@metadata][kafka][topic]", True),
    (KAFKA, "[@metadata][kafka][topic]", False),
    (KAFKA, "[host][name]", True),
    ('input { kafka { topics => ["logs"] codec => json } }\n', "[anything][at][all]", False),
    ('input { stdin { codec => json_lines } }\n', "[anything]", False),
    (FILE, "[log][file][path]", False),
    (FILE, "[host][name]", False),
    (FILE, "[fileset][name]", True),
    ('input { stdin { add_field => { "env" => "prod" } } }\n', "[env]", False),
    (BEATS + KAFKA, "[@metadata][kafka][topic]", False),
]


@pytest.mark.parametrize("inputs,field,reported", CONDITION_CASES)
def test_condition_on_a_field_nothing_sets_only_when_no_input_could_set_it(inputs, field, reported):
    """Said only where the input section is known and neither it nor a filter sets the field."""
    text = inputs + f'filter {{ if {field} == "x" {{ mutate {{ add_tag => ["t"] }} }} }}'
    said = [w for w in findings(text) if "neither the input nor any filter" in w]
    assert bool(said) == reported, said


def test_a_capture_name_that_is_no_field_reference_is_an_error_at_its_place():
    """`%{DATA:[@metadata][timestamp}` (a bracket missing): an error placed at the match option."""
    text = 'filter {\n  grok { match => { "message" => "%{DATA:[@metadata][timestamp} %{GREEDYDATA:rest}" } }\n}'
    found = lint(Pipeline.from_config(text))
    [error] = [f for f in found if f.error]
    assert str(error).startswith("<string>:2:10:") and "[@metadata][timestamp" in str(error)


def test_one_warning_per_place_not_one_per_match_pattern():
    """Three patterns capturing into message without overwrite: one warning at the match option."""
    text = ('filter { grok { match => { "message" => ["%{WORD:message} %{GREEDYDATA:x}", "%{NUMBER:message}", '
            '"%{IP:message}"] } } }')
    [warning] = findings(text)
    assert "[message]" in warning


def test_an_option_that_does_not_matter_here_is_accepted_with_a_warning():
    """kv's ecs_compatibility loads, and check says at its place that it has no effect."""
    text = 'filter {\n  kv { ecs_compatibility => "v8" }\n}'
    [warning] = findings(text)
    assert warning.startswith("<string>:2:8:") and "no effect here" in warning
