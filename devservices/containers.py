"""Fallback for machines with a Docker engine: the same servers (Elasticsearch 9 and 8, Kafka) from testcontainers.

Not exercised on the project's own CI machine (no Docker there); kept to the images' documented settings.
"""

from __future__ import annotations

from typing import Callable

from devservices.elasticsearch import ES8, ES9

ES_IMAGE = f"docker.elastic.co/elasticsearch/elasticsearch:{ES9.version}"
ES8_IMAGE = f"docker.elastic.co/elasticsearch/elasticsearch:{ES8.version}"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"


def start_elasticsearch_container(image: str = ES_IMAGE) -> tuple[str, Callable[[], None]]:
    """Start a single-node Elasticsearch container of `image`; return its URL and a function that stops it."""
    from testcontainers.community.elasticsearch import ElasticSearchContainer

    container = ElasticSearchContainer(image, mem_limit="2g")
    container.with_env("discovery.type", "single-node")
    container.with_env("xpack.security.enabled", "false")
    container.with_env("cluster.routing.allocation.disk.threshold_enabled", "false")
    container.with_env("action.destructive_requires_name", "false")
    container.with_env("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
    container.start()
    url = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(container.port)}"
    return url, container.stop


def start_kafka_container() -> tuple[str, Callable[[], None]]:
    """Start a single KRaft Kafka container; return its bootstrap address and a function that stops it."""
    from testcontainers.community.kafka import KafkaContainer

    container = KafkaContainer(KAFKA_IMAGE).with_kraft()
    container.start()
    return container.get_bootstrap_server(), container.stop
