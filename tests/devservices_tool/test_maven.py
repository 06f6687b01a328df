"""Artifacts are only cached after their digest matched Maven's .sha1 (or the pinned digest when there is none)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial
from pathlib import Path

import pytest

from devservices import maven
from devservices.errors import ServiceError
from devservices.maven import Artifact, fetch

PAYLOAD = b"PK\x03\x04 pretend jar bytes\n" * 100


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A local Maven-layout HTTP repository; returns the folder of org/example/demo/1.0/ to fill."""
    root = tmp_path / "repo"
    folder = root / "org" / "example" / "demo" / "1.0"
    folder.mkdir(parents=True)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(maven, "MAVEN_CENTRAL", f"http://127.0.0.1:{server.server_address[1]}")
    yield folder
    server.shutdown()
    server.server_close()


def test_download_matching_sha1_is_cached(repository, tmp_path):
    """A file whose sha1 matches the published .sha1 lands in the cache with the served bytes."""
    (repository / "demo-1.0.jar").write_bytes(PAYLOAD)
    (repository / "demo-1.0.jar.sha1").write_text(hashlib.sha1(PAYLOAD).hexdigest() + "  demo-1.0.jar\n")

    cached = fetch(Artifact("org.example", "demo", "1.0"), tmp_path / "cache")

    assert cached.read_bytes() == PAYLOAD


def test_download_with_wrong_sha1_is_discarded(repository, tmp_path):
    """A digest mismatch raises ServiceError and leaves nothing (not even a partial file) in the cache."""
    (repository / "demo-1.0.jar").write_bytes(PAYLOAD)
    (repository / "demo-1.0.jar.sha1").write_text("0" * 40)

    with pytest.raises(ServiceError, match="does not match"):
        fetch(Artifact("org.example", "demo", "1.0"), tmp_path / "cache")

    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_sha1_falls_back_to_the_pinned_digest(repository, tmp_path):
    """Without a .sha1 on the server, a pinned sha512 verifies the download."""
    (repository / "demo-1.0.zip").write_bytes(PAYLOAD)
    artifact = Artifact("org.example", "demo", "1.0", "zip", pinned=("sha512", hashlib.sha512(PAYLOAD).hexdigest()))

    assert fetch(artifact, tmp_path / "cache").read_bytes() == PAYLOAD


def test_missing_sha1_without_a_pin_refuses_to_download(repository, tmp_path):
    """An artifact that cannot be verified is not downloaded at all."""
    (repository / "demo-1.0.jar").write_bytes(PAYLOAD)

    with pytest.raises(ServiceError, match="cannot be verified"):
        fetch(Artifact("org.example", "demo", "1.0"), tmp_path / "cache")


def test_missing_artifact_names_the_url(repository, tmp_path):
    """A 404 for the artifact itself says which URL failed."""
    (repository / "demo-1.0.jar.sha1").write_text("0" * 40)

    with pytest.raises(ServiceError, match=r"demo/1\.0/demo-1\.0\.jar answered HTTP 404"):
        fetch(Artifact("org.example", "demo", "1.0"), tmp_path / "cache")


def test_cached_file_is_not_downloaded_again(repository, tmp_path):
    """Once cached, fetch returns the file without contacting the repository (the server copy may vanish)."""
    (repository / "demo-1.0.jar").write_bytes(PAYLOAD)
    (repository / "demo-1.0.jar.sha1").write_text(hashlib.sha1(PAYLOAD).hexdigest())
    artifact = Artifact("org.example", "demo", "1.0")
    fetch(artifact, tmp_path / "cache")
    (repository / "demo-1.0.jar").unlink()
    (repository / "demo-1.0.jar.sha1").unlink()

    assert fetch(artifact, tmp_path / "cache").read_bytes() == PAYLOAD


def test_coordinate_parsing_rejects_incomplete_coordinates():
    """`group:artifact` without a version is a ServiceError, not a half-built artifact."""
    with pytest.raises(ServiceError, match="group:artifact:version"):
        Artifact.parse("org.example:demo")
