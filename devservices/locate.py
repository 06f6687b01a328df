"""Find an Elasticsearch and a Kafka for integration tests: environment, this tool's servers, or testcontainers.

Order, per service: PORTTRACK_ES_URL / PORTTRACK_KAFKA_BOOTSTRAP if set; else a server this tool started
(its state file) or one answering on the tool's port; else a container when a Docker engine answers.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Callable

from devservices.elasticsearch import Elasticsearch
from devservices.kafka import Kafka, metadata_answers
from devservices.service import Service, port_open
from devservices.settings import Settings


class Located:
    """An endpoint (URL or host:port) and where it came from; `reason` says why none was found."""

    __slots__ = ("address", "source", "reason", "close")

    def __init__(self, address: str | None, source: str, reason: str = "", close: Callable[[], None] | None = None) -> None:
        self.address, self.source, self.reason, self.close = address, source, reason, close


def elasticsearch_answers(url: str) -> bool:
    """Whether `url` is an Elasticsearch whose cluster health is yellow or green."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_cluster/health?wait_for_status=yellow&timeout=5s", timeout=10.0) as response:
            return json.loads(response.read()).get("status") in ("yellow", "green")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _from_tool(service: Service, answers: Callable[[str], bool]) -> str | None:
    state = service.status()
    if state is not None and answers(state["endpoint"]):
        return state["endpoint"]
    host, port = service.settings.host, service.ports()[0]
    if port_open(host, port) and answers(service.endpoint):
        return service.endpoint
    return None


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # no SDK, no socket, no permission: all mean "no Docker here"
        return False


def locate_elasticsearch(settings: Settings | None = None, *, allow_containers: bool = True) -> Located:
    """Where the tests' Elasticsearch is, or why there is none."""
    url = os.environ.get("PORTTRACK_ES_URL")
    if url:
        if elasticsearch_answers(url):
            return Located(url.rstrip("/"), "PORTTRACK_ES_URL")
        return Located(None, "PORTTRACK_ES_URL", f"PORTTRACK_ES_URL={url} does not answer with yellow/green cluster health")
    service = Elasticsearch(settings or Settings.from_env())
    found = _from_tool(service, elasticsearch_answers)
    if found:
        return Located(found, "devservices")
    if allow_containers and _docker_answers():
        from devservices.containers import start_elasticsearch_container

        try:
            address, close = start_elasticsearch_container()
        except Exception as exc:  # image pull, engine or wait failures all mean "no elasticsearch for this run"
            return Located(None, "testcontainers", f"Docker answers but the elasticsearch container did not start: {exc!r}")
        return Located(address, "testcontainers", close=close)
    return Located(
        None, "none",
        f"no Elasticsearch: PORTTRACK_ES_URL unset, nothing healthy at {service.endpoint} "
        "(run `python3 -m devservices start es`), and no Docker engine for testcontainers",
    )


def locate_kafka(settings: Settings | None = None, *, allow_containers: bool = True) -> Located:
    """Where the tests' Kafka is, or why there is none."""
    bootstrap = os.environ.get("PORTTRACK_KAFKA_BOOTSTRAP")
    if bootstrap:
        if metadata_answers(bootstrap, timeout_ms=10000):
            return Located(bootstrap, "PORTTRACK_KAFKA_BOOTSTRAP")
        return Located(None, "PORTTRACK_KAFKA_BOOTSTRAP", f"PORTTRACK_KAFKA_BOOTSTRAP={bootstrap} does not answer a metadata request")
    service = Kafka(settings or Settings.from_env())
    found = _from_tool(service, metadata_answers)
    if found:
        return Located(found, "devservices")
    if allow_containers and _docker_answers():
        from devservices.containers import start_kafka_container

        try:
            address, close = start_kafka_container()
        except Exception as exc:  # image pull, engine or wait failures all mean "no kafka for this run"
            return Located(None, "testcontainers", f"Docker answers but the kafka container did not start: {exc!r}")
        return Located(address, "testcontainers", close=close)
    return Located(
        None, "none",
        f"no Kafka: PORTTRACK_KAFKA_BOOTSTRAP unset, no broker at {service.endpoint} "
        "(run `python3 -m devservices start kafka`), and no Docker engine for testcontainers",
    )
