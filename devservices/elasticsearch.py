"""Elasticsearch 9 from Maven Central's integ-test-zip, as a single-node test cluster on loopback."""

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

VERSION = "9.2.0"
# Maven Central serves elasticsearch-9.2.0.zip without .sha1/.sha512 files (checked 2026-11-27), so its digest
# is pinned here; the server jar inside it is additionally checked against org.elasticsearch:elasticsearch's .sha1.
DISTRIBUTION = Artifact(
    "org.elasticsearch.distribution.integ-test-zip", "elasticsearch", VERSION, "zip",
    pinned=("sha512", "2c624e913bb8712fb1698fc1ab3a241c868228183f089ff3cde17ad7bc7b5a9663454c2af939c65e075663826371e3d4344dca43a55a8aab9594f9a64b01d2c7"),
)
SERVER_JAR = Artifact("org.elasticsearch", "elasticsearch", VERSION)
# The user id Elasticsearch sees when we must start it from root (it refuses to run as root).
_UNPRIVILEGED_ID = "1000"


class Elasticsearch(Service):
    """A single-node Elasticsearch: HTTP on `es_port`, security off, disk watermarks off, heap `es_heap`."""

    name = "elasticsearch"
    version = VERSION

    @property
    def home(self) -> Path:
        return self.settings.dist / f"elasticsearch-{VERSION}"

    @property
    def endpoint(self) -> str:
        return f"http://{self.settings.host}:{self.settings.es_port}"

    def ports(self) -> Sequence[int]:
        return (self.settings.es_port, self.settings.es_transport_port)

    def install(self) -> None:
        if (self.home / "bin" / "elasticsearch").is_file():
            return
        archive = fetch(DISTRIBUTION, self.settings.downloads)
        staging = self.settings.dist / f".elasticsearch-{VERSION}.{os.getpid()}"
        remove_tree(staging)
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                bundle.extract(member, staging)
                mode = member.external_attr >> 16
                if mode & stat.S_IXUSR:
                    path = staging / member.filename
                    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        unpacked = staging / f"elasticsearch-{VERSION}"
        self._check_server_jar(unpacked / "lib" / SERVER_JAR.filename)
        if self.home.exists():  # another process won the race; keep its copy
            remove_tree(staging)
            return
        os.replace(unpacked, self.home)
        remove_tree(staging)

    @staticmethod
    def _check_server_jar(jar: Path) -> None:
        """Cross-check the unpacked server jar against the one Maven Central publishes with a .sha1."""
        algorithm, want = expected_digest(SERVER_JAR)
        got = file_digest(jar, algorithm)
        if got != want:
            raise ServiceError(f"{jar.name} inside {DISTRIBUTION.filename} has {algorithm} {got}, Maven Central says {want}", service="elasticsearch")

    def prepare(self) -> tuple[list[str], Mapping[str, str], Path]:
        s = self.settings
        root = self.process.directory
        config, data, logs, tmp = root / "config", root / "data", root / "logs", root / "tmp"
        if config.exists():
            shutil.rmtree(config)
        shutil.copytree(self.home / "config", config)
        for directory in (data, logs, tmp):
            directory.mkdir(parents=True, exist_ok=True)
        settings = {
            "cluster.name": "porttrack-dev",
            "node.name": "porttrack-dev-1",
            "network.host": s.host,
            "http.port": s.es_port,
            "transport.port": s.es_transport_port,
            "discovery.type": "single-node",
            "path.data": str(data),
            "path.logs": str(logs),
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
            "xpack.security.enabled": False,
        }
        # JSON scalars are valid YAML scalars, which keeps paths with odd characters safe.
        (config / "elasticsearch.yml").write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items()))
        (config / "jvm.options.d" / "porttrack-dev.options").write_text(f"-Xms{s.es_heap}\n-Xmx{s.es_heap}\n")
        java_home = find_java_home(21, explicit=s.es_java_home or _env_path("ES_JAVA_HOME"), service=self.name, prefer_newest=True)
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
