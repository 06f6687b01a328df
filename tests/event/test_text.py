"""One rule for a scalar's text (Ruby's to_s), and the three ways a container is printed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from porttrack_logs.event import Event, Template, parse_field_ref, ruby_text, scalar_text, value_to_text

STAMP = datetime(2026, 11, 27, 6, 0, 1, 332000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "text"),
    [("x", "x"), (True, "true"), (3, "3"), (1.5, "1.5"), (1e20, "1.0e+20"), (float("nan"), "NaN"),
     (STAMP, "2026-11-27T06:00:01.332Z")],
)
def test_every_rule_prints_a_scalar_alike(value, text):
    """sprintf, Ruby's to_s and the conditions' `in` give a scalar the same text."""
    assert value_to_text(value) == ruby_text(value) == scalar_text(value) == text


def test_containers_print_as_each_place_prints_them():
    """sprintf joins arrays and writes hashes as JSON; to_s inspects them; `in` never texts them."""
    assert value_to_text(["a", 1.0]) == "a,1.0" and ruby_text(["a", 1.0]) == '["a", 1.0]'
    assert value_to_text({"k": None}) == '{"k":null}' and ruby_text({"k": None}) == '{"k"=>nil}'
    assert scalar_text(["a"]) is None and scalar_text({}) is None and scalar_text(None) is None
    assert value_to_text(None) == ruby_text(None) == ""


def test_a_float_in_a_template_prints_as_logstash_prints_it():
    """A float field renders in a template with Ruby's float form, as Logstash's to_s gives it."""
    assert Template("%{f}").render(Event({"f": 1e20})) == "1.0e+20"


@pytest.mark.parametrize(
    ("text", "path"),
    [("pid", ("pid",)), ("[process][pid]", ("process", "pid")), ("a[b]", ("a", "b")), ("[]", ("[]",))],
)
def test_lenient_field_paths_read_as_grok_names_them(text, path):
    """A grok capture name is read leniently: brackets anywhere split it, none that do leave it whole."""
    assert parse_field_ref(text, lenient=True) == path
