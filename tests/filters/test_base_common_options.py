"""The filter base: option validation and the common options Logstash applies on success."""

import pytest

from porttrack_logs import ConfigError, Event
from porttrack_logs.filters.base import ANY_FIELD, Filter, FilterOptions


class Probe(Filter):
    """A filter whose outcome each test decides: matches when the event has `ok`."""

    name = "probe"
    __slots__ = ()

    def apply(self, event: Event) -> bool:
        return bool(event.get("ok"))


class WithLimit(Filter):
    name = "limited"
    __slots__ = ("limit",)

    class Options(FilterOptions):
        limit: int = 3

    def _compile(self, options):
        self.limit = options.limit

    def apply(self, event):
        return True


def test_unknown_option_names_the_option_and_plugin():
    """An option Logstash would reject is a ConfigError that names it."""
    with pytest.raises(ConfigError) as info:
        Probe(add_tags=["x"])
    assert info.value.option == "add_tags"
    assert "unknown option 'add_tags' for probe" in str(info.value)


def test_wrong_type_names_the_option_and_value():
    """A value of the wrong type names the option and shows what was given."""
    with pytest.raises(ConfigError) as info:
        WithLimit(limit="many")
    assert info.value.option == "limit"
    assert "'many'" in str(info.value)


def test_single_value_is_accepted_where_a_list_is_expected():
    """Logstash's array options accept a lone string."""
    probe = Probe(add_tag="alert")
    event = Event({"ok": True})
    probe.filter(event)
    assert event.tags == ["alert"]


def test_common_options_apply_only_on_success():
    """add_tag/add_field run when the filter matched, not when it missed."""
    probe = Probe(add_tag=["hit"], add_field={"seen": "yes"})
    hit, miss = Event({"ok": True}), Event({"ok": False})
    probe.process([hit, miss])
    assert hit.tags == ["hit"] and hit.get("seen") == "yes"
    assert miss.tags == [] and not miss.includes("seen")


def test_add_field_and_tag_use_sprintf_references():
    """Field names, values and tags are sprintf templates over the event."""
    probe = Probe(add_field={"[svc][%{kind}]": "from-%{[src][name]}"}, add_tag=["t-%{kind}"])
    event = Event({"ok": True, "kind": "crane", "src": {"name": "qc7"}})
    probe.filter(event)
    assert event.get("[svc][crane]") == "from-qc7"
    assert event.tags == ["t-crane"]


def test_add_field_to_existing_field_makes_an_array():
    """Adding to a field that exists appends, turning a single value into a list."""
    probe = Probe(add_field={"owner": "ops"})
    event = Event({"ok": True, "owner": "dev"})
    probe.filter(event)
    assert event.get("owner") == ["dev", "ops"]


def test_order_is_add_field_remove_field_add_tag_remove_tag():
    """remove_field sees fields add_field just made; remove_tag sees tags add_tag just made."""
    probe = Probe(add_field={"tmp": "1"}, remove_field=["tmp"], add_tag=["a", "b"], remove_tag=["a"])
    event = Event({"ok": True})
    probe.filter(event)
    assert not event.includes("tmp")
    assert event.tags == ["b"]


def test_hash_option_accepts_logstash_array_form():
    """`add_field => ["k", "v"]` is the old array form of a hash."""
    probe = Probe(add_field=["k", "v"])
    event = Event({"ok": True})
    probe.filter(event)
    assert event.get("k") == "v"


@pytest.mark.parametrize("generate_code", [True, False])
def test_a_template_that_cannot_render_fails_mutate_with_its_tag(generate_code):
    """As Logstash's mutate (its rescue covers add_field): the operations done stay, the failing
    add_field and everything after it are not applied, and the event is tagged _mutate_error."""
    from porttrack_logs.pipeline import Pipeline

    text = """filter { mutate {
      split => ["message", "||"]
      add_field => { "logType" => "%{message[0]}" "later" => "x" }
      add_tag => ["parsed"]
    } }"""
    [event] = Pipeline.from_config(text, generate_code=generate_code).process([{"message": "a||b"}])
    assert event.get("message") == ["a", "b"]
    assert not event.includes("logType") and not event.includes("later")
    assert event.tags == ["_mutate_error"]


@pytest.mark.parametrize("generate_code", [True, False])
def test_a_template_that_cannot_render_fails_other_filters_event(generate_code):
    """Elsewhere the error is the event's: it comes back failed (for the dead letter queue),
    with the template and the reason, and the next event goes on."""
    from porttrack_logs.pipeline import Pipeline
    from porttrack_logs.pipeline.steps import failure_of

    text = 'filter { grok { match => { "message" => "^%{WORD:w}$" } add_field => { "k" => "%{w[0]}" } } }'
    bad, fine = Pipeline.from_config(text, generate_code=generate_code).process([{"message": "gate"}, {"message": "x y"}])
    assert "%{w[0]}" in failure_of(bad) and "brackets inside a bare name" in failure_of(bad)
    assert failure_of(fine) is None and fine.tags == ["_grokparsefailure"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('grok { match => { "message" => "%{WORD:[svc][name]}" } target => "[g]" }', {("g", "svc", "name"), ("tags",)}),
        ('date { match => ["t", "ISO8601"] target => "[@metadata][t]" }', {("@metadata", "t"), ("tags",)}),
        ('mutate { rename => { "a" => "[b][c]" } add_field => { "x" => "1" } }', {("b", "c"), ("x",)}),
        ('json { source => "message" add_tag => ["j"] }', {ANY_FIELD, ("tags",)}),
        ('dissect { mapping => { "message" => "%{a} %{?skip} %{+a} %{[n][m]}" } }', {("a",), ("n", "m"), ("tags",)}),
        ('fingerprint { source => ["message"] ecs_compatibility => "v8" }', {("event", "hash")}),
        ("drop { }", set()),
    ],
)
def test_each_filter_says_which_fields_it_may_create(config, expected):
    """`fields_written` is the filter's own knowledge of what it creates, common options included."""
    from porttrack_logs.pipeline import Pipeline

    [filt] = Pipeline.from_config(f"filter {{ {config} }}").filters
    assert filt.fields_written() == expected
