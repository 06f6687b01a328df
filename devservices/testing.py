"""Per-test isolation helpers for the integration fixtures: unique names, and removing what a test created."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch


def unique_name(stem: str = "pt-it") -> str:
    """A name no other test run uses: `stem-` plus 12 hex digits (lower case, valid for indices and topics)."""
    return f"{stem}-{uuid.uuid4().hex[:12]}"


def remove_prefixed(es: "Elasticsearch", prefix: str) -> list[str]:
    """Delete data streams, indices, index/component templates and ingest pipelines named `prefix*`.

    Indices are resolved to explicit names first, so this works with action.destructive_requires_name=true.
    Returns the indices deleted.
    """
    pattern = prefix + "*"
    quiet = es.options(ignore_status=(400, 404))  # 400: a node without the data streams module has no such API
    quiet.indices.delete_data_stream(name=pattern, expand_wildcards="all")
    found = quiet.indices.get(index=pattern, expand_wildcards="all")
    names = sorted(found.body) if found.meta.status == 200 else []
    if names:
        es.indices.delete(index=",".join(names), expand_wildcards="all")
    quiet.indices.delete_index_template(name=pattern)
    quiet.cluster.delete_component_template(name=pattern)
    quiet.ingest.delete_pipeline(id=pattern)
    return names


def delete_topic(bootstrap: str, topic: str) -> bool:
    """Delete `topic` if it exists; True when it did."""
    from kafka import KafkaAdminClient
    from kafka.errors import UnknownTopicOrPartitionError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pt-it-cleanup")
    try:
        if topic not in admin.list_topics():
            return False
        try:
            admin.delete_topics([topic])
        except UnknownTopicOrPartitionError:
            return False  # listed by a broker whose metadata still had it: already being deleted
        return True
    finally:
        admin.close()
