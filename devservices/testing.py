"""Helpers for the integration fixtures: unique names, removing what a test created, a client for either major."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from elastic_transport import Transport
    from elasticsearch import Elasticsearch


def unique_name(stem: str = "pt-it") -> str:
    """A name no other test run uses: `stem-` plus 12 hex digits (lower case, valid for indices and topics)."""
    return f"{stem}-{uuid.uuid4().hex[:12]}"


def remove_prefixed(es: "Elasticsearch", prefix: str) -> list[str]:
    """Delete data streams, indices, index/component templates and ingest pipelines named `prefix*` (8.x or 9.x).

    Indices are resolved to explicit names first, so this works with action.destructive_requires_name=true.
    Returns the indices deleted.
    """
    pattern = prefix + "*"
    # A node without the data streams module has no such API: 9.x answers 400, 8.x 405 (another route's method).
    quiet = es.options(ignore_status=(400, 404, 405))
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


# --- a client for an Elasticsearch of either major ----------------------------------------------------------

_COMPATIBLE_WITH = re.compile(r"compatible-with=\d+")
_transports: dict[int, type] = {}


def compatible_transport(major: int) -> "type[Transport]":
    """A transport class whose requests say `compatible-with=<major>` in Accept and Content-Type.

    The 9.x Python client sets `compatible-with=9` on every call, after merging the client's own headers, so
    `headers=` cannot change it; an 8.x node refuses that ("Accept version must be either version 8 or 7").
    """
    if major not in _transports:
        from elastic_transport import HttpHeaders, Transport

        wanted = f"compatible-with={major}"

        class CompatibleTransport(Transport):
            def perform_request(self, method: str, target: str, *, headers: Any = None, **kwargs: Any) -> Any:
                if isinstance(headers, Mapping):
                    headers = HttpHeaders(headers)
                    for name in ("accept", "content-type"):
                        if name in headers:
                            headers[name] = _COMPATIBLE_WITH.sub(wanted, headers[name])
                return super().perform_request(method, target, headers=headers, **kwargs)

        CompatibleTransport.__name__ = CompatibleTransport.__qualname__ = f"CompatibleWith{major}Transport"
        _transports[major] = CompatibleTransport
    return _transports[major]


def client_for(url: str, major: int, **kwargs: Any) -> "Elasticsearch":
    """The official client for the node at `url` of major `major` (compatibility headers set for 8.x)."""
    import elasticsearch

    client_major = int(elasticsearch.__versionstr__.split(".")[0])
    if major != client_major:
        kwargs.setdefault("transport_class", compatible_transport(major))
    kwargs.setdefault("request_timeout", 30)
    return elasticsearch.Elasticsearch(url, **kwargs)


class ElasticsearchNode:
    """One Elasticsearch the tests talk to: its URL, version and major, a client for it, a prefix cleaned after."""

    __slots__ = ("url", "version", "client", "index_prefix")

    def __init__(self, url: str, version: str, client: "Elasticsearch", index_prefix: str = "") -> None:
        self.url, self.version, self.client, self.index_prefix = url, version, client, index_prefix

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def __repr__(self) -> str:
        return f"ElasticsearchNode({self.url!r}, {self.version!r})"
