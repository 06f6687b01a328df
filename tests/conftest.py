"""Shared pytest fixtures. Each block below belongs to one area; keep additions inside their own block."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

# =====================================================================================================
# Integration services: a real Elasticsearch 9, Elasticsearch 8 and Kafka (devservices, env vars, or
# testcontainers). Resolution order per service: PORTTRACK_ES_URL / PORTTRACK_ES8_URL /
# PORTTRACK_KAFKA_BOOTSTRAP, then servers started by `python3 -m devservices start`, then testcontainers
# when a Docker engine answers. With CI set, a missing service fails the test; otherwise it is skipped
# with the reason. `es_url`/`es_client` are the 9.x node, `es8_url`/`es8_client` the 8.x one, and
# `es_node` runs one test body against each (ids es9, es8).
# =====================================================================================================

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from devservices.testing import ElasticsearchNode


def _service_unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


def _located(locate) -> Iterator[str]:
    """The address a devservices locator finds (a missing service skips, or fails under CI), and
    whatever it started stopped after."""
    found = locate()
    if found.address is None:
        _service_unavailable(found.reason)
    yield found.address
    if found.close is not None:
        found.close()


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """Base URL of the Elasticsearch the integration tests use (session-wide)."""
    from devservices.locate import locate_elasticsearch

    yield from _located(locate_elasticsearch)


@pytest.fixture(scope="session")
def es_client(es_url: str) -> Iterator["Elasticsearch"]:
    """The official Elasticsearch client, connected to `es_url`."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(es_url, request_timeout=30)
    yield client
    client.close()


@pytest.fixture
def es_index_prefix(es_client: "Elasticsearch") -> Iterator[str]:
    """A name prefix unique to this test; indices, data streams, templates and pipelines under it are removed after."""
    from devservices.testing import remove_prefixed, unique_name

    prefix = unique_name() + "-"
    yield prefix
    remove_prefixed(es_client, prefix)


@pytest.fixture(scope="session")
def es8_url() -> Iterator[str]:
    """Base URL of the Elasticsearch 8.x the integration tests use (session-wide): PORTTRACK_ES8_URL, else es8."""
    from devservices.locate import locate_elasticsearch8

    yield from _located(locate_elasticsearch8)


@pytest.fixture(scope="session")
def es8_client(es8_url: str) -> Iterator["Elasticsearch"]:
    """The official (9.x) client connected to `es8_url`, its requests marked `compatible-with=8`."""
    from devservices.testing import client_for

    client = client_for(es8_url, 8)
    yield client
    client.close()


ES_NODES = {"es9": ("es_url", "es_client", 9), "es8": ("es8_url", "es8_client", 8)}


@pytest.fixture(params=sorted(ES_NODES, reverse=True))
def es_node(request: pytest.FixtureRequest) -> Iterator["ElasticsearchNode"]:
    """Each Elasticsearch in turn (ids es9, es8): `.url`, `.version`, `.major`, `.client`, and `.index_prefix`,
    a prefix unique to this test whose indices, templates and pipelines are removed from that node after."""
    from devservices.elasticsearch import server_version
    from devservices.testing import ElasticsearchNode, remove_prefixed, unique_name

    url_fixture, client_fixture, major = ES_NODES[request.param]
    url = request.getfixturevalue(url_fixture)
    version = server_version(url) or "unknown"
    if version.split(".")[0] != str(major):
        _service_unavailable(f"{url_fixture}={url} is Elasticsearch {version}, not {major}.x")
    node = ElasticsearchNode(url, version, request.getfixturevalue(client_fixture), unique_name() + "-")
    yield node
    remove_prefixed(node.client, node.index_prefix)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """`host:port` of the Kafka broker the integration tests use (session-wide)."""
    from devservices.locate import locate_kafka

    yield from _located(locate_kafka)


@pytest.fixture
def kafka_topic(kafka_bootstrap: str) -> Iterator[str]:
    """A topic name unique to this test (not created: the test decides partitions); deleted after if it exists."""
    from devservices.testing import delete_topic, unique_name

    name = unique_name()
    yield name
    delete_topic(kafka_bootstrap, name)


# ===================================== end of integration services ====================================


# =====================================================================================================
# Configuration language and conditions (tests/config): the corpus folder, and a helper that parses
# `if <condition> {}` and evaluates the compiled condition on an event built from a dict.
# =====================================================================================================


@pytest.fixture
def config_corpus_dir():
    """tests/data/configs: real-world-style pipeline configurations."""
    from pathlib import Path

    return Path(__file__).resolve().parent / "data" / "configs"


@pytest.fixture
def parse_condition():
    """A function: condition text -> the condition node of `filter { if <text> {} }`."""
    from porttrack_logs.config import parse

    def node(text: str):
        return parse(f"filter {{ if {text} {{ }} }}").sections[0].body[0].branches[0].condition

    return node


@pytest.fixture
def eval_condition(parse_condition):
    """A function: (condition text, event fields, metadata=, strict=) -> the compiled condition's answer."""
    from porttrack_logs.event import Event
    from porttrack_logs.pipeline.conditions import compile_condition

    def run(text: str, fields: dict, *, metadata: dict | None = None, strict: bool = False) -> bool:
        return compile_condition(parse_condition(text), strict=strict)(Event(dict(fields), metadata=metadata))

    return run


# ================================ end of configuration language ======================================


GOLUMBER_SOURCE = Path(__file__).resolve().parent / "sources" / "beats" / "golumber"


@pytest.fixture(scope="session")
def golumber(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The go-lumber test client (Filebeat's Beats client library), built once from
    tests/sources/beats/golumber; with CI set a missing Go fails, as a missing service does."""
    go = shutil.which("go")
    if go is None:
        if os.environ.get("CI"):
            pytest.fail("go is not installed: the Beats tests build their client with it (CI is set)", pytrace=False)
        pytest.skip("go is not installed: the Beats tests build their client with it")
    binary = tmp_path_factory.mktemp("golumber") / "golumber"
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=GOLUMBER_SOURCE, capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.fail(f"go build of the golumber client failed:\n{built.stderr}", pytrace=False)
    return binary
