"""A document walked as Elasticsearch's parser walks it, against the resolved template mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.templates import Mappings, load_document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state():
    return Mappings.from_directory(ROOT / "index_templates").for_index("porttrack-logs-2026.11.27")


def judge(state, text):
    return state.check(load_document(text))


def test_object_where_keyword_is_mapped_and_scalar_where_object_is(state):
    """An object in log.level and a string in host are rejections naming the field."""
    assert judge(state, '{"log": {"level": {"name": "x"}}}').rejection.field == "log.level"
    assert judge(state, '{"host": "node-1"}').rejection.field == "host"
    assert judge(state, '{"host": ["a"]}').rejection.field == "host"
    assert judge(state, '{"log": {"level": [{"a": 1}]}}').rejection.field == "log.level"
    assert judge(state, '{"kubernetes": {"labels": "app"}}').rejection.field == "kubernetes.labels"
    assert judge(state, '{"kubernetes": {"labels": {"app": "a", "app.kubernetes.io/name": "b"}}}').rejection is None


def test_the_first_rejection_in_document_order_is_the_one(state):
    """Elasticsearch stops at the first bad field in the order the document is written."""
    assert judge(state, '{"log": {"offset": "x"}, "host": "y"}').rejection.field == "log.offset"
    assert judge(state, '{"host": "y", "log": {"offset": "x"}}').rejection.field == "host"


def test_dynamic_fields_carry_to_later_documents_but_not_from_rejected_ones(state):
    """A new field a document adds is part of the mapping for the next; a rejected document adds nothing."""
    assert judge(state, '{"log": {"offset": "bad"}, "shipment": "S-1"}').rejection is not None
    assert judge(state, '{"shipment": {"id": "S-2"}}').rejection is None  # the rejected one did not map it
    assert judge(state, '{"shipment": "S-3"}').rejection.field == "shipment"
    assert judge(state, '{"count": 3}').rejection is None
    assert judge(state, '{"count": "n/a"}').rejection is None  # unexpected numbers are keywords: no conflict
    assert judge(state, '{"count": {"a": 1}}').rejection.field == "count"


def test_dotted_names_are_objects_and_bad_names_are_rejected(state):
    """`log.offset` as one key is the field log.offset; empty or blank name parts and metadata fields reject."""
    assert judge(state, '{"log.offset": "x"}').rejection.field == "log.offset"
    assert judge(state, '{"log.level.name": "x"}').rejection.field == "log.level"
    for name in ["", "a..b", ".x", " "]:
        assert judge(state, json.dumps({name: 1})).rejection is not None, name
    assert judge(state, '{"x.": 1}').rejection is None
    assert judge(state, '{"_id": "1"}').rejection.field == "_id"
    assert judge(state, '{"_id": null}').rejection.field == "_id"
    assert judge(state, '{"_id": []}').rejection is None


def test_strict_rejects_and_false_ignores_unmapped_fields():
    """Under dynamic strict an unmapped field is a rejection; under false it is kept in _source, unmapped."""
    mappings = Mappings(
        {"c": {"template": {"mappings": {"properties": {"s": {"dynamic": "strict", "properties": {"a": {"type": "keyword"}}},
                                                           "f": {"dynamic": False, "properties": {}}}}}}},
        {"t": {"index_patterns": ["i-*"], "composed_of": ["c"], "priority": 1}},
    )
    state = mappings.for_index("i-1")
    problem = state.check(load_document('{"s": {"a": "x", "b": 1}}')).rejection
    assert problem.field == "s.b" and "strict" in problem.reason
    assert state.check(load_document('{"f": {"anything": {"x": 1}}}')).rejection is None
    assert state.check(load_document('{"f": {"anything": "now a string"}}')).rejection is None


def test_highest_priority_template_wins_and_missing_components_are_named():
    """The index gets the highest-priority matching template; a component the directory lacks is an error
    unless listed as ignorable; an index no template matches is all dynamic."""
    comp = {"template": {"mappings": {"properties": {"n": {"type": "long"}}}}}
    mappings = Mappings(
        {"low": comp, "high": {"template": {"mappings": {"properties": {"n": {"type": "keyword"}}}}}},
        {"a": {"index_patterns": ["i-*"], "composed_of": ["low"], "priority": 1},
         "b": {"index_patterns": ["i-*"], "composed_of": ["high", "gone"], "ignore_missing_component_templates": ["gone"], "priority": 5}},
    )
    assert mappings.for_index("i-1").check(load_document('{"n": "x"}')).rejection is None
    assert mappings.for_index("other").template is None
    broken = Mappings({}, {"a": {"index_patterns": ["i-*"], "composed_of": ["gone"]}})
    with pytest.raises(ConfigError, match="gone"):
        broken.for_index("i-1")


def test_ignore_malformed_keeps_the_document():
    """With index.mapping.ignore_malformed a bad number is a note, not a rejection."""
    mappings = Mappings(
        {"c": {"template": {"settings": {"index": {"mapping": {"ignore_malformed": "true"}}},
                            "mappings": {"properties": {"n": {"type": "long"}}}}}},
        {"t": {"index_patterns": ["i-*"], "composed_of": ["c"]}},
    )
    verdict = mappings.for_index("i-1").check(load_document('{"n": "x"}'))
    assert verdict.rejection is None and "ignore_malformed" in verdict.notes[0].reason


def test_a_directory_without_templates_is_a_clear_error(tmp_path):
    """check --template on a directory with no index template says so."""
    with pytest.raises(ConfigError, match="no index template"):
        Mappings.from_directory(tmp_path)
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "x.json").write_text("{bad")
    with pytest.raises(ConfigError, match=r"x\.json:1:2: not JSON"):
        Mappings.from_directory(tmp_path)


def test_a_new_name_made_object_and_value_in_one_document_fails_after_parsing(state):
    """Inside one document a new object and a new field of one name do not meet while parsing; the
    document fails when its mapping update merges, unless a parse error came first."""
    assert judge(state, '{"zz": [{"a": 1}, 7]}').rejection.field == "zz"
    assert judge(state, '{"yy": 7, "yy.b": 2}').rejection.field == "yy"
    assert judge(state, '{"qq": [{"a": 1}, {"a": {"b": 1}}]}').rejection.field == "qq.a"
    # a parse error later in the document is the one reported
    assert judge(state, '{"xx": [{"a": 1}, 7], "log": {"offset": "bad"}}').rejection.field == "log.offset"
    # none of these documents mapped anything
    assert judge(state, '{"zz": {"a": 1}}').rejection is None
    assert judge(state, '{"zz": 1}').rejection.field == "zz"


def test_a_dotted_name_under_a_flattened_field_is_a_key_inside_it(state):
    """kubernetes.labels.app is the key app of the flattened labels: any value, object or not."""
    assert judge(state, '{"kubernetes.labels.app": "x"}').rejection is None
    assert judge(state, '{"kubernetes.labels.app": {"deep": [1, {"x": 2}]}}').rejection is None


def test_new_objects_past_the_depth_limit_and_deep_flattened_values_reject(state):
    """A new object 20 names deep passes index.mapping.depth.limit (20, the root being 1); a flattened
    value deeper than its depth_limit (20) is refused."""
    deep: object = "x"
    for _ in range(21):
        deep = {"a": deep}
    assert judge(state, json.dumps(deep)).rejection is not None
    assert judge(state, json.dumps(deep["a"])).rejection is None
    assert judge(state, json.dumps({"kubernetes": {"labels": deep}})).rejection.field == "kubernetes.labels"


def test_total_fields_limit_rejects_or_keeps_unmapped():
    """Past total_fields.limit a new field rejects the document, or with ignore_dynamic_beyond_limit
    (as PortTrack's settings set it) is kept in _source unmapped with a note."""
    from porttrack_logs.templates import IndexState

    mapping = {"properties": {"a": {"type": "keyword", "fields": {"k": {"type": "keyword"}}}}}
    strict_limit = IndexState("i", None, mapping, {"index.mapping.total_fields.limit": 3})
    assert strict_limit.check(load_document('{"n1": 1}')).rejection is None
    assert "total_fields.limit 3" in strict_limit.check(load_document('{"n2": 1}')).rejection.reason
    lenient = IndexState("i", None, mapping, {"index.mapping.total_fields.limit": "3",
                                               "index.mapping.total_fields.ignore_dynamic_beyond_limit": "true"})
    assert lenient.check(load_document('{"n1": 1}')).rejection is None
    verdict = lenient.check(load_document('{"n2": {"x": 1}}'))
    assert verdict.rejection is None and "not mapped" in verdict.notes[0].reason


def test_a_date_format_the_check_does_not_read_is_reported_not_guessed():
    """A custom or lenient date format is listed as not checked, and the document is not judged on it."""
    from porttrack_logs.templates import IndexState

    state = IndexState("i", None, {"properties": {"d": {"type": "date", "format": "yyyy/MM/dd||date_optional_time"}}}, {})
    assert state.check(load_document('{"d": "anything"}')).rejection is None
    assert state.unchecked == {"d (date format yyyy/MM/dd)"}
