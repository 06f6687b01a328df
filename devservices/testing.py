"""Helpers for the integration fixtures: unique names, removing what a test created, a client for either major,
and throwaway Elasticsearch nodes that fault tests may kill (`throwaway_elasticsearch`).
"""

from __future__ import annotations

import re
import socket
import uuid
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from elastic_transport import Transport
    from elasticsearch import Elasticsearch

    from devservices.elasticsearch import Elasticsearch as ElasticsearchService
    from devservices.elasticsearch import SettingValue
    from devservices.settings import Settings


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


# --- throwaway nodes for fault tests ------------------------------------------------------------------------


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct loopback ports free right now (the kernel's choice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class ThrowawayElasticsearch:
    """A private single-node Elasticsearch on free ports in its own run directory, for tests that break it.

    `start()` waits until healthy (again after `kill()`, on the same data directory and ports), `kill()` is a
    SIGKILL of the whole process group, `stop()` a clean shutdown. As a context manager it starts and stops.
    The node dies with the thread that started it (PR_SET_PDEATHSIG), so a killed test run leaves no JVM.
    """

    __slots__ = ("service", "major", "url")

    def __init__(self, service: "ElasticsearchService", major: int) -> None:
        self.service = service
        self.major = major
        self.url: str = service.endpoint

    @property
    def version(self) -> str:
        return self.service.version

    @property
    def ports(self) -> tuple[int, int]:
        """(HTTP, transport), fixed for the node's life."""
        return (self.service.http_port, self.service.transport_port)

    @property
    def data_dir(self) -> Path:
        return self.service.process.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.service.process.log_file

    @property
    def pid(self) -> int | None:
        """The launcher's pid while running, else None."""
        state = self.service.status()
        return None if state is None else state["pid"]

    def running(self) -> bool:
        return self.service.status() is not None

    def start(self) -> "ThrowawayElasticsearch":
        """Start (or start again after `kill`/`stop`) and wait until the cluster is yellow or green."""
        self.service.start()
        return self

    def kill(self) -> list[int]:
        """kill -9 of the launcher and the server JVM at once, no shutdown hooks; returns the pids killed."""
        return self.service.kill()

    def stop(self) -> bool:
        """SIGTERM, wait, SIGKILL; True if it was running."""
        return self.service.stop()

    def client(self, **kwargs: Any) -> "Elasticsearch":
        """The official client for this node (compatibility headers for 8.x); close it when done."""
        return client_for(self.url, self.major, **kwargs)

    def __enter__(self) -> "ThrowawayElasticsearch":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ThrowawayElasticsearch({self.version}, {self.url}, data {self.data_dir})"


def throwaway_elasticsearch(
    directory: Path,
    *,
    major: int = 9,
    settings: "Mapping[str, SettingValue] | None" = None,
    heap: str = "512m",
    base: "Settings | None" = None,
) -> ThrowawayElasticsearch:
    """A throwaway Elasticsearch `major` (9 or 8) under `directory`, not yet started, with extra elasticsearch.yml `settings`.

    The download cache is the usual one (PORTTRACK_CACHE_DIR); ports are free ones chosen now and kept across
    restarts. Example, a node that answers 429 quickly and is killed mid-test::

        from devservices.testing import throwaway_elasticsearch

        def test_output_survives_a_crash(tmp_path):
            tight = {"thread_pool.write.size": 1, "thread_pool.write.queue_size": 1}
            with throwaway_elasticsearch(tmp_path, major=8, settings=tight) as node:
                es = node.client()
                es.index(index="logs", id="1", document={"message": "kept"}, refresh=True)
                node.kill()          # SIGKILL, the node is gone
                node.start()         # same data directory, same ports
                assert es.count(index="logs")["count"] == 1
                es.close()
    """
    from devservices.elasticsearch import RELEASES, Elasticsearch, Elasticsearch8
    from devservices.settings import Settings

    classes = {9: Elasticsearch, 8: Elasticsearch8}
    if major not in classes:
        raise ValueError(f"major={major!r}: throwaway nodes exist for Elasticsearch {sorted(classes)}")
    release = RELEASES[major]
    http_port, transport_port = free_ports(2)
    current = base or Settings.from_env()
    private = current.model_copy(update={"run_dir": Path(directory), f"{release.prefix}_heap": heap})
    private = Settings.model_validate(private.model_dump())  # re-validate the heap given here
    service = classes[major](
        private, die_with_caller=True, http_port=http_port, transport_port=transport_port, extra_settings=settings,
    )
    return ThrowawayElasticsearch(service, major)
