"""The beats input's settings: Logstash's options, TLS built once, errors naming the option; TLS
with client certificates end to end with go-lumber."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.sources.base import SourceContext
from porttrack_logs.sources.beats import BeatsInput, BeatsServer
from porttrack_logs.sources.settings import INPUTS

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError:  # the certificates are then made with the openssl command
    x509 = None

CONTEXT = SourceContext(plugin_id="beats@test")


def _name(common: str):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(subject: str, issuer_key, issuer_name, *, ca: bool, san: bool = False):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name or _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return key, cert


def _write(directory: Path, stem: str, key, cert) -> tuple[str, str]:
    key_path, cert_path = directory / f"{stem}.key", directory / f"{stem}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(cert_path), str(key_path)


def _openssl_pki(directory: Path) -> dict[str, str]:
    """The same files as `pki`, made with the openssl command (when `cryptography` is missing)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        message = "the TLS tests need the cryptography package or the openssl command"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set)", pytrace=False)
        pytest.skip(message)

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    def ca(stem: str, name: str) -> None:
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{stem}.key")
        run("req", "-x509", "-new", "-key", f"{stem}.key", "-subj", f"/CN={name}", "-days", "2", "-out", f"{stem}.crt",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(stem: str, name: str, issuer: str, extensions: str) -> None:
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{stem}.raw.key")
        run("pkcs8", "-topk8", "-nocrypt", "-in", f"{stem}.raw.key", "-out", f"{stem}.key")
        run("req", "-new", "-key", f"{stem}.key", "-subj", f"/CN={name}", "-out", f"{stem}.csr")
        (directory / f"{stem}.ext").write_text(extensions)
        run("x509", "-req", "-in", f"{stem}.csr", "-CA", f"{issuer}.crt", "-CAkey", f"{issuer}.key", "-CAcreateserial",
            "-days", "2", "-out", f"{stem}.crt", "-extfile", f"{stem}.ext")

    ca("ca", "porttrack test CA")
    ca("other", "another CA")
    leaf("server", "localhost", "ca", "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    leaf("client", "filebeat", "ca", "basicConstraints=CA:FALSE\n")
    leaf("stranger", "stranger", "other", "basicConstraints=CA:FALSE\n")
    files = {"ca": "ca.crt"}
    for stem in ("server", "client", "stranger"):
        files[f"{stem}_cert"], files[f"{stem}_key"] = f"{stem}.crt", f"{stem}.key"
    return {key: str(directory / name) for key, name in files.items()}


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, str]:
    """A CA, a server certificate for localhost/127.0.0.1 and a client certificate, as PEM files;
    plus a second CA that signed a client the server must refuse. Made with `cryptography` when
    it is installed, else with the openssl command."""
    directory = tmp_path_factory.mktemp("pki")
    if x509 is None:
        return _openssl_pki(directory)
    ca_key, ca_cert = _issue("porttrack test CA", None, None, ca=True)
    other_key, other_cert = _issue("another CA", None, None, ca=True)
    server_key, server_cert = _issue("localhost", ca_key, ca_cert.subject, ca=False, san=True)
    client_key, client_cert = _issue("filebeat", ca_key, ca_cert.subject, ca=False)
    stranger_key, stranger_cert = _issue("stranger", other_key, other_cert.subject, ca=False)
    files = {}
    files["ca"], _ = _write(directory, "ca", ca_key, ca_cert)
    files["server_cert"], files["server_key"] = _write(directory, "server", server_key, server_cert)
    files["client_cert"], files["client_key"] = _write(directory, "client", client_key, client_cert)
    files["stranger_cert"], files["stranger_key"] = _write(directory, "stranger", stranger_key, stranger_cert)
    return files


def test_the_settings_model_lives_with_the_beats_input_and_is_re_exported():
    """The pipeline compiler's registry and settings.py name the one model in sources/beats/config.py."""
    assert INPUTS["beats"] is BeatsInput and BeatsInput.__module__ == "porttrack_logs.sources.beats.config"


def test_build_gives_a_server_with_logstash_defaults():
    """Defaults as Logstash's: all interfaces, 60 s inactivity, plain text."""
    server = BeatsInput(port=5044).build(CONTEXT)
    assert isinstance(server, BeatsServer)
    assert (server.host, server.port, server.client_inactivity_timeout, server.tls) == ("0.0.0.0", 5044, 60.0, None)
    assert server.name == "beats@test"


@pytest.mark.parametrize(
    ("options", "option", "says"),
    [
        ({"ssl_enabled": True}, "ssl_certificate", "ssl_enabled needs both ssl_certificate and ssl_key"),
        ({"ssl_enabled": True, "ssl_certificate": "/nonexistent.crt", "ssl_key": "/nonexistent.key"}, "ssl_certificate", "/nonexistent.crt does not exist"),
        ({"port": 70000}, "port", "port 70000 is not a TCP port"),
        ({"client_inactivity_timeout": 0}, "client_inactivity_timeout", "must be a positive number"),
    ],
)
def test_bad_settings_name_the_option(options, option, says):
    """Each refusal names the option at fault and what would fix it."""
    settings = BeatsInput(**{"port": 5044, **options})
    with pytest.raises(ConfigError) as caught:
        settings.build(CONTEXT)
    assert caught.value.option == option and says in str(caught.value)


def test_client_authentication_needs_certificate_authorities(pki):
    """`ssl_client_authentication => required` without CAs cannot check anyone: refused."""
    settings = BeatsInput(
        port=0, ssl_enabled=True, ssl_certificate=pki["server_cert"], ssl_key=pki["server_key"], ssl_client_authentication="required"
    )
    with pytest.raises(ConfigError, match="needs ssl_certificate_authorities") as caught:
        settings.build(CONTEXT)
    assert caught.value.option == "ssl_certificate_authorities"


def test_legacy_ssl_options_still_mean_what_they_did(pki):
    """`ssl => true` and `ssl_verify_mode => force_peer` (deprecated) are ssl_enabled and required."""
    import ssl

    server = BeatsInput(
        port=0, ssl=True, ssl_certificate=pki["server_cert"], ssl_key=pki["server_key"],
        ssl_certificate_authorities=[pki["ca"]], ssl_verify_mode="force_peer",
    ).build(CONTEXT)
    assert server.tls is not None and server.tls.verify_mode == ssl.CERT_REQUIRED


def test_unknown_tls_protocol_is_refused(pki):
    """ssl_supported_protocols takes Logstash's names (TLSv1.2, TLSv1.3)."""
    settings = BeatsInput(port=0, ssl_enabled=True, ssl_certificate=pki["server_cert"], ssl_key=pki["server_key"], ssl_supported_protocols=["SSLv3"])
    with pytest.raises(ConfigError, match="unknown TLS protocol 'SSLv3'"):
        settings.build(CONTEXT)


def test_tls_with_client_certificates_end_to_end(pki, run_client, consume, caplog):
    """With `ssl_client_authentication => required`, go-lumber with a certificate of our CA
    delivers everything; one with a stranger's certificate, one with none, and a plain-text client
    deliver nothing; and the good client was never disturbed."""
    settings = BeatsInput(
        host="127.0.0.1", port=0, ssl_enabled=True, ssl_certificate=pki["server_cert"], ssl_key=pki["server_key"],
        ssl_certificate_authorities=[pki["ca"]], ssl_client_authentication="required",
    )
    server = settings.build(CONTEXT)
    server.start()
    try:
        consumer = consume(server)
        port = server.address[1]
        n = 3000
        tls = {"tls_ca": pki["ca"], "timeout": "5s"}
        good = run_client(port, n=n, conns=2, window=200, pipelining=2, compress=3, tls_cert=pki["client_cert"], tls_key=pki["client_key"], **tls)
        refused = [
            run_client(port, n=10, first=100_000, tls_cert=pki["stranger_cert"], tls_key=pki["stranger_key"], deadline="3s", **tls),
            run_client(port, n=10, first=200_000, deadline="3s", **tls),  # no client certificate
            run_client(port, n=10, first=300_000, deadline="3s", timeout="1s"),  # plain text to the TLS port
        ]
        with caplog.at_level(logging.WARNING, logger="porttrack_logs.sources.beats"):
            summary = good.result()
            outcomes = [client.result() for client in refused]
        assert summary["returncode"] == 0 and summary["acked"] == n and summary["reconnects"] == 0, summary
        for outcome in outcomes:
            assert outcome["returncode"] == 1 and outcome["acked"] == 0, outcome
        assert "TLS handshake failed" in caplog.text and "(a plain-text client on this TLS port?)" in caplog.text
        assert consumer.numbers() == set(range(n))  # nothing of the refused clients came through
    finally:
        server.close()


def test_plain_text_port_refuses_a_tls_client_naming_it(beats_server, run_client, pki, caplog):
    """go-lumber speaking TLS to a plain port: the connection is closed with a line saying so."""
    server = beats_server()
    with caplog.at_level(logging.WARNING, logger="porttrack_logs.sources.beats"):
        outcome = run_client(server.address[1], n=5, tls_ca=pki["ca"], deadline="2s", timeout="1s").result()
    assert outcome["returncode"] == 1 and outcome["acked"] == 0
    assert "a TLS handshake (first byte 0x16) on a plain-text port" in caplog.text


def test_a_port_in_use_fails_start(beats_server):
    """Starting on a taken port raises at start(), before anything is read."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            beats_server(port=taken.getsockname()[1])
