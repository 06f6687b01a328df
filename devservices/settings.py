"""Where the services tool keeps its files and which loopback ports it uses, read once from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from pydantic import BaseModel, ConfigDict, Field

#: Environment variables the tool reads, with what each one overrides.
ENVIRONMENT = {
    "PORTTRACK_CACHE_DIR": "downloads and unpacked servers (default ~/.cache/porttrack-logs)",
    "PORTTRACK_RUN_DIR": "pid/state files, logs and data of running servers (default <cache>/run)",
    "PORTTRACK_ES_PORT": "Elasticsearch HTTP port (default 19200)",
    "PORTTRACK_ES_TRANSPORT_PORT": "Elasticsearch transport port (default 19300)",
    "PORTTRACK_ES_JAVA_HOME": "Java 21+ for Elasticsearch 9 (default: newest JDK >= 21 under /usr/lib/jvm)",
    "PORTTRACK_ES_HEAP": "Elasticsearch 9 heap, -Xms/-Xmx (default 768m)",
    "PORTTRACK_ES8_PORT": "Elasticsearch 8 HTTP port (default 19201)",
    "PORTTRACK_ES8_TRANSPORT_PORT": "Elasticsearch 8 transport port (default 19301)",
    "PORTTRACK_ES8_JAVA_HOME": "Java 17+ for Elasticsearch 8 (default: the first found of JAVA_HOME, `java` on PATH, /usr/lib/jvm)",
    "PORTTRACK_ES8_HEAP": "Elasticsearch 8 heap, -Xms/-Xmx (default 768m)",
    "PORTTRACK_KAFKA_PORT": "Kafka client (PLAINTEXT) port (default 19092)",
    "PORTTRACK_KAFKA_CONTROLLER_PORT": "Kafka KRaft controller port (default 19093)",
    "PORTTRACK_KAFKA_JAVA_HOME": "Java 17+ for Kafka 4 (default: JAVA_HOME, else `java` on PATH)",
    "PORTTRACK_KAFKA_HEAP": "Kafka heap, -Xms/-Xmx (default 512m)",
    "PORTTRACK_START_TIMEOUT": "seconds to wait for a server to become healthy (default 180)",
    "PORTTRACK_MAVEN_URL": "Maven repository to download from (default https://repo1.maven.org/maven2)",
    "PORTTRACK_ES_URL": "test fixtures: an Elasticsearch 9 to use instead of this tool's (`./dev test` then starts none)",
    "PORTTRACK_ES8_URL": "test fixtures: an Elasticsearch 8 to use instead of this tool's (`./dev test` then starts none)",
    "PORTTRACK_KAFKA_BOOTSTRAP": "test fixtures: a Kafka (host:port) to use instead of this tool's",
}


class Settings(BaseModel):
    """Paths, ports and knobs of the development services; `Settings.from_env()` is the usual way in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "porttrack-logs")
    run_dir: Path | None = None
    host: str = "127.0.0.1"
    es_port: int = Field(19200, gt=0, lt=65536)
    es_transport_port: int = Field(19300, gt=0, lt=65536)
    es_java_home: Path | None = None
    es_heap: str = Field("768m", pattern=r"^\d+[kmgKMG]$")
    es8_port: int = Field(19201, gt=0, lt=65536)
    es8_transport_port: int = Field(19301, gt=0, lt=65536)
    es8_java_home: Path | None = None
    es8_heap: str = Field("768m", pattern=r"^\d+[kmgKMG]$")
    kafka_port: int = Field(19092, gt=0, lt=65536)
    kafka_controller_port: int = Field(19093, gt=0, lt=65536)
    kafka_java_home: Path | None = None
    kafka_heap: str = Field("512m", pattern=r"^\d+[kmgKMG]$")
    start_timeout: float = Field(180.0, gt=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from PORTTRACK_* variables (see ENVIRONMENT); unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        names = {
            "PORTTRACK_CACHE_DIR": "cache_dir",
            "PORTTRACK_RUN_DIR": "run_dir",
            "PORTTRACK_ES_PORT": "es_port",
            "PORTTRACK_ES_TRANSPORT_PORT": "es_transport_port",
            "PORTTRACK_ES_JAVA_HOME": "es_java_home",
            "PORTTRACK_ES_HEAP": "es_heap",
            "PORTTRACK_ES8_PORT": "es8_port",
            "PORTTRACK_ES8_TRANSPORT_PORT": "es8_transport_port",
            "PORTTRACK_ES8_JAVA_HOME": "es8_java_home",
            "PORTTRACK_ES8_HEAP": "es8_heap",
            "PORTTRACK_KAFKA_PORT": "kafka_port",
            "PORTTRACK_KAFKA_CONTROLLER_PORT": "kafka_controller_port",
            "PORTTRACK_KAFKA_JAVA_HOME": "kafka_java_home",
            "PORTTRACK_KAFKA_HEAP": "kafka_heap",
            "PORTTRACK_START_TIMEOUT": "start_timeout",
        }
        values = {field: env[var] for var, field in names.items() if env.get(var)}
        return cls(**values)

    @property
    def downloads(self) -> Path:
        """Verified artifacts exactly as Maven Central served them."""
        return self.cache_dir / "downloads"

    @property
    def dist(self) -> Path:
        """Unpacked, ready-to-run server installations (read-only once unpacked)."""
        return self.cache_dir / "dist"

    @property
    def state_root(self) -> Path:
        """Per-service state: pid/state file, server log, configuration and data."""
        return self.run_dir if self.run_dir is not None else self.cache_dir / "run"
