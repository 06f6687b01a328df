"""The per-test isolation helpers behind `es_index_prefix` and `kafka_topic` remove what they should, only that."""

from __future__ import annotations

import pytest

from devservices.testing import delete_topic, remove_prefixed, unique_name

pytestmark = [
    pytest.mark.integration,
    # kafka-python 3.0 loads its protocol schemas with importlib.resources' legacy API
    pytest.mark.filterwarnings("ignore:(read|open)_text is deprecated:DeprecationWarning"),
]


def test_unique_names_differ_and_are_valid_index_names():
    """Two calls give different lower-case names with the given stem."""
    first, second = unique_name("pt-x"), unique_name("pt-x")

    assert first != second and first.startswith("pt-x-") and first == first.lower()


def test_remove_prefixed_deletes_indices_templates_and_pipelines_under_the_prefix(es_node):
    """Everything named with the prefix goes, on the 9.x and the 8.x node: indices, templates, the ingest pipeline."""
    es = es_node.client
    prefix = unique_name() + "-"
    es.indices.create(index=prefix + "a")
    es.indices.create(index=prefix + "b")
    es.cluster.put_component_template(name=prefix + "part", template={"mappings": {"properties": {"message": {"type": "text"}}}})
    es.indices.put_index_template(name=prefix + "tpl", index_patterns=[prefix + "logs-*"], composed_of=[prefix + "part"], template={"settings": {"number_of_replicas": 0}})
    es.ingest.put_pipeline(id=prefix + "pipe", processors=[])

    removed = remove_prefixed(es, prefix)

    quiet = es.options(ignore_status=404)
    left = (
        sorted(quiet.indices.get(index=prefix + "*", expand_wildcards="all").body),
        quiet.indices.exists_index_template(name=prefix + "tpl").body,
        quiet.cluster.exists_component_template(name=prefix + "part").body,
        quiet.ingest.get_pipeline(id=prefix + "pipe").meta.status,
    )
    assert (removed, left) == ([prefix + "a", prefix + "b"], ([], False, False, 404))


def test_remove_prefixed_leaves_other_indices_alone(es_node):
    """An index outside the prefix survives the cleanup of a neighbouring prefix, on either node."""
    es = es_node.client
    mine, other = unique_name() + "-", unique_name() + "-"
    es.indices.create(index=mine + "a")
    es.indices.create(index=other + "a")
    try:
        remove_prefixed(es, mine)

        assert es.indices.exists(index=other + "a").body is True
    finally:
        remove_prefixed(es, other)


def test_delete_topic_removes_an_existing_topic(kafka_bootstrap):
    """`delete_topic` removes a topic the broker lists, and reports False for one that does not exist."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    topic = unique_name()
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()

    assert (delete_topic(kafka_bootstrap, topic), delete_topic(kafka_bootstrap, topic)) == (True, False)
