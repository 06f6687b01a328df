"""Pydantic field types and a base model that coerce plugin option values the way Logstash's
validators do, and the registry of documented Logstash options the project does not implement."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

__all__ = ["StrList", "StrMap", "as_list", "as_hash", "LogstashOptions", "NOT_IMPLEMENTED", "IGNORED",
           "not_implemented_message", "ignored_reason", "Codec", "CODECS", "MISSING_CODECS", "validate_codec"]


def as_list(value: Any) -> Any:
    """Logstash's `:array` coercion: a single value becomes a one-element list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_hash(value: Any) -> Any:
    """Logstash's `:hash` coercion: an even-length list `[k1, v1, k2, v2]` becomes a hash."""
    if isinstance(value, list) and len(value) % 2 == 0:
        result: dict[str, Any] = {}
        for key, item in zip(value[::2], value[1::2]):
            if key in result:
                prior = result[key]
                result[key] = (prior if isinstance(prior, list) else [prior]) + [item]
            else:
                result[key] = item
        return result
    return value


StrList = Annotated[list[str], BeforeValidator(as_list)]
StrMap = Annotated[dict[str, Any], BeforeValidator(as_hash)]

#: plugin label ("filter grok", "input kafka", "output elasticsearch") -> its documented Logstash
#: options (Logstash's plugin reference); one the plugin's model lacks is refused with a message
#: saying porttrack-logs does not implement it, rather than "unknown"
NOT_IMPLEMENTED: dict[str, frozenset[str]] = {
    "input kafka": frozenset("""
        auto_commit_interval_ms auto_create_topics auto_offset_reset bootstrap_servers check_crcs
        client_dns_lookup client_id client_rack connections_max_idle_ms consumer_threads decorate_events
        enable_auto_commit exclude_internal_topics fetch_max_bytes fetch_max_wait_ms fetch_min_bytes group_id
        group_instance_id heartbeat_interval_ms isolation_level jaas_path kerberos_config key_deserializer_class
        max_partition_fetch_bytes max_poll_interval_ms max_poll_records metadata_max_age_ms
        partition_assignment_strategy poll_timeout_ms receive_buffer_bytes reconnect_backoff_ms
        request_timeout_ms retry_backoff_ms sasl_client_callback_handler_class sasl_jaas_config
        sasl_kerberos_service_name sasl_mechanism sasl_login_callback_handler_class
        sasl_login_connect_timeout_ms sasl_login_read_timeout_ms sasl_login_retry_backoff_ms
        sasl_login_retry_backoff_max_ms sasl_oauthbearer_token_endpoint_url sasl_oauthbearer_scope_claim_name
        schema_registry_key schema_registry_proxy schema_registry_secret schema_registry_ssl_keystore_location
        schema_registry_ssl_keystore_password schema_registry_ssl_keystore_type
        schema_registry_ssl_truststore_location schema_registry_ssl_truststore_password
        schema_registry_ssl_truststore_type schema_registry_url schema_registry_validation security_protocol
        send_buffer_bytes session_timeout_ms ssl_endpoint_identification_algorithm ssl_key_password
        ssl_keystore_location ssl_keystore_password ssl_keystore_type ssl_truststore_location
        ssl_truststore_password ssl_truststore_type topics topics_pattern value_deserializer_class
    """.split()),
    "input beats": frozenset("""
        add_hostname cipher_suites client_inactivity_timeout ecs_compatibility enrich event_loop_threads
        executor_threads host include_codec_tag port ssl ssl_certificate ssl_certificate_authorities
        ssl_cipher_suites ssl_client_authentication ssl_enabled ssl_handshake_timeout ssl_key
        ssl_key_passphrase ssl_peer_metadata ssl_supported_protocols ssl_verify_mode tls_max_version
        tls_min_version
    """.split()),
    "input file": frozenset("""
        check_archive_validity close_older delimiter discover_interval ecs_compatibility exclude exit_after_read
        file_chunk_count file_chunk_size file_completed_action file_completed_log_path file_sort_by
        file_sort_direction ignore_older max_open_files mode path sincedb_clean_after sincedb_path
        sincedb_write_interval start_position stat_interval
    """.split()),
    "output elasticsearch": frozenset("""
        action api_key bulk_path ca_trusted_fingerprint cloud_auth cloud_id compression_level custom_headers
        data_stream data_stream_auto_routing data_stream_dataset data_stream_namespace data_stream_sync_fields
        data_stream_type dlq_custom_codes dlq_on_failed_indexname_interpolation doc_as_upsert document_id
        document_type ecs_compatibility failure_type_logging_whitelist silence_errors_in_log healthcheck_path
        hosts http_compression ilm_enabled ilm_pattern ilm_policy ilm_rollover_alias index join_field keystore
        keystore_password manage_template parameters parent password path pipeline pool_max pool_max_per_route
        proxy resurrect_delay retry_initial_interval retry_max_interval retry_on_conflict routing script
        script_lang script_type script_var_name scripted_upsert sniffing sniffing_delay sniffing_path
        ssl_certificate ssl_certificate_authorities ssl_cipher_suites ssl_enabled ssl_key ssl_keystore_password
        ssl_keystore_path ssl_keystore_type ssl_supported_protocols ssl_truststore_password ssl_truststore_path
        ssl_truststore_type ssl_verification_mode template template_api template_name template_overwrite
        timeout upsert user validate_after_inactivity version version_type
    """.split()),
    "output file": frozenset("""
        create_if_deleted dir_mode file_mode filename_failure flush_interval gzip path stale_cleanup_interval
        write_behavior
    """.split()),
}
#: plugin label (or plugin name, for every kind) -> documented Logstash options that do not
#: matter here, with why: accepted, and `check` warns where one is set
IGNORED: dict[str, dict[str, str]] = {
    "filter kv": {"ecs_compatibility": "kv writes the same fields in every ECS mode (in Logstash it only changes a warning)"},
    "filter drop": {"periodic_flush": "drop keeps nothing to flush"},
    "input file": {
        "stat_interval": "files are read once, in read mode, not watched for growth",
        "discover_interval": "the path globs are expanded once, when the input starts",
        "sincedb_write_interval": "positions are not kept in a sincedb: a file is read whole, and its events carry their offsets",
        "file_chunk_count": "a file is read whole; the chunking changes no event",
        "file_chunk_size": "a file is read whole; the chunking changes no event",
        "max_open_files": "files are read one at a time",
    },
    "input kafka": {
        option: "login callbacks (OAUTHBEARER) are not supported by this input, so their timeouts have nothing to time"
        for option in ("sasl_login_connect_timeout_ms", "sasl_login_read_timeout_ms", "sasl_login_retry_backoff_ms",
                       "sasl_login_retry_backoff_max_ms")
    },
}


def ignored_reason(plugin: str, option: str) -> str | None:
    """Why a documented option set on `plugin` ("filter kv") has no effect here; None when it has one."""
    return IGNORED.get(plugin, {}).get(option)


def not_implemented_message(plugin: str, option: str) -> str | None:
    """The error for a documented Logstash option the project lacks; None when it is not one."""
    if option in NOT_IMPLEMENTED.get(plugin, ()) or option in NOT_IMPLEMENTED.get(plugin.split(" ")[-1], ()):
        return f"option '{option}' of {plugin} is a Logstash option porttrack-logs does not implement"
    return None


def _shape(annotation: Any) -> str:
    """'container' for list/dict/tuple options (they take arrays and hashes as they are), 'bool',
    or 'scalar' (Logstash's :string/:number/... validators)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        shapes = {_shape(a) for a in typing.get_args(annotation) if a is not type(None)}
        return "container" if "container" in shapes or len(shapes) != 1 else shapes.pop()
    if annotation is Any or annotation in (list, dict, tuple, set) or origin in (list, dict, tuple, set):
        return "container"
    if annotation is bool:
        return "bool"
    return "scalar"


class LogstashOptions(BaseModel):
    """Base of a plugin's options model: Logstash's validator coercions before pydantic's.

    A scalar option (`:string`, `:number`, `:boolean`, ...) takes a one-element array as its
    element (`timezone => ["UTC"]`); a `:boolean` takes the strings "true" and "false" only.
    """

    _shapes: ClassVar[dict[str, str]]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        shapes = {}
        for name, field in cls.model_fields.items():
            shape = _shape(field.annotation)
            shapes[name] = shape
            if field.alias:
                shapes[field.alias] = shape
        cls._shapes = shapes

    @model_validator(mode="before")
    @classmethod
    def _logstash_coercions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        shapes = getattr(cls, "_shapes", {})
        out = None
        for key, value in data.items():
            shape = shapes.get(key)
            if shape is None or shape == "container":
                continue
            new = value
            if isinstance(new, list) and len(new) == 1:
                new = new[0]
            if shape == "bool" and isinstance(new, str):
                if new not in ("true", "false"):
                    raise ValueError(f"option '{key}' is a boolean: true or false, not {new!r}")
                new = new == "true"
            if new is not value:
                if out is None:
                    out = dict(data)
                out[key] = new
        return data if out is None else out


class _CodecOptions(LogstashOptions):
    model_config = ConfigDict(extra="forbid", frozen=True)

    charset: str = "UTF-8"


class _JsonCodec(_CodecOptions):
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None
    target: str | None = None


class _JsonLinesCodec(_JsonCodec):
    delimiter: str = "\n"
    decode_size_limit_bytes: int | None = None


class _PlainCodec(_CodecOptions):
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None
    format: str | None = None


class _LineCodec(_CodecOptions):
    delimiter: str = "\n"
    format: str | None = None


class _RubydebugCodec(LogstashOptions):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metadata: bool = False


#: the codecs porttrack-logs has, with their documented options
CODECS: dict[str, type[LogstashOptions]] = {
    "json": _JsonCodec, "json_lines": _JsonLinesCodec, "plain": _PlainCodec, "line": _LineCodec,
    "rubydebug": _RubydebugCodec,
}
#: Logstash codecs the project lacks (a clear error rather than "unknown")
MISSING_CODECS = frozenset({
    "multiline", "cef", "avro", "protobuf", "msgpack", "netflow", "collectd", "fluent", "graphite", "edn",
    "edn_lines", "es_bulk", "nmap", "dots", "gzip_lines", "java_line", "java_plain", "cloudtrail", "cloudfront",
})


def validate_codec(value: Any) -> Any:
    """A codec as the config gives it (`"json"` or `{"json": {options}}`), validated like a plugin:
    returns `{name: validated options}`; a codec the project lacks is a clear error."""
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        name, options = value, {}
    elif isinstance(value, dict) and len(value) == 1:
        (name, options), = value.items()
        options = options or {}
    else:
        raise ValueError(f"a codec is a name (codec => json) or a name with options (codec => json {{ ... }}), not {value!r}")
    model = CODECS.get(name)
    if model is None:
        have = ", ".join(sorted(CODECS))
        if name in MISSING_CODECS:
            raise ValueError(f"codec '{name}' is a Logstash codec porttrack-logs does not implement; it has {have}")
        raise ValueError(f"unknown codec '{name}'; porttrack-logs has {have}")
    try:
        return {name: model(**options)}
    except ValidationError as exc:
        problems = "; ".join(
            (f"unknown option '{'.'.join(map(str, e['loc']))}'" if e["type"] == "extra_forbidden"
             else f"option '{'.'.join(map(str, e['loc']))}': {e['msg']}")
            for e in exc.errors()
        )
        raise ValueError(f"codec {name}: {problems}") from None


#: the type of a plugin's `codec` option: `codec: Codec = None`
Codec = Annotated[Any, BeforeValidator(validate_codec)]
