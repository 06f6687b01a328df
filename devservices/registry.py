"""Service names the command line accepts, and the classes behind them."""

from __future__ import annotations

from devservices.elasticsearch import Elasticsearch
from devservices.errors import ServiceError
from devservices.kafka import Kafka
from devservices.service import Service
from devservices.settings import Settings

SERVICES: dict[str, type[Service]] = {"elasticsearch": Elasticsearch, "kafka": Kafka}
ALIASES = {"es": "elasticsearch", "elasticsearch": "elasticsearch", "kafka": "kafka"}


def select(which: str, settings: Settings) -> list[Service]:
    """Services named by `which` (`es`, `kafka` or `all`), built on `settings`."""
    if which == "all":
        return [cls(settings) for cls in SERVICES.values()]
    try:
        return [SERVICES[ALIASES[which]](settings)]
    except KeyError:
        raise ServiceError(f"unknown service {which!r}; choose es, kafka or all") from None
