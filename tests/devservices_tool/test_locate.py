"""How the integration fixtures find their services: environment first, then this tool, with reasons when absent."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from devservices.locate import locate_elasticsearch, locate_kafka
from devservices.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GreenHealth(http.server.BaseHTTPRequestHandler):
    """Answers every GET like a healthy Elasticsearch's `_cluster/health`."""

    def do_GET(self) -> None:
        body = json.dumps({"status": "green"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def green_es():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GreenHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def nowhere(tmp_path) -> Settings:
    """Settings whose ports nothing listens on and whose run directory is empty."""
    return Settings(cache_dir=tmp_path, es_port=free_port(), kafka_port=free_port())


def test_es_url_from_the_environment_wins(monkeypatch, green_es, nowhere):
    """A healthy PORTTRACK_ES_URL is used as is, before looking for local servers."""
    monkeypatch.setenv("PORTTRACK_ES_URL", green_es + "/")

    found = locate_elasticsearch(nowhere, allow_containers=False)

    assert (found.address, found.source) == (green_es, "PORTTRACK_ES_URL")


def test_es_url_that_does_not_answer_is_reported_not_replaced(monkeypatch, nowhere):
    """A PORTTRACK_ES_URL with nothing behind it gives no address and says which URL failed."""
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("PORTTRACK_ES_URL", url)

    found = locate_elasticsearch(nowhere, allow_containers=False)

    assert (found.address, url in found.reason) == (None, True)


def test_es_on_the_tool_port_is_found_without_a_state_file(monkeypatch, green_es, tmp_path):
    """A healthy server on the tool's configured port is used even if another checkout started it."""
    monkeypatch.delenv("PORTTRACK_ES_URL", raising=False)
    port = int(green_es.rsplit(":", 1)[1])

    found = locate_elasticsearch(Settings(cache_dir=tmp_path, es_port=port), allow_containers=False)

    assert (found.address, found.source) == (green_es, "devservices")


def test_missing_es_reason_says_how_to_start_one(monkeypatch, nowhere):
    """With nothing anywhere, the reason names the command that starts Elasticsearch."""
    monkeypatch.delenv("PORTTRACK_ES_URL", raising=False)

    found = locate_elasticsearch(nowhere, allow_containers=False)

    assert (found.address, "python3 -m devservices start es" in found.reason) == (None, True)


def test_missing_kafka_reason_says_how_to_start_one(monkeypatch, nowhere):
    """With no broker anywhere, the reason names the command that starts Kafka."""
    monkeypatch.delenv("PORTTRACK_KAFKA_BOOTSTRAP", raising=False)

    found = locate_kafka(nowhere, allow_containers=False)

    assert (found.address, "python3 -m devservices start kafka" in found.reason) == (None, True)
