"""The `elasticsearch` output's options: Logstash's names and meanings, defaults chosen for an audit record.

Where the defaults differ from Logstash's, on purpose:

- `index` defaults to `porttrack-logs-%{+yyyy.MM.dd}` (the event's own `@timestamp` picks the day), and
  `action` to `create`: with a deterministic `_id` per event, replaying an input adds no documents.
- `data_stream => "auto"` (Logstash's default) resolves to false: daily indices are the audit default.
- `flush_size` (Logstash's old name for documents per bulk request; 5000 here, not its old 500) and
  `flush_bytes` (bytes per request, 5 MiB) bound each `_bulk` request. Each request costs the client
  about a millisecond of CPU whatever its size (measured, benchmarks/es_bench.py), so few large
  requests beat many small ones; the byte bound is the one that usually applies.

Options Logstash has that this output does not implement are refused at start-up with the reason
(`UNSUPPORTED`), never accepted and ignored.
"""

from __future__ import annotations

import logging
import os
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import Field, field_validator, model_validator

from ..._options import StrList, StrMap
from ...errors import ConfigError, DeliveryError
from ..settings import OutputSettings

if TYPE_CHECKING:
    from ..base import SinkContext
    from .client import Connection
    from .sink import ElasticsearchSink

__all__ = ["ElasticsearchOutput", "DEFAULT_INDEX", "UNSUPPORTED"]

log = logging.getLogger("porttrack_logs.sinks.elasticsearch")

DEFAULT_INDEX = "porttrack-logs-%{+yyyy.MM.dd}"

#: Logstash options this output refuses, with what to do instead.
UNSUPPORTED: dict[str, str] = {
    "doc_as_upsert": "update actions are not supported (use action => create or index)",
    "upsert": "update actions are not supported (use action => create or index)",
    "script": "update actions are not supported",
    "script_type": "update actions are not supported",
    "script_lang": "update actions are not supported",
    "script_var_name": "update actions are not supported",
    "scripted_upsert": "update actions are not supported",
    "version": "external versioning is not supported: documents get deterministic ids and create actions",
    "version_type": "external versioning is not supported: documents get deterministic ids and create actions",
    "parent": "join fields are not supported",
    "join_field": "join fields are not supported",
    "document_type": "mapping types were removed in Elasticsearch 8",
    "ilm_rollover_alias": "ILM rollover aliases are not managed by this output (index_templates/ holds the ILM policy)",
    "ilm_pattern": "ILM rollover aliases are not managed by this output (index_templates/ holds the ILM policy)",
    "ilm_policy": "ILM policies are not attached by this output (index_templates/ holds the ILM policy)",
    "path": "a URL path prefix is not supported: put it in each of `hosts`",
    "proxy": "HTTP proxies are not supported",
    "pool_max": "connection pool sizes are the client's defaults",
    "pool_max_per_route": "connection pool sizes are the client's defaults",
    "resurrect_delay": "dead-node resurrection is the client's",
    "validate_after_inactivity": "connection validation is the client's",
    "healthcheck_path": "health checks are the client's",
    "sniffing_path": "sniffing uses the client's default path",
    "bulk_path": "the bulk path is /_bulk",
    "parameters": "extra query parameters are not supported",
    "retry_on_conflict": "applies to update actions only, which are not supported",
    "failure_type_logging_whitelist": "every rejection is logged and dead-lettered",
    "silence_errors_in_log": "every rejection is logged and dead-lettered",
    "template_api": "templates are installed as composable index templates (the `_index_template` API)",
    "compression_level": "use http_compression => true (the client's gzip level)",
    "ssl_keystore_path": "use ssl_certificate and ssl_key (PEM files)",
    "ssl_keystore_password": "use ssl_certificate and ssl_key (PEM files)",
    "ssl_keystore_type": "use ssl_certificate and ssl_key (PEM files)",
    "ssl_truststore_path": "use ssl_certificate_authorities (PEM files)",
    "ssl_truststore_password": "use ssl_certificate_authorities (PEM files)",
    "ssl_truststore_type": "use ssl_certificate_authorities (PEM files)",
    "ssl_cipher_suites": "cipher suites are Python's defaults",
    "ssl_supported_protocols": "TLS versions are Python's defaults",
    "cacert": "renamed in Logstash: use ssl_certificate_authorities",
    "ssl_certificate_verification": "renamed in Logstash: use ssl_verification_mode => none",
    "keystore": "renamed in Logstash: use ssl_certificate and ssl_key",
    "truststore": "renamed in Logstash: use ssl_certificate_authorities",
    "idle_flush_time": "each pipeline batch is sent when the output gets it; batching across batches is the runtime's",
}

_NEVER_DLQ = {200, 201, 202, 400, 404, 409}


class ElasticsearchOutput(OutputSettings):
    """`output { elasticsearch { ... } }`; `build(context)` connects and returns the running `ElasticsearchSink`."""

    hosts: StrList = ["http://127.0.0.1:9200"]
    index: str | None = None  # sprintf; None: DEFAULT_INDEX, or the data stream's name
    document_id: str | None = None  # sprintf; None: the source's id, else a fingerprint of the input
    action: str = "create"  # index, create, or a sprintf rendering to one of them
    pipeline: str | None = None  # sprintf: the ingest pipeline
    routing: str | None = None  # sprintf
    user: str | None = None
    password: str | None = None
    api_key: str | None = None  # "id:key" (Logstash's form) or the encoded key
    cloud_id: str | None = None
    cloud_auth: str | None = None  # "user:password"
    ssl: bool | None = None  # Logstash's deprecated name of ssl_enabled
    ssl_enabled: bool | None = None  # None: from the hosts' scheme
    ssl_certificate_authorities: StrList = []
    ssl_certificate: str | None = None
    ssl_key: str | None = None
    ssl_verification_mode: Literal["full", "none"] = "full"
    ca_trusted_fingerprint: str | None = None  # hex SHA-256 of the CA (or server) certificate
    manage_template: bool = True
    template: str | None = None  # a composable index template (JSON file) of the user's
    template_name: str | None = None  # default: the template file's name without .json
    template_overwrite: bool = False
    data_stream: bool | Literal["auto", "true", "false"] = "auto"
    data_stream_type: Literal["logs", "metrics", "synthetics", "traces"] = "logs"
    data_stream_dataset: str = "generic"
    data_stream_namespace: str = "default"
    data_stream_auto_routing: bool = True
    data_stream_sync_fields: bool = True
    ilm_enabled: bool | Literal["auto", "true", "false"] = "auto"
    dlq_custom_codes: list[int] = []
    dlq_on_failed_indexname_interpolation: bool = True
    retry_initial_interval: float = Field(2.0, gt=0)
    retry_max_interval: float = Field(64.0, gt=0)
    flush_size: int = Field(5000, ge=1)
    flush_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None
    http_compression: bool = False
    timeout: float = Field(60.0, gt=0)
    custom_headers: StrMap = {}
    sniffing: bool = False
    sniffing_delay: float = 5.0

    @model_validator(mode="before")
    @classmethod
    def _refuse_unsupported(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for name in values:
                if name in UNSUPPORTED:
                    raise ValueError(f"option '{name}' is a Logstash option porttrack-logs does not implement: {UNSUPPORTED[name]}")
        return values

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str) -> str:
        if "%{" not in value and value not in ("index", "create"):
            raise ValueError(f"action '{value}' is not supported: use 'create' (the default) or 'index'")
        return value

    @field_validator("dlq_custom_codes")
    @classmethod
    def _custom_codes(cls, value: list[int]) -> list[int]:
        clash = sorted(set(value) & _NEVER_DLQ)
        if clash:
            raise ValueError(
                f"dlq_custom_codes {clash}: 200-202 and 409 are outcomes of their own, 400 and 404 go to the "
                "dead letter queue already"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "ElasticsearchOutput":
        if self.retry_max_interval < self.retry_initial_interval:
            raise ValueError("retry_max_interval must be at least retry_initial_interval")
        if self.ilm_enabled in (True, "true"):
            raise ValueError("ilm_enabled => true is not supported: install the ILM policy from index_templates/ "
                             "(porttrack-logs templates install) and attach it in the index template")
        if self.uses_data_stream:
            if self.index is not None:
                raise ValueError("index cannot be set with data_stream => true: the stream is named "
                                 "data_stream_type-data_stream_dataset-data_stream_namespace")
            if "action" in self.model_fields_set and self.action != "create":
                raise ValueError("a data stream only takes create actions: leave action unset")
        if (self.user is None) != (self.password is None):
            raise ValueError("user and password go together")
        if self.template_name is not None and self.template is None:
            raise ValueError("template_name names the user's own template: set template (a JSON file) too")
        return self

    @property
    def uses_data_stream(self) -> bool:
        """Whether documents go to a data stream (`"auto"` is false here: daily indices by default)."""
        return self.data_stream in (True, "true")

    @property
    def effective_index(self) -> str:
        return self.index if self.index is not None else DEFAULT_INDEX

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments of `Elasticsearch(...)` for these options (auth, TLS, timeouts, sniffing)."""
        options: dict[str, Any] = {
            "request_timeout": self.timeout,
            "max_retries": 0,  # the sink retries itself, with backoff, logging each retry
            "retry_on_status": (),
            "retry_on_timeout": False,
            "http_compress": self.http_compression,
        }
        if self.custom_headers:
            options["headers"] = dict(self.custom_headers)
        if self.user is not None:
            options["basic_auth"] = (self.user, self.password)
        if self.cloud_id is not None:
            options["cloud_id"] = self.cloud_id
        if self.cloud_auth is not None:
            user, _, password = self.cloud_auth.partition(":")
            options["basic_auth"] = (user, password)
        if self.api_key is not None:
            key_id, sep, key = self.api_key.partition(":")
            options["api_key"] = (key_id, key) if sep else self.api_key
        tls = self.ssl_enabled if self.ssl_enabled is not None else self.ssl
        if self.ssl_certificate_authorities or self.ssl_certificate or self.ssl_verification_mode == "none" or tls:
            options["ssl_context"] = self._ssl_context()
        if self.ca_trusted_fingerprint is not None:
            options["ssl_assert_fingerprint"] = self.ca_trusted_fingerprint.replace(":", "").lower()
        if self.sniffing:
            options.update(sniff_on_start=True, sniff_on_node_failure=True, min_delay_between_sniffing=self.sniffing_delay)
        return options

    def client_hosts(self) -> list[str]:
        """`hosts` with a scheme each: `https` when ssl_enabled is true, as Logstash's bare `host:port`."""
        tls = self.ssl_enabled if self.ssl_enabled is not None else self.ssl
        scheme = "https" if tls else "http"
        out = []
        for host in self.hosts:
            if host.startswith("//"):
                host = f"{scheme}:{host}"
            elif "://" not in host:
                host = f"{scheme}://{host}"
            if host.count(":") == 1:  # no port: Elasticsearch's
                host = host + ":9200"
            out.append(host)
        return out

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        for path in self.ssl_certificate_authorities:
            try:
                context.load_verify_locations(cafile=path)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"ssl_certificate_authorities: cannot read {path}: {exc}", option="ssl_certificate_authorities") from exc
        if self.ssl_certificate is not None:
            try:
                context.load_cert_chain(self.ssl_certificate, self.ssl_key)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"ssl_certificate: cannot read {self.ssl_certificate}: {exc}", option="ssl_certificate") from exc
        if self.ssl_verification_mode == "none":
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def build(self, context: "SinkContext", *, connection: "Connection | None" = None) -> "ElasticsearchSink":
        """Connect (the server's major, its `http.max_content_length`), install templates when asked, and
        compile the templates of index, id, action, routing and pipeline into the running sink.

        `connection` replaces the one `hosts` would give (tests hand in their own)."""
        from .client import DEFAULT_MAX_CONTENT_LENGTH, connect
        from .sink import ElasticsearchSink

        if connection is None:
            connection = connect(self.client_hosts(), **self.client_options())
            max_content_length = connection.max_content_length()
        else:
            max_content_length = getattr(connection, "max_content_length", lambda: DEFAULT_MAX_CONTENT_LENGTH)()
        if self.manage_template:
            self.install_templates(connection)
        return ElasticsearchSink(self, context, connection, max_content_length=max_content_length)

    def install_templates(self, connection: "Connection") -> list[str]:
        """Put the user's `template` file, else PortTrack's templates (`porttrack_logs.templates.install`,
        when present); one line per template saying what happened. Existing templates are kept unless
        `template_overwrite`."""
        if self.template is not None:
            return [self._put_own_template(connection)]
        try:
            from ...templates import install  # type: ignore[attr-defined]
        except ImportError:
            log.warning("manage_template: porttrack_logs.templates is not available; no index templates installed")
            return []
        changed = list(install(connection, overwrite=self.template_overwrite))
        for line in changed:
            log.info("manage_template: %s", line)
        return changed

    def _put_own_template(self, connection: "Connection") -> str:
        path = Path(self.template)  # type: ignore[arg-type]
        try:
            body = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ConfigError(f"template: cannot read {path} as JSON: {exc}", option="template") from exc
        if not isinstance(body, dict) or "index_patterns" not in body:
            raise ConfigError(
                f"template: {path} is no composable index template (an object with index_patterns, and "
                "settings/mappings under \"template\")",
                option="template",
            )
        name = self.template_name or os.path.splitext(path.name)[0]
        from elasticsearch import ApiError

        try:
            if not self.template_overwrite:
                try:
                    connection.request("GET", f"/_index_template/{name}")
                    log.info("manage_template: index template %s exists, kept (template_overwrite => false)", name)
                    return f"{name} (kept)"
                except ApiError as exc:
                    if exc.meta.status != 404:
                        raise
            connection.request("PUT", f"/_index_template/{name}", body=orjson.dumps(body))
        except ApiError as exc:
            raise DeliveryError(f"template: Elasticsearch refused index template {name} from {path}: {exc}") from exc
        log.info("manage_template: index template %s put from %s", name, path)
        return name
