"""The `kafka` input's settings (Logstash's options) and their compilation into a running source.

Logstash's option names and defaults; each maps onto kafka-python's keyword arguments or
librdkafka's properties (`backend`). What only a JVM can do (Java keystores, JAAS login modules
other than PLAIN and SCRAM, deserializer and callback classes, a schema registry) is a
`ConfigError` naming the option and what to use instead. Offsets are always committed by us, after
delivery: `enable_auto_commit => true` would acknowledge records before they are indexed, so it is
accepted (it is Logstash's default) and ignored, and `warnings()` says so when it is written out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import field_validator

from ..._options import StrList
from ...errors import ConfigError
from ..settings import InputSettings

if TYPE_CHECKING:
    from ..base import SourceContext
    from .source import KafkaSource

__all__ = ["KafkaInput", "ConsumerPlan"]

_STRING_DESERIALIZERS = {
    "org.apache.kafka.common.serialization.StringDeserializer",
    "org.apache.kafka.common.serialization.ByteArrayDeserializer",
}
_JAAS_ENTRY = re.compile(r"""(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s;]+))""")
_JAAS_MODULES = {
    "org.apache.kafka.common.security.plain.PlainLoginModule": ("PLAIN",),
    "org.apache.kafka.common.security.scram.ScramLoginModule": ("SCRAM-SHA-256", "SCRAM-SHA-512"),
}
_ASSIGNORS = {"range", "round_robin", "sticky", "cooperative_sticky"}
_JAVA_ONLY = {
    "sasl_client_callback_handler_class": "a Java callback class cannot run here",
    "sasl_login_callback_handler_class": "a Java callback class cannot run here",
    "sasl_oauthbearer_token_endpoint_url": "OAUTHBEARER is not supported by this input",
    "kerberos_config": "set the KRB5_CONFIG environment variable of the sidecar instead",
    "schema_registry_url": "Avro through a schema registry is not supported; send JSON",
}


class KafkaInput(InputSettings):
    """Logstash's `kafka` input options (defaults as Logstash's), plus `backend` (ours)."""

    backend: Literal["kafka-python", "confluent"] = "kafka-python"
    bootstrap_servers: str = "localhost:9092"
    topics: StrList = ["logstash"]
    topics_pattern: str | None = None
    group_id: str = "logstash"
    group_instance_id: str | None = None
    client_id: str = "logstash"
    client_rack: str | None = None
    auto_offset_reset: Literal["earliest", "latest", "none"] | None = None
    auto_commit_interval_ms: int = 5000  # here: how often settled offsets are committed
    enable_auto_commit: bool = True  # accepted, never used: commits are ours, after delivery
    auto_create_topics: bool = True
    consumer_threads: int = 1
    decorate_events: Literal["none", "basic", "extended", "true", "false"] | bool = "none"
    check_crcs: bool = True
    client_dns_lookup: str = "default"
    connections_max_idle_ms: int = 540000
    exclude_internal_topics: bool | str | None = None
    fetch_max_bytes: int = 52428800
    fetch_max_wait_ms: int = 500
    fetch_min_bytes: int | None = None
    heartbeat_interval_ms: int = 3000
    isolation_level: Literal["read_uncommitted", "read_committed"] = "read_uncommitted"
    max_partition_fetch_bytes: int = 1048576
    max_poll_interval_ms: int = 300000
    max_poll_records: int = 500
    metadata_max_age_ms: int = 300000
    partition_assignment_strategy: str | None = None
    poll_timeout_ms: int = 100
    receive_buffer_bytes: int = 32768
    send_buffer_bytes: int = 131072
    reconnect_backoff_ms: int = 50
    request_timeout_ms: int = 40000
    retry_backoff_ms: int = 100
    session_timeout_ms: int = 10000
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: str = "GSSAPI"
    sasl_jaas_config: str | None = None
    jaas_path: str | None = None
    sasl_kerberos_service_name: str | None = None
    sasl_client_callback_handler_class: str | None = None
    sasl_login_callback_handler_class: str | None = None
    sasl_oauthbearer_token_endpoint_url: str | None = None
    # login-callback tuning: accepted with no effect here (`check` warns: _options.IGNORED)
    sasl_login_connect_timeout_ms: int | None = None
    sasl_login_read_timeout_ms: int | None = None
    sasl_login_retry_backoff_ms: int = 100
    sasl_login_retry_backoff_max_ms: int = 10000
    kerberos_config: str | None = None
    schema_registry_url: str | None = None
    ssl_endpoint_identification_algorithm: str = "https"
    ssl_truststore_location: str | None = None
    ssl_truststore_password: str | None = None
    ssl_truststore_type: str | None = None
    ssl_keystore_location: str | None = None
    ssl_keystore_password: str | None = None
    ssl_keystore_type: str | None = None
    ssl_key_password: str | None = None
    key_deserializer_class: str = "org.apache.kafka.common.serialization.StringDeserializer"
    value_deserializer_class: str = "org.apache.kafka.common.serialization.StringDeserializer"
    # ours: how many fetched batches may wait unsettled before the partitions are paused
    max_batches_in_flight: int = 16

    @field_validator("decorate_events", mode="before")
    @classmethod
    def _decorate(cls, value: Any) -> Any:
        if value is True or value == "true":
            return "basic"
        if value is False or value == "false":
            return "none"
        return value

    def warnings(self) -> list[str]:
        """What `check` should say about these settings (they still run)."""
        found = []
        if "enable_auto_commit" in self.model_fields_set and self.enable_auto_commit:
            found.append(
                "kafka: enable_auto_commit => true is ignored: offsets are committed only after events are "
                "delivered (auto commit would acknowledge records before they are indexed)"
            )
        if self.ssl_truststore_password is not None:
            found.append("kafka: ssl_truststore_password is ignored: a PEM truststore has no password")
        if self.consumer_threads > 1:
            found.append(
                "kafka: consumer_threads > 1 runs one consumer per thread in one process; run more sidecar "
                "workers (processes) in the same group_id to use more cores"
            )
        return found

    def plan(self) -> "ConsumerPlan":
        """Everything checked and translated for the chosen backend; raises ConfigError naming the option."""
        for option, why in _JAVA_ONLY.items():
            if getattr(self, option) is not None:
                raise ConfigError(f"{option} cannot be used here: {why}", option=option)
        for option in ("key_deserializer_class", "value_deserializer_class"):
            if getattr(self, option) not in _STRING_DESERIALIZERS:
                raise ConfigError(
                    f"{option} => {getattr(self, option)!r}: Java deserializers cannot run here; values are read as "
                    "bytes and decoded by the codec (json or plain)",
                    option=option,
                )
        if not self.topics and not self.topics_pattern:
            raise ConfigError("kafka needs topics or topics_pattern", option="topics")
        if self.topics_pattern is not None:
            try:
                re.compile(self.topics_pattern)
            except re.error as exc:
                raise ConfigError(f"topics_pattern {self.topics_pattern!r} is no regular expression: {exc}", option="topics_pattern") from exc
        for option in ("consumer_threads", "max_poll_records", "max_batches_in_flight", "auto_commit_interval_ms", "poll_timeout_ms"):
            if getattr(self, option) <= 0:
                raise ConfigError(f"{option} must be positive, not {getattr(self, option)}", option=option)
        if self.partition_assignment_strategy is not None and self.partition_assignment_strategy not in _ASSIGNORS:
            raise ConfigError(
                f"partition_assignment_strategy {self.partition_assignment_strategy!r} is none of {sorted(_ASSIGNORS)}",
                option="partition_assignment_strategy",
            )
        codec = _codec(self.codec)
        sasl = _sasl(self) if self.security_protocol.startswith("SASL_") else None
        tls = _tls(self) if self.security_protocol in ("SSL", "SASL_SSL") else None
        return ConsumerPlan(self, codec, sasl, tls)

    def build(self, context: "SourceContext") -> "KafkaSource":
        """The source these settings describe (not started: `start()` connects)."""
        from .source import KafkaSource

        return KafkaSource(self.plan(), name=context.plugin_id)


class ConsumerPlan:
    """The checked settings, as keyword arguments for kafka-python or properties for librdkafka."""

    __slots__ = ("settings", "codec", "sasl", "tls", "decorate")

    def __init__(self, settings: KafkaInput, codec: str, sasl: dict | None, tls: dict | None) -> None:
        self.settings = settings
        self.codec = codec
        self.sasl = sasl
        self.tls = tls
        self.decorate = settings.decorate_events

    def kafka_python(self) -> dict[str, Any]:
        """KafkaConsumer keyword arguments (auto commit always off)."""
        s = self.settings
        assignors = {
            None: None, "range": "RangePartitionAssignor", "round_robin": "RoundRobinPartitionAssignor",
            "sticky": "StickyPartitionAssignor", "cooperative_sticky": "CooperativeStickyAssignor",
        }
        options: dict[str, Any] = {
            "bootstrap_servers": [b.strip() for b in s.bootstrap_servers.split(",") if b.strip()],
            "client_id": s.client_id,
            "group_id": s.group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": s.auto_offset_reset or "latest",
            "max_poll_records": s.max_poll_records,
            "max_poll_interval_ms": s.max_poll_interval_ms,
            "session_timeout_ms": s.session_timeout_ms,
            "heartbeat_interval_ms": s.heartbeat_interval_ms,
            "fetch_max_bytes": s.fetch_max_bytes,
            "fetch_max_wait_ms": s.fetch_max_wait_ms,
            "max_partition_fetch_bytes": s.max_partition_fetch_bytes,
            "check_crcs": s.check_crcs,
            "isolation_level": s.isolation_level,
            "allow_auto_create_topics": s.auto_create_topics,
            "metadata_max_age_ms": s.metadata_max_age_ms,
            "connections_max_idle_ms": s.connections_max_idle_ms,
            "receive_buffer_bytes": s.receive_buffer_bytes,
            "send_buffer_bytes": s.send_buffer_bytes,
            "reconnect_backoff_ms": s.reconnect_backoff_ms,
            "request_timeout_ms": s.request_timeout_ms,
            "retry_backoff_ms": s.retry_backoff_ms,
            "security_protocol": s.security_protocol,
        }
        if s.fetch_min_bytes is not None:
            options["fetch_min_bytes"] = s.fetch_min_bytes
        if s.group_instance_id is not None:
            options["group_instance_id"] = s.group_instance_id
        if s.client_rack is not None:
            options["client_rack"] = s.client_rack
        if s.exclude_internal_topics is not None:
            options["exclude_internal_topics"] = s.exclude_internal_topics in (True, "true")
        if assignors[s.partition_assignment_strategy] is not None:
            from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor
            from kafka.coordinator.assignors.range import RangePartitionAssignor
            from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
            from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

            classes = {
                "RangePartitionAssignor": RangePartitionAssignor, "RoundRobinPartitionAssignor": RoundRobinPartitionAssignor,
                "StickyPartitionAssignor": StickyPartitionAssignor, "CooperativeStickyAssignor": CooperativeStickyAssignor,
            }
            options["partition_assignment_strategy"] = (classes[assignors[s.partition_assignment_strategy]],)
        if self.sasl is not None:
            options["sasl_mechanism"] = self.sasl["mechanism"]
            if "username" in self.sasl:
                options["sasl_plain_username"] = self.sasl["username"]
                options["sasl_plain_password"] = self.sasl["password"]
            if "service_name" in self.sasl:
                options["sasl_kerberos_service_name"] = self.sasl["service_name"]
        if self.tls is not None:
            options["ssl_check_hostname"] = self.tls["check_hostname"]
            if "ca" in self.tls:
                options["ssl_cafile"] = self.tls["ca"]
            if "certificate" in self.tls:
                options["ssl_certfile"] = self.tls["certificate"]
                options["ssl_keyfile"] = self.tls["key"]
            if "password" in self.tls:
                options["ssl_password"] = self.tls["password"]
        return options

    def librdkafka(self) -> dict[str, Any]:
        """confluent-kafka Consumer properties (auto commit and offset store always off)."""
        s = self.settings
        strategies = {"range": "range", "round_robin": "roundrobin", "sticky": "cooperative-sticky", "cooperative_sticky": "cooperative-sticky"}
        options: dict[str, Any] = {
            "bootstrap.servers": s.bootstrap_servers,
            "client.id": s.client_id,
            "group.id": s.group_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": {"none": "error"}.get(s.auto_offset_reset or "latest", s.auto_offset_reset or "latest"),
            "max.poll.interval.ms": s.max_poll_interval_ms,
            "session.timeout.ms": s.session_timeout_ms,
            "heartbeat.interval.ms": s.heartbeat_interval_ms,
            "fetch.max.bytes": s.fetch_max_bytes,
            "fetch.wait.max.ms": s.fetch_max_wait_ms,
            "max.partition.fetch.bytes": s.max_partition_fetch_bytes,
            "check.crcs": s.check_crcs,
            "isolation.level": s.isolation_level,
            "allow.auto.create.topics": s.auto_create_topics,
            "topic.metadata.refresh.interval.ms": s.metadata_max_age_ms,
            "connections.max.idle.ms": s.connections_max_idle_ms,
            "socket.receive.buffer.bytes": s.receive_buffer_bytes,
            "socket.send.buffer.bytes": s.send_buffer_bytes,
            "reconnect.backoff.ms": s.reconnect_backoff_ms,
            "socket.timeout.ms": s.request_timeout_ms,
            "retry.backoff.ms": s.retry_backoff_ms,
            "security.protocol": s.security_protocol.lower(),
        }
        if s.fetch_min_bytes is not None:
            options["fetch.min.bytes"] = s.fetch_min_bytes
        if s.group_instance_id is not None:
            options["group.instance.id"] = s.group_instance_id
        if s.client_rack is not None:
            options["client.rack"] = s.client_rack
        if s.partition_assignment_strategy is not None:
            options["partition.assignment.strategy"] = strategies[s.partition_assignment_strategy]
        if self.sasl is not None:
            options["sasl.mechanism"] = self.sasl["mechanism"]
            if "username" in self.sasl:
                options["sasl.username"] = self.sasl["username"]
                options["sasl.password"] = self.sasl["password"]
            if "service_name" in self.sasl:
                options["sasl.kerberos.service.name"] = self.sasl["service_name"]
        if self.tls is not None:
            options["ssl.endpoint.identification.algorithm"] = "https" if self.tls["check_hostname"] else "none"
            if "ca" in self.tls:
                options["ssl.ca.location"] = self.tls["ca"]
            if "keystore" in self.tls:
                options["ssl.keystore.location"] = self.tls["keystore"]
                if "keystore_password" in self.tls:
                    options["ssl.keystore.password"] = self.tls["keystore_password"]
            if "certificate" in self.tls:
                options["ssl.certificate.location"] = self.tls["certificate"]
                options["ssl.key.location"] = self.tls["key"]
            if "password" in self.tls:
                options["ssl.key.password"] = self.tls["password"]
        return options


def _codec(value: Any) -> str:
    """`json` (the default here: Filebeat's events) or `plain`; a codec with options keeps its name."""
    if value is None:
        return "json"
    name = next(iter(value)) if isinstance(value, dict) and len(value) == 1 else value
    if name in ("json", "plain"):
        return name
    raise ConfigError(f"codec {value!r} is not supported by the kafka input; use json (Filebeat's events) or plain", option="codec")


def _sasl(s: KafkaInput) -> dict:
    """The SASL mechanism and its credentials (from sasl_jaas_config, or the KafkaClient entry of jaas_path)."""
    mechanism = s.sasl_mechanism.upper()
    known = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI")
    if mechanism not in known:
        raise ConfigError(f"sasl_mechanism {s.sasl_mechanism!r} is not supported; use one of {list(known)}", option="sasl_mechanism")
    sasl: dict[str, Any] = {"mechanism": mechanism}
    if mechanism == "GSSAPI":
        sasl["service_name"] = s.sasl_kerberos_service_name or "kafka"
        return sasl
    option, text = "sasl_jaas_config", s.sasl_jaas_config
    if text is None and s.jaas_path is not None:
        option, text = "jaas_path", _jaas_client_entry(s.jaas_path)
    if text is None:
        raise ConfigError(
            f"sasl_mechanism => {mechanism} needs credentials: sasl_jaas_config => \"...LoginModule required username='...' password='...';\"",
            option="sasl_jaas_config",
        )
    module = text.strip().split(None, 1)[0] if text.strip() else ""
    if module not in _JAAS_MODULES:
        raise ConfigError(f"{option}: login module {module!r} cannot run here; use PlainLoginModule or ScramLoginModule", option=option)
    if mechanism not in _JAAS_MODULES[module]:
        raise ConfigError(f"{option}: {module} does not go with sasl_mechanism => {mechanism}", option=option)
    entries = {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _JAAS_ENTRY.finditer(text)}
    for key in ("username", "password"):
        if key not in entries:
            raise ConfigError(f"{option} has no {key}='...'", option=option)
    sasl["username"], sasl["password"] = entries["username"], entries["password"]
    return sasl


def _jaas_client_entry(path: str) -> str:
    """The body of the `KafkaClient { ... };` section of a JAAS file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"jaas_path {path}: {exc}", option="jaas_path") from exc
    found = re.search(r"KafkaClient\s*\{(.*?)\}\s*;", text, re.S)
    if found is None:
        raise ConfigError(f"jaas_path {path} has no KafkaClient {{ ... }}; section", option="jaas_path")
    return found.group(1).strip()


def _tls(s: KafkaInput) -> dict:
    """TLS files as PEM paths; a Java keystore is an error that says how to convert it."""
    tls: dict[str, Any] = {"check_hostname": s.ssl_endpoint_identification_algorithm.lower() == "https"}
    if s.ssl_truststore_location is not None:
        _pem(s.ssl_truststore_location, s.ssl_truststore_type, "ssl_truststore", keystore=False, backend=s.backend)
        tls["ca"] = s.ssl_truststore_location
    if s.ssl_keystore_location is not None:
        kind = _pem(s.ssl_keystore_location, s.ssl_keystore_type, "ssl_keystore", keystore=True, backend=s.backend)
        if kind == "PKCS12":
            tls["keystore"] = s.ssl_keystore_location
            if s.ssl_keystore_password is not None:
                tls["keystore_password"] = s.ssl_keystore_password
        else:
            tls["certificate"] = tls["key"] = s.ssl_keystore_location  # one PEM file: key and certificate chain
            password = s.ssl_key_password if s.ssl_key_password is not None else s.ssl_keystore_password
            if password is not None:
                tls["password"] = password
    elif s.ssl_key_password is not None:
        raise ConfigError("ssl_key_password is set but ssl_keystore_location is not", option="ssl_key_password")
    return tls


def _pem(path: str, kind: str | None, prefix: str, *, keystore: bool, backend: str) -> str:
    """PEM (or PKCS12 for a confluent keystore); JKS, or a file that is not PEM, is a clear error."""
    option = f"{prefix}_location"
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{option} {path} does not exist or is not a file", option=option)
    declared = (kind or "").upper()
    if declared == "PKCS12" and keystore and backend == "confluent":
        return "PKCS12"
    head = file.read_bytes()[:4096]
    if declared in ("", "PEM") and b"-----BEGIN" in head:
        if keystore and b"PRIVATE KEY-----" not in file.read_bytes():
            raise ConfigError(f"{option} {path} holds no private key: put the key and its certificate chain in one PEM file", option=option)
        return "PEM"
    what = "a Java keystore (JKS)" if declared in ("", "JKS") else f"a {declared} store"
    hint = (
        "keytool -importkeystore -srckeystore STORE.jks -destkeystore STORE.p12 -deststoretype PKCS12, then "
        "openssl pkcs12 -in STORE.p12 -nodes -out STORE.pem"
    )
    extra = " (backend => confluent also takes a PKCS12 keystore: ssl_keystore_type => PKCS12)" if keystore else ""
    raise ConfigError(f"{option} {path} is {what}, which cannot be read here; give a PEM file: {hint}{extra}", option=option)
