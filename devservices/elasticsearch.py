"""Elasticsearch 9 and 8 from Maven Central's integ-test-zip, each as a single-node test cluster on loopback.

One class runs both; a `Release` says which zip, how it is verified, which JDK it needs and which settings
(ports, heap, JDK) belong to it. `Elasticsearch` is the 9.2 node, `Elasticsearch8` the 8.19 one beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Mapping, Sequence

from devservices.errors import ServiceError
from devservices.java import find_java_home
from devservices.maven import Artifact, expected_digest, fetch, file_digest, remove_tree
from devservices.service import Service
from devservices.settings import Settings

#: A scalar or list written into elasticsearch.yml (as JSON, which YAML reads the same).
SettingValue = str | int | float | bool | list


class Release:
    """One Elasticsearch release the tool can run: the zip, its server jar, the JDK it needs, its settings fields."""

    __slots__ = ("version", "distribution", "server_jar", "java_min", "prefer_newest_java", "prefix", "env_java_home", "cluster_name")

    def __init__(
        self, version: str, *, pinned_sha512: str, java_min: int, prefer_newest_java: bool, prefix: str,
        env_java_home: str | None, cluster_name: str,
    ) -> None:
        self.version = version
        self.cluster_name = cluster_name
        # The zip is checked against Maven's .sha1 when served, else this pin (computed once after a download);
        # the server jar inside it is additionally checked against org.elasticsearch:elasticsearch's .sha1.
        self.distribution = Artifact("org.elasticsearch.distribution.integ-test-zip", "elasticsearch", version, "zip", pinned=("sha512", pinned_sha512))
        self.server_jar = Artifact("org.elasticsearch", "elasticsearch", version)
        self.java_min = java_min
        self.prefer_newest_java = prefer_newest_java
        self.prefix = prefix  # settings fields `<prefix>_port`, `<prefix>_transport_port`, `<prefix>_heap`, `<prefix>_java_home`
        self.env_java_home = env_java_home  # a conventional variable also honoured (ES_JAVA_HOME for 9)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def http_port(self, settings: Settings) -> int:
        return getattr(settings, f"{self.prefix}_port")

    def transport_port(self, settings: Settings) -> int:
        return getattr(settings, f"{self.prefix}_transport_port")

    def heap(self, settings: Settings) -> str:
        return getattr(settings, f"{self.prefix}_heap")

    def java_home(self, settings: Settings) -> Path | None:
        explicit = getattr(settings, f"{self.prefix}_java_home")
        return explicit or (_env_path(self.env_java_home) if self.env_java_home else None)


# Maven Central serves elasticsearch-9.2.0.zip without .sha1/.sha512 files (checked 2026-11-27): the pin is what counts.
ES9 = Release(
    "9.2.0", java_min=21, prefer_newest_java=True, prefix="es", env_java_home="ES_JAVA_HOME", cluster_name="porttrack-dev",
    pinned_sha512="2c624e913bb8712fb1698fc1ab3a241c868228183f089ff3cde17ad7bc7b5a9663454c2af939c65e075663826371e3d4344dca43a55a8aab9594f9a64b01d2c7",
)
# 8.19.21 is the newest 8.19 on Maven Central (2026-12-01) and comes with a .sha1 (and a .sha512 equal to this pin).
# It runs on Java 17+ (checked on 17.0.15 and 25.0.3); the first JDK found is taken (JAVA_HOME, `java` on PATH,
# /usr/lib/jvm), which is the machine's default Java 17 unless JAVA_HOME says otherwise.
ES8 = Release(
    "8.19.21", java_min=17, prefer_newest_java=False, prefix="es8", env_java_home=None, cluster_name="porttrack-dev-8",
    pinned_sha512="cf6b0a93860d329937ae7f913ec5073b0c726c77639764b93fc83a304aa1dd9d4defcfa2849948eea3b0b47c2065f994908603939fc2a4774c9c4d868c5ec1dd",
)
RELEASES = {9: ES9, 8: ES8}

# Kept for importers of the 9.x constants.
VERSION = ES9.version
DISTRIBUTION = ES9.distribution
SERVER_JAR = ES9.server_jar
# The user id Elasticsearch sees when we must start it from root (it refuses to run as root).
_UNPRIVILEGED_ID = "1000"


class Elasticsearch(Service):
    """A single-node Elasticsearch 9: HTTP and transport ports, security off, disk watermarks off, a fixed heap.

    `http_port`/`transport_port` override the settings' ports and `extra_settings` adds lines to
    elasticsearch.yml (a throwaway node for fault tests, see `devservices.testing.throwaway_elasticsearch`).
    """

    name = "elasticsearch"
    release = ES9
    version = ES9.version

    def __init__(
        self,
        settings: Settings,
        *,
        die_with_caller: bool = False,
        http_port: int | None = None,
        transport_port: int | None = None,
        extra_settings: Mapping[str, SettingValue] | None = None,
    ) -> None:
        super().__init__(settings, die_with_caller=die_with_caller)
        self.http_port = http_port if http_port is not None else self.release.http_port(settings)
        self.transport_port = transport_port if transport_port is not None else self.release.transport_port(settings)
        self.extra_settings = dict(extra_settings or {})

    @property
    def home(self) -> Path:
        return self.settings.dist / f"elasticsearch-{self.version}"

    @property
    def endpoint(self) -> str:
        return f"http://{self.settings.host}:{self.http_port}"

    def ports(self) -> Sequence[int]:
        return (self.http_port, self.transport_port)

    def install(self) -> None:
        if (self.home / "bin" / "elasticsearch").is_file():
            return
        archive = fetch(self.release.distribution, self.settings.downloads)
        staging = self.settings.dist / f".elasticsearch-{self.version}.{os.getpid()}"
        remove_tree(staging)
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                bundle.extract(member, staging)
                mode = member.external_attr >> 16
                if mode & stat.S_IXUSR:
                    path = staging / member.filename
                    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        unpacked = staging / f"elasticsearch-{self.version}"
        self._check_server_jar(unpacked / "lib" / self.release.server_jar.filename)
        if self.home.exists():  # another process won the race; keep its copy
            remove_tree(staging)
            return
        os.replace(unpacked, self.home)
        remove_tree(staging)

    def _check_server_jar(self, jar: Path) -> None:
        """Cross-check the unpacked server jar against the one Maven Central publishes with a .sha1."""
        algorithm, want = expected_digest(self.release.server_jar)
        got = file_digest(jar, algorithm)
        if got != want:
            raise ServiceError(
                f"{jar.name} inside {self.release.distribution.filename} has {algorithm} {got}, Maven Central says {want}",
                service=self.name,
            )

    def prepare(self) -> tuple[list[str], Mapping[str, str], Path]:
        s = self.settings
        root = self.process.directory
        config, data, logs, tmp = root / "config", root / "data", root / "logs", root / "tmp"
        if config.exists():
            shutil.rmtree(config)
        shutil.copytree(self.home / "config", config)
        for directory in (data, logs, tmp):
            directory.mkdir(parents=True, exist_ok=True)
        settings: dict[str, SettingValue] = {
            "cluster.name": self.release.cluster_name,
            "node.name": f"{self.release.cluster_name}-1",
            "network.host": s.host,
            "http.port": self.http_port,
            "transport.port": self.transport_port,
            "discovery.type": "single-node",
            "path.data": str(data),
            "path.logs": str(logs),
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
            "xpack.security.enabled": False,
        }
        settings.update(self.extra_settings)
        # JSON scalars (and arrays) are valid YAML, which keeps paths with odd characters safe.
        (config / "elasticsearch.yml").write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items()))
        heap = self.release.heap(s)
        (config / "jvm.options.d" / "porttrack-dev.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
        java_home = find_java_home(
            self.release.java_min, explicit=self.release.java_home(s), service=self.name, prefer_newest=self.release.prefer_newest_java
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("ES_") and k != "JAVA_HOME"}
        env.update(ES_JAVA_HOME=str(java_home), ES_PATH_CONF=str(config), ES_TMPDIR=str(tmp))
        argv = [str(self.home / "bin" / "elasticsearch")]
        if os.geteuid() == 0:
            argv = _without_root(argv)
        return argv, env, root

    def healthy(self) -> bool:
        url = f"{self.endpoint}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=3.0) as response:
                return json.loads(response.read()).get("status") in ("yellow", "green")
        except (urllib.error.URLError, OSError, ValueError):
            return False


class Elasticsearch8(Elasticsearch):
    """The same single-node test cluster on Elasticsearch 8.19, on its own ports and state directory."""

    name = "elasticsearch8"
    release = ES8
    version = ES8.version


def server_version(url: str, timeout: float = 10.0) -> str | None:
    """The version a node at `url` reports (`GET /_nodes/_local`; the integ-test-zip has no `GET /`), or None."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_nodes/_local?filter_path=nodes.*.version", timeout=timeout) as response:
            nodes = json.loads(response.read()).get("nodes", {})
    except (urllib.error.URLError, OSError, ValueError):
        return None
    versions = [node.get("version") for node in nodes.values()]
    return versions[0] if versions and isinstance(versions[0], str) else None


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _without_root(argv: list[str]) -> list[str]:
    """Run `argv` in a user namespace where it is not uid 0: Elasticsearch refuses root, the files stay root's."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise ServiceError(
            "Elasticsearch refuses to run as root and `unshare` (util-linux) is missing; run the tool as a normal user",
            service="elasticsearch",
        )
    return [unshare, "--user", f"--map-user={_UNPRIVILEGED_ID}", f"--map-group={_UNPRIVILEGED_ID}", *argv]
