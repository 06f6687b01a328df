"""Fetch artifacts from Maven Central once, verified against its .sha1 files (or a pinned digest), into the cache."""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from devservices.errors import ServiceError

MAVEN_CENTRAL = os.environ.get("PORTTRACK_MAVEN_URL", "https://repo1.maven.org/maven2").rstrip("/")
_CHUNK = 1 << 20


class Artifact:
    """One Maven artifact (`group:artifact:version`, a packaging extension) and, optionally, a pinned digest."""

    __slots__ = ("group", "name", "version", "ext", "pinned")

    def __init__(self, group: str, name: str, version: str, ext: str = "jar", pinned: tuple[str, str] | None = None) -> None:
        self.group, self.name, self.version, self.ext = group, name, version, ext
        self.pinned = pinned  # (algorithm, hex digest) for artifacts Maven Central serves without checksum files

    @classmethod
    def parse(cls, coordinate: str, ext: str = "jar") -> "Artifact":
        """Read `group:artifact:version`, as the lock files list them."""
        parts = coordinate.strip().split(":")
        if len(parts) != 3 or not all(parts):
            raise ServiceError(f"bad Maven coordinate {coordinate!r}; expected group:artifact:version")
        return cls(parts[0], parts[1], parts[2], ext)

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.{self.ext}"

    @property
    def url(self) -> str:
        return f"{MAVEN_CENTRAL}/{self.group.replace('.', '/')}/{self.name}/{self.version}/{self.filename}"

    def __str__(self) -> str:
        return f"{self.group}:{self.name}:{self.version}@{self.ext}"


def _read_url(url: str, timeout: float = 60.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def expected_digest(artifact: Artifact) -> tuple[str, str]:
    """The (algorithm, hex) the download must match: Maven Central's .sha1 file, else the pinned digest."""
    try:
        text = _read_url(artifact.url + ".sha1", timeout=30.0).decode("ascii", "replace")
        return "sha1", text.split()[0].strip().lower()
    except urllib.error.HTTPError as exc:
        if exc.code != 404 or artifact.pinned is None:
            raise ServiceError(
                f"cannot read the checksum {artifact.url}.sha1: HTTP {exc.code}; "
                "without it the download cannot be verified (pin a sha512 in devservices if Maven Central has none)"
            ) from exc
        return artifact.pinned
    except (urllib.error.URLError, OSError) as exc:
        raise ServiceError(f"cannot reach {artifact.url}.sha1: {exc}; is Maven Central reachable (PORTTRACK_MAVEN_URL)?") from exc


def fetch(artifact: Artifact, directory: Path) -> Path:
    """Return the cached, verified file for `artifact`, downloading it first if absent.

    A file only appears under its final name after its digest matched, so its presence means verified.
    """
    target = directory / artifact.filename
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    algorithm, want = expected_digest(artifact)
    partial = target.with_name(target.name + f".part{os.getpid()}")
    digest = hashlib.new(algorithm)
    try:
        with urllib.request.urlopen(artifact.url, timeout=60.0) as response, partial.open("wb") as out:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"GET {artifact.url} answered HTTP {exc.code}; is {artifact} published on Maven Central?") from exc
    except (urllib.error.URLError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"download of {artifact.url} failed: {exc}; retry, or check PORTTRACK_MAVEN_URL") from exc
    got = digest.hexdigest()
    if got != want:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"{artifact.filename}: {algorithm} {got} does not match the expected {want}; the download was discarded")
    os.replace(partial, target)
    return target


def fetch_all(artifacts: Iterable[Artifact], directory: Path, workers: int = 6) -> list[Path]:
    """Fetch many artifacts concurrently (small jars are latency-bound); order of the result follows the input."""
    items = list(artifacts)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda a: fetch(a, directory), items))


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_tree(path: Path) -> None:
    """Delete a directory tree if present (used to discard a half-unpacked installation)."""
    shutil.rmtree(path, ignore_errors=True)
