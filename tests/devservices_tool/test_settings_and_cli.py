"""Settings from the environment, JDK discovery, the Kafka lock file, and the command line's exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from devservices.errors import ServiceError
from devservices.java import find_java_home, major_version
from devservices.kafka import CLUSTER_ID, locked_artifacts
from devservices.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_environment_overrides_ports_and_directories(tmp_path):
    """PORTTRACK_* variables replace the defaults; the run directory defaults to <cache>/run."""
    settings = Settings.from_env({"PORTTRACK_ES_PORT": "29200", "PORTTRACK_KAFKA_PORT": "29092", "PORTTRACK_CACHE_DIR": str(tmp_path)})

    assert (settings.es_port, settings.kafka_port, settings.state_root) == (29200, 29092, tmp_path / "run")


def test_defaults_use_uncommon_loopback_ports():
    """Without variables the services stay off the well-known 9200/9092 ports, on loopback; 8.x sits beside 9.x."""
    settings = Settings.from_env({})

    assert (settings.host, settings.es_port, settings.es8_port, settings.es8_transport_port, settings.kafka_port) == (
        "127.0.0.1", 19200, 19201, 19301, 19092,
    )


def test_es8_variables_set_its_own_ports_heap_and_jdk(tmp_path):
    """PORTTRACK_ES8_* reach the 8.x node's fields and leave the 9.x node's alone."""
    settings = Settings.from_env({
        "PORTTRACK_ES8_PORT": "29201", "PORTTRACK_ES8_TRANSPORT_PORT": "29301", "PORTTRACK_ES8_HEAP": "640m",
        "PORTTRACK_ES8_JAVA_HOME": str(tmp_path),
    })

    assert (settings.es8_port, settings.es8_transport_port, settings.es8_heap, settings.es8_java_home, settings.es_port, settings.es_heap) == (
        29201, 29301, "640m", tmp_path, 19200, "768m",
    )


def test_every_variable_the_settings_read_is_documented():
    """Each PORTTRACK_* variable `from_env` maps is listed in ENVIRONMENT (what `devservices env` prints)."""
    import inspect

    from devservices.settings import ENVIRONMENT

    read = set(re.findall(r'"(PORTTRACK_[A-Z0-9_]+)"', inspect.getsource(Settings.from_env)))

    assert read - set(ENVIRONMENT) == set() and "PORTTRACK_ES8_URL" in ENVIRONMENT


def test_bad_port_in_environment_is_rejected():
    """A non-numeric port is a validation error naming the field, not a crash later."""
    with pytest.raises(ValidationError, match="es_port"):
        Settings.from_env({"PORTTRACK_ES_PORT": "ninety-two"})


def fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\n")
    (home / "release").write_text(f'IMPLEMENTOR="test"\nJAVA_VERSION="{version}"\n')
    return home


def test_major_version_is_read_from_the_release_file(tmp_path):
    """`JAVA_VERSION="21.0.5"` means major 21; a folder without a release file is not a JDK."""
    assert (major_version(fake_jdk(tmp_path, "jdk", "21.0.5")), major_version(tmp_path)) == (21, None)


def test_explicit_java_home_older_than_required_is_refused(tmp_path):
    """Asking for Java 21 with an explicit Java 17 home fails with a hint, instead of a JVM error at start."""
    old = fake_jdk(tmp_path, "jdk17", "17.0.15")

    with pytest.raises(ServiceError, match="not a Java 21\\+ JDK"):
        find_java_home(21, explicit=old, service="elasticsearch", prefer_newest=True)


def test_kafka_lock_lists_the_broker_and_its_logging_bridge():
    """The lock file pins kafka_2.13 at the tool's version plus the slf4j→log4j2 bridge that makes logs appear."""
    names = {(a.name, a.version) for a in locked_artifacts()}

    assert {("kafka_2.13", "4.4.0"), ("log4j-slf4j-impl", "2.25.5")} <= names


def test_kafka_cluster_id_has_kraft_format():
    """The fixed cluster id is 16 bytes in unpadded base64url, the form `kafka-storage format -t` expects."""
    assert len(CLUSTER_ID) == 22 and "=" not in CLUSTER_ID


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORTTRACK_RUN_DIR": str(tmp_path / "run"), "PORTTRACK_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "devservices", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_cli_status_of_stopped_services_exits_3(tmp_path):
    """`status` on stopped services prints 'stopped' for each of the three and exits 3, so scripts can test it."""
    done = run_cli(tmp_path, "status", "all")

    assert (done.returncode, done.stdout.splitlines()) == (3, ["elasticsearch: stopped", "elasticsearch8: stopped", "kafka: stopped"])


def test_cli_env_prints_the_fixture_variables_of_all_three(tmp_path):
    """`env` prints one export line per service, with the URL each fixture reads, at the configured ports."""
    env_ports = {"PORTTRACK_ES_PORT": "29200", "PORTTRACK_ES8_PORT": "29201", "PORTTRACK_KAFKA_PORT": "29092"}
    done = subprocess.run(
        [sys.executable, "-m", "devservices", "env"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, **env_ports, "PORTTRACK_RUN_DIR": str(tmp_path / "run")},
    )

    assert done.stdout.splitlines() == [
        "export PORTTRACK_ES_URL=http://127.0.0.1:29200",
        "export PORTTRACK_ES8_URL=http://127.0.0.1:29201",
        "export PORTTRACK_KAFKA_BOOTSTRAP=127.0.0.1:29092",
    ]


def test_cli_stop_of_stopped_service_succeeds(tmp_path):
    """`stop` when nothing runs says so and exits 0."""
    done = run_cli(tmp_path, "stop", "es")

    assert (done.returncode, done.stdout.strip()) == (0, "elasticsearch: was not running")


def test_cli_unknown_service_is_an_error(tmp_path):
    """An unknown service name exits 1 with the accepted names."""
    done = run_cli(tmp_path, "start", "redis")

    assert (done.returncode, "choose es, es8, kafka or all" in done.stderr) == (1, True)


def test_cli_logs_prints_the_log_file_name_and_tail(tmp_path):
    """`logs kafka -n 2` names the log file and prints its last two lines."""
    log = tmp_path / "run" / "kafka" / "server.log"
    log.parent.mkdir(parents=True)
    log.write_text("one\ntwo\nthree\n")

    done = run_cli(tmp_path, "logs", "kafka", "-n", "2")

    assert done.stdout.splitlines() == [f"==> {log} <==", "two", "three"]
