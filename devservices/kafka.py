"""Apache Kafka 4 as a single KRaft node (controller + broker) on loopback, run from its Maven Central jars."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import uuid
from pathlib import Path
from typing import Mapping, Sequence

from devservices.errors import ServiceError
from devservices.java import find_java_home
from devservices.maven import Artifact, fetch_all
from devservices.service import Service, port_open

VERSION = "4.4.0"
LOCK_FILE = Path(__file__).with_name(f"kafka-{VERSION}.lock")
# Fixed so that a re-format after deleting the data directory yields the same cluster; 16 bytes, base64url.
CLUSTER_ID = base64.urlsafe_b64encode(uuid.uuid5(uuid.NAMESPACE_URL, "porttrack-logs/devservices/kafka").bytes).decode().rstrip("=")
LOG4J2 = """\
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.noisy.name = org.apache.kafka.common.config.AbstractConfig
logger.noisy.level = WARN
"""


def locked_artifacts() -> list[Artifact]:
    """The broker's runtime classpath as pinned in the lock file next to this module."""
    lines = LOCK_FILE.read_text().splitlines()
    return [Artifact.parse(line) for line in lines if line.strip() and not line.startswith("#")]


class Kafka(Service):
    """One Kafka node in KRaft combined mode: clients on `kafka_port`, the controller on `kafka_controller_port`."""

    name = "kafka"
    version = VERSION

    @property
    def libs(self) -> Path:
        return self.settings.downloads / f"kafka-{VERSION}"

    @property
    def endpoint(self) -> str:
        return f"{self.settings.host}:{self.settings.kafka_port}"

    def ports(self) -> Sequence[int]:
        return (self.settings.kafka_port, self.settings.kafka_controller_port)

    def install(self) -> None:
        fetch_all(locked_artifacts(), self.libs)

    def _classpath(self) -> str:
        return os.pathsep.join(str(self.libs / a.filename) for a in locked_artifacts())

    def _server_properties(self, data: Path) -> str:
        s = self.settings
        values = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{s.host}:{s.kafka_controller_port}",
            "controller.listener.names": "CONTROLLER",
            "listeners": f"PLAINTEXT://{s.host}:{s.kafka_port},CONTROLLER://{s.host}:{s.kafka_controller_port}",
            "advertised.listeners": f"PLAINTEXT://{s.host}:{s.kafka_port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": "1",
            "auto.create.topics.enable": "true",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        return "".join(f"{k}={v}\n" for k, v in values.items())

    def prepare(self) -> tuple[list[str], Mapping[str, str], Path]:
        s = self.settings
        root = self.process.directory
        data = root / "data"
        root.mkdir(parents=True, exist_ok=True)
        properties, log4j = root / "server.properties", root / "log4j2.properties"
        properties.write_text(self._server_properties(data))
        log4j.write_text(LOG4J2)
        java_home = find_java_home(17, explicit=s.kafka_java_home, service=self.name, prefer_newest=False)
        java = str(java_home / "bin" / "java")
        base = [java, f"-Dlog4j2.configurationFile={log4j}", f"-Dkafka.logs.dir={root / 'logs'}", "-cp", self._classpath()]
        env = dict(os.environ)
        if not (data / "meta.properties").is_file():
            formatted = subprocess.run(
                [*base, "-Xmx256m", "kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c", str(properties), "--ignore-formatted"],
                env=env, cwd=root, capture_output=True, text=True, timeout=120,
            )
            if formatted.returncode != 0:
                raise ServiceError(f"formatting {data} failed (exit {formatted.returncode}):\n{formatted.stdout[-3000:]}{formatted.stderr[-3000:]}", service=self.name)
        argv = [base[0], f"-Xms{s.kafka_heap}", f"-Xmx{s.kafka_heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true", *base[1:], "kafka.Kafka", str(properties)]
        return argv, env, root

    def healthy(self) -> bool:
        if not port_open(self.settings.host, self.settings.kafka_port):
            return False
        return metadata_answers(self.endpoint)


def metadata_answers(bootstrap: str, timeout_ms: int = 3000) -> bool:
    """Whether a broker at `bootstrap` answers a metadata request (via kafka-python) and lists itself."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms, client_id="devservices-health")
    except (KafkaError, OSError, ValueError):
        return False
    try:
        return bool(admin.describe_cluster().get("brokers"))
    except (KafkaError, OSError, ValueError):
        return False
    finally:
        admin.close()


def regenerate_lock() -> Path:
    """Resolve the broker's runtime classpath with Maven (`mvn` on PATH) and rewrite the lock file."""
    import tempfile

    pom = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.porttrack</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.5</version></dependency>
  </dependencies>
</project>
"""
    with tempfile.TemporaryDirectory() as work:
        Path(work, "pom.xml").write_text(pom)
        listing = Path(work, "deps.txt")
        done = subprocess.run(
            ["mvn", "-B", "-q", "-C", "dependency:list", "-DincludeScope=runtime", f"-DoutputFile={listing}"],
            cwd=work, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise ServiceError(f"mvn dependency:list failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}", service="kafka")
        coordinates = sorted(
            {":".join((p[0], p[1], p[3])) for line in listing.read_text().splitlines() if len(p := line.strip().split(":")) >= 5}
        )
    header = [line for line in LOCK_FILE.read_text().splitlines() if line.startswith("#")]
    LOCK_FILE.write_text("\n".join([*header, *coordinates]) + "\n")
    return LOCK_FILE
