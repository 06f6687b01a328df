"""What every development service does: install once, start idempotently, wait for health, report, stop."""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import socket
import time
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from devservices.errors import ServiceError
from devservices.process import ServerProcess
from devservices.settings import Settings


class StartResult:
    """What `start` did: `started` False means it was already running; seconds spent fetching and starting."""

    __slots__ = ("service", "started", "endpoint", "fetch_seconds", "start_seconds", "pid")

    def __init__(self, service: str, started: bool, endpoint: str, pid: int, fetch_seconds: float = 0.0, start_seconds: float = 0.0) -> None:
        self.service, self.started, self.endpoint, self.pid = service, started, endpoint, pid
        self.fetch_seconds, self.start_seconds = fetch_seconds, start_seconds

    def describe(self) -> str:
        """One line for the terminal."""
        if not self.started:
            return f"{self.service}: already running at {self.endpoint} (pid {self.pid})"
        return (
            f"{self.service}: started at {self.endpoint} (pid {self.pid}) in {self.start_seconds:.1f}s"
            f" (+{self.fetch_seconds:.1f}s fetch/unpack)"
        )


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class Service:
    """Base of `Elasticsearch` and `Kafka`; subclasses fill in install, configuration, command and health."""

    name = ""
    version = ""

    def __init__(self, settings: Settings, *, die_with_caller: bool = False) -> None:
        self.settings = settings
        self.die_with_caller = die_with_caller  # tests: the server dies with the thread that started it
        self.process = ServerProcess(self.name, settings.state_root / self.name)

    # --- what subclasses provide -------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        raise NotImplementedError

    def ports(self) -> Sequence[int]:
        """Loopback ports the server binds; checked free before start."""
        raise NotImplementedError

    def install(self) -> None:
        """Fetch and unpack the server into the cache (no-op when already there)."""
        raise NotImplementedError

    def prepare(self) -> tuple[list[str], Mapping[str, str], Path]:
        """Write the configuration into the state directory and return (argv, environment, cwd)."""
        raise NotImplementedError

    def healthy(self) -> bool:
        """One quick health probe; False while the server is still starting."""
        raise NotImplementedError

    # --- shared behaviour ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Serialise start/stop/reset of this service across processes (two shells, a test and the CLI)."""
        self.process.directory.mkdir(parents=True, exist_ok=True)
        with (self.process.directory / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def status(self) -> dict | None:
        """State of the running server, or None when stopped (a stale state file is cleaned up)."""
        return self.process.running()

    def start(self) -> StartResult:
        """Start the server unless it already runs; wait until healthy or fail with the log's last lines."""
        with self._exclusive():
            return self._start()

    def _start(self) -> StartResult:
        state = self.process.running()
        if state is not None:
            return StartResult(self.name, False, state["endpoint"], state["pid"])
        busy = [port for port in self.ports() if port_open(self.settings.host, port)]
        if busy:
            raise ServiceError(
                f"port(s) {busy} on {self.settings.host} are taken by a process this tool did not start; "
                f"stop it or choose other ports (see `python3 -m devservices env`)",
                service=self.name,
            )
        began = time.monotonic()
        self.install()
        installed = time.monotonic()
        argv, env, cwd = self.prepare()
        state = self.process.launch(argv, env=env, cwd=cwd, endpoint=self.endpoint, die_with_caller=self.die_with_caller)
        deadline = installed + self.settings.start_timeout
        while True:
            if not self.process.alive(state):
                self.process.stop(grace=5.0)
                raise ServiceError(
                    f"the server exited during start-up; last lines of {self.process.log_file}:\n{self.process.tail()}",
                    service=self.name, log_tail=self.process.tail(),
                )
            if self.healthy():
                break
            if time.monotonic() > deadline:
                tail = self.process.tail()
                self.process.stop(grace=10.0)
                raise ServiceError(
                    f"not healthy after {self.settings.start_timeout:.0f}s (PORTTRACK_START_TIMEOUT); "
                    f"last lines of {self.process.log_file}:\n{tail}",
                    service=self.name, log_tail=tail,
                )
            time.sleep(0.25)
        done = time.monotonic()
        return StartResult(self.name, True, self.endpoint, state["pid"], installed - began, done - installed)

    def stop(self) -> bool:
        """Stop the server (SIGTERM, wait, SIGKILL); True if one was running, False if already stopped."""
        with self._exclusive():
            return self.process.stop()

    def kill(self) -> list[int]:
        """SIGKILL the server's whole process group without warning (fault tests); the pids killed ([] if none ran)."""
        with self._exclusive():
            return self.process.kill()

    def reset(self) -> bool:
        """Stop the server and delete its data, configuration and logs (the download cache stays)."""
        with self._exclusive():
            was_running = self.process.stop()
            for entry in self.process.directory.iterdir():
                if entry.name != ".lock":
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            return was_running
