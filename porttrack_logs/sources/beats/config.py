"""The `beats` input's settings (Logstash's options) and their compilation into a running server."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..._options import StrList
from ...errors import ConfigError
from ..settings import InputSettings

if TYPE_CHECKING:
    from ..base import SourceContext
    from .server import BeatsServer

__all__ = ["BeatsInput", "server_tls"]

_PROTOCOLS = {"TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}
_CLIENT_AUTH = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}
_LEGACY_VERIFY = {"none": "none", "peer": "optional", "force_peer": "required"}


class BeatsInput(InputSettings):
    """Logstash's `beats` input options. `ssl` and `ssl_verify_mode` are the deprecated spellings
    of `ssl_enabled` and `ssl_client_authentication` and still work."""

    port: int
    host: str = "0.0.0.0"
    ssl: bool = False
    ssl_enabled: bool = False
    ssl_certificate: str | None = None
    ssl_key: str | None = None
    ssl_certificate_authorities: StrList = []
    ssl_key_passphrase: str | None = None
    ssl_verify_mode: Literal["none", "peer", "force_peer"] = "none"
    ssl_client_authentication: Literal["none", "optional", "required"] = "none"
    ssl_supported_protocols: StrList = []
    ssl_cipher_suites: StrList = []
    ssl_handshake_timeout: int = 10000
    client_inactivity_timeout: int = 60
    include_codec_tag: bool = True
    add_hostname: bool = False  # deprecated in Logstash; accepted and ignored
    enrich: StrList | str = "all"
    executor_threads: int = 1
    event_loop_threads: int = 0

    def build(self, context: "SourceContext") -> "BeatsServer":
        """The server these settings describe (not started); TLS files are read here, once."""
        from .server import BeatsServer

        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not a TCP port (0..65535)", option="port")
        if self.client_inactivity_timeout <= 0:
            raise ConfigError("client_inactivity_timeout must be a positive number of seconds", option="client_inactivity_timeout")
        return BeatsServer(
            host=self.host,
            port=self.port,
            name=context.plugin_id,
            client_inactivity_timeout=float(self.client_inactivity_timeout),
            tls=server_tls(self),
            tls_handshake_timeout=self.ssl_handshake_timeout / 1000,
        )


def server_tls(settings: BeatsInput) -> ssl.SSLContext | None:
    """The server's TLS context, or None for plain text; every missing or unreadable file is named."""
    if not (settings.ssl_enabled or settings.ssl):
        return None
    if not settings.ssl_certificate or not settings.ssl_key:
        missing = "ssl_certificate" if not settings.ssl_certificate else "ssl_key"
        raise ConfigError(f"ssl_enabled needs both ssl_certificate and ssl_key; {missing} is not set", option=missing)
    for option in ("ssl_certificate", "ssl_key"):
        _readable(getattr(settings, option), option)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # Logstash's default: TLSv1.2 and TLSv1.3
    if settings.ssl_supported_protocols:
        unknown = [p for p in settings.ssl_supported_protocols if p not in _PROTOCOLS]
        if unknown:
            raise ConfigError(f"unknown TLS protocol {unknown[0]!r}; expected one of {sorted(_PROTOCOLS)}", option="ssl_supported_protocols")
        versions = sorted(_PROTOCOLS[p] for p in settings.ssl_supported_protocols)
        context.minimum_version, context.maximum_version = versions[0], versions[-1]
    try:
        context.load_cert_chain(settings.ssl_certificate, settings.ssl_key, password=settings.ssl_key_passphrase)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            f"cannot load the certificate {settings.ssl_certificate} with the key {settings.ssl_key}: {exc}", option="ssl_certificate"
        ) from exc
    mode = settings.ssl_client_authentication
    if mode == "none" and settings.ssl_verify_mode != "none":
        mode = _LEGACY_VERIFY[settings.ssl_verify_mode]
    if mode != "none":
        if not settings.ssl_certificate_authorities:
            raise ConfigError(
                f"ssl_client_authentication => {mode} needs ssl_certificate_authorities to check client certificates against",
                option="ssl_certificate_authorities",
            )
        for path in settings.ssl_certificate_authorities:
            _readable(path, "ssl_certificate_authorities")
            try:
                context.load_verify_locations(cafile=path)
            except (ssl.SSLError, OSError) as exc:
                raise ConfigError(f"cannot load the certificate authority {path}: {exc}", option="ssl_certificate_authorities") from exc
    context.verify_mode = _CLIENT_AUTH[mode]
    if settings.ssl_cipher_suites:
        try:
            context.set_ciphers(":".join(settings.ssl_cipher_suites))
        except ssl.SSLError as exc:
            raise ConfigError(
                f"none of the cipher suites {settings.ssl_cipher_suites} is known to OpenSSL (use OpenSSL names): {exc}",
                option="ssl_cipher_suites",
            ) from exc
    return context


def _readable(path: str, option: str) -> None:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{path} does not exist or is not a file", option=option)
