"""The services tool against the real servers, on private ports and a private run directory.

These start their own Kafka / Elasticsearch beside the session's ones (the download cache is shared),
tied to this process so that a killed test run leaves no JVM behind.
"""

from __future__ import annotations

import socket

import pytest

from devservices.elasticsearch import Elasticsearch, Elasticsearch8, server_version
from devservices.kafka import Kafka, metadata_answers
from devservices.locate import elasticsearch_answers
from devservices.process import group_members
from devservices.service import port_open
from devservices.settings import Settings

pytestmark = [
    pytest.mark.integration,
    # kafka-python 3.0 loads its protocol schemas with importlib.resources' legacy API
    pytest.mark.filterwarnings("ignore:(read|open)_text is deprecated:DeprecationWarning"),
]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def private_settings_in(directory) -> Settings:
    """The environment's settings (shared download cache) with a private run directory and free ports."""
    base = Settings.from_env()
    es, es_transport, es8, es8_transport, kafka, controller = free_ports(6)
    return base.model_copy(update={
        "run_dir": directory / "run", "es_port": es, "es_transport_port": es_transport, "es_heap": "512m",
        "es8_port": es8, "es8_transport_port": es8_transport, "es8_heap": "512m",
        "kafka_port": kafka, "kafka_controller_port": controller,
    })


@pytest.fixture
def private_settings(tmp_path) -> Settings:
    return private_settings_in(tmp_path)


@pytest.fixture(scope="module")
def running_kafka(tmp_path_factory):
    """One Kafka started by the tool for the read-only tests of this module."""
    service = Kafka(private_settings_in(tmp_path_factory.mktemp("kafka")), die_with_caller=True)
    result = service.start()
    yield service, result
    service.stop()


@pytest.fixture
def kafka_service(private_settings):
    service = Kafka(private_settings, die_with_caller=True)
    yield service
    service.stop()


@pytest.fixture(params=[Elasticsearch, Elasticsearch8], ids=["es9", "es8"])
def es_service(request, private_settings):
    service = request.param(private_settings, die_with_caller=True)
    yield service
    service.stop()


def test_kafka_started_by_the_tool_answers_metadata(running_kafka):
    """After `start` returns, kafka-python gets a metadata answer at the reported endpoint."""
    _, result = running_kafka

    assert (result.started, metadata_answers(result.endpoint)) == (True, True)


def test_kafka_second_start_is_a_no_op(running_kafka):
    """Starting a running Kafka returns the same pid and launches nothing."""
    service, first = running_kafka

    second = service.start()

    assert (second.started, second.pid) == (False, first.pid)


def test_kafka_status_reports_the_running_broker(running_kafka):
    """`status` of a running Kafka returns its state: the endpoint and pid it was started with."""
    service, first = running_kafka

    state = service.status()

    assert (state["endpoint"], state["pid"]) == (first.endpoint, first.pid)


def test_kafka_stop_leaves_no_java_process_and_frees_the_port(kafka_service):
    """Stop ends the broker's JVM and releases its client port; a second stop reports nothing to do."""
    pid = kafka_service.start().pid

    stopped = kafka_service.stop()

    assert (stopped, group_members(pid), port_open("127.0.0.1", kafka_service.settings.kafka_port), kafka_service.stop()) == (True, [], False, False)


def test_kafka_restart_keeps_topics(kafka_service):
    """The data directory survives stop/start (formatted once), so a topic created before is still there."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    kafka_service.start()
    admin = KafkaAdminClient(bootstrap_servers=kafka_service.endpoint)
    admin.create_topics([NewTopic(name="kept", num_partitions=1, replication_factor=1)])
    admin.close()
    kafka_service.stop()
    kafka_service.start()
    admin = KafkaAdminClient(bootstrap_servers=kafka_service.endpoint)
    try:
        topics = admin.list_topics()
    finally:
        admin.close()

    assert "kept" in topics


def test_elasticsearch_stop_ends_launcher_and_server_jvms(es_service):
    """Each Elasticsearch runs as a launcher JVM plus a server JVM on its own settings' port, reporting its release's
    version; stop ends both and frees the HTTP port."""
    result = es_service.start()
    port = es_service.release.http_port(es_service.settings)
    running = (result.endpoint, server_version(result.endpoint), elasticsearch_answers(result.endpoint), len(group_members(result.pid)))

    es_service.stop()

    assert (running, group_members(result.pid), port_open("127.0.0.1", port)) == (
        (f"http://127.0.0.1:{port}", es_service.version, True, 2), [], False,
    )
