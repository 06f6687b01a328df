"""Service names the command line accepts, and the classes behind them."""

from __future__ import annotations

from devservices.elasticsearch import Elasticsearch, Elasticsearch8
from devservices.errors import ServiceError
from devservices.kafka import Kafka
from devservices.service import Service
from devservices.settings import Settings

SERVICES: dict[str, type[Service]] = {"elasticsearch": Elasticsearch, "elasticsearch8": Elasticsearch8, "kafka": Kafka}
ALIASES = {"es": "elasticsearch", "elasticsearch": "elasticsearch", "es8": "elasticsearch8", "elasticsearch8": "elasticsearch8", "kafka": "kafka"}
#: The variable the test fixtures read for each service (what `env` prints).
FIXTURE_VARIABLES = {"elasticsearch": "PORTTRACK_ES_URL", "elasticsearch8": "PORTTRACK_ES8_URL", "kafka": "PORTTRACK_KAFKA_BOOTSTRAP"}


def select(which: str, settings: Settings) -> list[Service]:
    """Services named by `which` (`es`, `es8`, `kafka` or `all`, which is all three), built on `settings`."""
    if which == "all":
        return [cls(settings) for cls in SERVICES.values()]
    try:
        return [SERVICES[ALIASES[which]](settings)]
    except KeyError:
        raise ServiceError(f"unknown service {which!r}; choose es, es8, kafka or all") from None
