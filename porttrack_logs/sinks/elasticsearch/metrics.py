"""Prometheus counters of the `elasticsearch` output, labelled by plugin id, bound once at build time."""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

__all__ = ["SinkMetrics"]

_FAMILIES: dict[int, tuple[Any, dict[str, Any]]] = {}  # id(registry) -> (registry, families): one set per registry
_LOCK = threading.Lock()


def _families(registry: CollectorRegistry) -> dict[str, Any]:
    with _LOCK:
        found = _FAMILIES.get(id(registry))
        if found is not None and found[0] is registry:
            return found[1]
        families = {
            "events": Counter(
                "porttrack_output_events", "Events an output finished, by outcome (indexed, duplicate, dead_lettered)",
                ["plugin", "outcome"], registry=registry,
            ),
            "retries": Counter(
                "porttrack_output_retries",
                "Retries of an output: whole bulk requests (cause=request) and documents sent again (cause=document)",
                ["plugin", "cause"], registry=registry,
            ),
            "requests": Counter(
                "porttrack_output_bulk_requests", "Bulk requests sent, by result (answered, failed)",
                ["plugin", "result"], registry=registry,
            ),
            "latency": Histogram(
                "porttrack_output_bulk_request_seconds", "Wall time of one bulk request, answer or failure",
                ["plugin"], registry=registry,
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            ),
            "cpu": Counter(
                "porttrack_output_cpu_seconds", "Client CPU an output spent, by stage (encode, response)",
                ["plugin", "stage"], registry=registry,
            ),
        }
        _FAMILIES[id(registry)] = (registry, families)
        return families


class SinkMetrics:
    """The counters of one sink (`plugin` label fixed)."""

    __slots__ = (
        "indexed", "duplicate", "dead_lettered", "retried_requests", "retried_items", "requests",
        "requests_failed", "request_seconds", "encode_seconds", "response_seconds",
    )

    def __init__(self, registry: CollectorRegistry | None, plugin: str) -> None:
        f = _families(registry if registry is not None else REGISTRY)
        events, retries, requests, cpu = f["events"], f["retries"], f["requests"], f["cpu"]
        self.indexed = events.labels(plugin, "indexed")
        self.duplicate = events.labels(plugin, "duplicate")
        self.dead_lettered = events.labels(plugin, "dead_lettered")
        self.retried_requests = retries.labels(plugin, "request")
        self.retried_items = retries.labels(plugin, "document")
        self.requests = requests.labels(plugin, "answered")
        self.requests_failed = requests.labels(plugin, "failed")
        self.request_seconds = f["latency"].labels(plugin)
        self.encode_seconds = cpu.labels(plugin, "encode")
        self.response_seconds = cpu.labels(plugin, "response")
