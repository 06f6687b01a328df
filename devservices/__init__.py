"""Development services: a real Elasticsearch and a real Apache Kafka on loopback, no Docker needed.

`python3 -m devservices start|stop|status|logs [es|es8|kafka|all]` fetches the servers from Maven Central
into a cache outside the repository, verifies them, and runs them as local processes for tests and CI.
Not part of the `porttrack_logs` library: nothing in the library imports this package.
"""

from devservices.errors import ServiceError
from devservices.settings import Settings

__all__ = ["ServiceError", "Settings"]
