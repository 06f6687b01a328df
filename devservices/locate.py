"""Find an Elasticsearch 9, an Elasticsearch 8 and a Kafka for integration tests: environment, this tool, containers.

Order, per service: PORTTRACK_ES_URL / PORTTRACK_ES8_URL / PORTTRACK_KAFKA_BOOTSTRAP if set; else a server this
tool started (its state file) or one answering on the tool's port; else a container when a Docker engine answers.
The Elasticsearch 8 one must also report an 8.x version, so a 9.x node on its port is not taken for it.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Callable

from devservices.elasticsearch import ES8, Elasticsearch, Elasticsearch8, server_version
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


def _locate(
    service: Service,
    variable: str,
    answers: Callable[[str], bool],
    silent: str,
    container: Callable[[], Callable[[], tuple[str, Callable[[], None]]]],
    allow_containers: bool,
    label: str,
    command: str,
) -> Located:
    """The one resolution order for every service: the variable, this tool's server, a container."""
    given = os.environ.get(variable)
    if given:
        if answers(given):
            return Located(given.rstrip("/"), variable)
        return Located(None, variable, f"{variable}={given} {silent}")
    found = _from_tool(service, answers)
    if found:
        return Located(found, "devservices")
    if allow_containers and _docker_answers():
        try:
            address, close = container()()
        except Exception as exc:  # image pull, engine or wait failures all mean "none for this run"
            return Located(None, "testcontainers", f"Docker answers but the {service.name} container did not start: {exc!r}")
        return Located(address, "testcontainers", close=close)
    return Located(
        None, "none",
        f"no {label}: {variable} unset, nothing answering at {service.endpoint} "
        f"(run `python3 -m devservices start {command}`), and no Docker engine for testcontainers",
    )


def _es_container() -> Callable[[], tuple[str, Callable[[], None]]]:
    from devservices.containers import start_elasticsearch_container

    return start_elasticsearch_container


def _es8_container() -> Callable[[], tuple[str, Callable[[], None]]]:
    from devservices.containers import ES8_IMAGE, start_elasticsearch_container

    return lambda: start_elasticsearch_container(ES8_IMAGE)


def elasticsearch_major_answers(major: int) -> Callable[[str], bool]:
    """A probe: `url` has yellow/green health and reports version `major`.x."""

    def answers(url: str) -> bool:
        version = server_version(url)
        return version is not None and version.split(".")[0] == str(major) and elasticsearch_answers(url)

    return answers


def _kafka_container() -> Callable[[], tuple[str, Callable[[], None]]]:
    from devservices.containers import start_kafka_container

    return start_kafka_container


def locate_elasticsearch(settings: Settings | None = None, *, allow_containers: bool = True) -> Located:
    """Where the tests' Elasticsearch is, or why there is none."""
    return _locate(
        Elasticsearch(settings or Settings.from_env()), "PORTTRACK_ES_URL", elasticsearch_answers,
        "does not answer with yellow/green cluster health", _es_container, allow_containers, "Elasticsearch", "es",
    )


def locate_elasticsearch8(settings: Settings | None = None, *, allow_containers: bool = True) -> Located:
    """Where the tests' Elasticsearch 8 is, or why there is none."""
    return _locate(
        Elasticsearch8(settings or Settings.from_env()), "PORTTRACK_ES8_URL", elasticsearch_major_answers(ES8.major),
        f"does not answer as an Elasticsearch {ES8.major}.x with yellow/green cluster health", _es8_container,
        allow_containers, f"Elasticsearch {ES8.major}", "es8",
    )


def locate_kafka(settings: Settings | None = None, *, allow_containers: bool = True) -> Located:
    """Where the tests' Kafka is, or why there is none."""
    return _locate(
        Kafka(settings or Settings.from_env()), "PORTTRACK_KAFKA_BOOTSTRAP",
        lambda address: metadata_answers(address, timeout_ms=10000),
        "does not answer a metadata request", _kafka_container, allow_containers, "Kafka", "kafka",
    )
