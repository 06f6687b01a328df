"""The sidecar's HTTP endpoints on a thread of their own: `/metrics` (Prometheus text),
`/healthz` (the process is alive and its loop turns), `/readyz` (started, outputs not blocked,
not draining). 200 with "ok ..." or 503 with the reason, as plain text."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..errors import ConfigError

__all__ = ["StatusServer"]

log = logging.getLogger("porttrack_logs.runtime.http")

Check = Callable[[], "tuple[bool, str]"]


class StatusServer:
    """Serves `registry` at /metrics and the two checks at /healthz and /readyz."""

    def __init__(self, host: str, port: int, registry: Any, live: Check, ready: Check) -> None:
        self.registry, self.live, self.ready = registry, live, ready
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                path = self.path.split("?", 1)[0]
                try:
                    if path == "/metrics":
                        self._answer(200, generate_latest(server.registry), CONTENT_TYPE_LATEST)
                    elif path in ("/healthz", "/readyz"):
                        ok, why = (server.live if path == "/healthz" else server.ready)()
                        self._answer(200 if ok else 503, (why + "\n").encode(), "text/plain; charset=utf-8")
                    else:
                        self._answer(404, b"not found: /metrics, /healthz, /readyz\n", "text/plain; charset=utf-8")
                except Exception as exc:  # noqa: BLE001 (a scrape must not kill the thread)
                    log.exception("HTTP %s failed", path)
                    self._answer(500, f"{type(exc).__name__}: {exc}\n".encode(), "text/plain; charset=utf-8")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (quiet: scrapes every few seconds)
                pass

        try:
            self._httpd = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise ConfigError(f"--http-host {host} --http-port {port}: cannot listen there: {exc.strerror or exc}") from None
        self._httpd.daemon_threads = True
        self.address = self._httpd.server_address[:2]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="status-http", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("serving /metrics, /healthz, /readyz on http://%s:%d", self.address[0], self.address[1],
                 extra={"host": self.address[0], "port": self.address[1]})

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
