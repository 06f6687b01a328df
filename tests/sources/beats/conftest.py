"""Beats tests: the go-lumber client (built once per session), a server on a free port, a consumer."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

from porttrack_logs.acks import DELIVERED, Status
from porttrack_logs.sinks.base import provenance
from porttrack_logs.sources.base import Batch, SourceClosed
from porttrack_logs.sources.beats import BeatsServer


@dataclass
class Client:
    """A running golumber process."""

    process: subprocess.Popen

    def result(self, timeout: float = 180) -> dict:
        """Wait for the client to finish; its JSON summary (with its exit code)."""
        out, err = self.process.communicate(timeout=timeout)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        summary = json.loads(lines[-1]) if lines else {}
        summary["returncode"] = self.process.returncode
        summary["stderr"] = err
        return summary

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def run_client(golumber: Path) -> Iterator[Callable[..., Client]]:
    """Start golumber against a port: `run_client(port, n=..., conns=..., window=..., ...)`."""
    started: list[Client] = []

    def run(port: int, **options: object) -> Client:
        args = [str(golumber), "-addr", f"127.0.0.1:{port}"]
        for key, value in options.items():
            value = str(value).lower() if isinstance(value, bool) else str(value)
            args.append(f"-{key.replace('_', '-')}={value}")  # `-flag=value`: Go's bool flags take no separate value
        client = Client(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        started.append(client)
        return client

    yield run
    for client in started:
        client.kill()


@dataclass
class Arrival:
    """One event as the consumer saw it."""

    id: str
    n: int | None
    original: bytes
    place: str


@dataclass
class Consumer:
    """Polls a source on its own thread and settles each batch with `decide(batch)` (None: hold it)."""

    source: BeatsServer
    decide: Callable[[Batch], Status | None] = lambda batch: DELIVERED
    arrivals: list[Arrival] = field(default_factory=list)
    held: list[Batch] = field(default_factory=list)
    batches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                batch = self.source.poll(0.2)
            except SourceClosed:
                return
            if batch is None:
                continue
            with self.lock:
                self.batches += 1
                for event in batch.events:
                    info = provenance(event)
                    self.arrivals.append(Arrival(info["id"], event.get("n"), info["original"], info["place"]))
                status = self.decide(batch)
                if status is None:
                    self.held.append(batch)
                    continue
            batch.ack.settle(0, len(batch), status)

    def release_held(self, status: Status = DELIVERED) -> int:
        """Settle every held batch (call after changing what `decide` answers); how many there were."""
        with self.lock:
            held, self.held = self.held, []
        for batch in held:
            batch.ack.settle(0, len(batch), status)
        return len(held)

    def distinct_ids(self) -> set[str]:
        with self.lock:
            return {a.id for a in self.arrivals}

    def numbers(self) -> set[int]:
        with self.lock:
            return {a.n for a in self.arrivals}


@pytest.fixture
def beats_server() -> Iterator[Callable[..., BeatsServer]]:
    """Start a BeatsServer on a free loopback port: `beats_server(**options)`; closed after the test."""
    servers: list[BeatsServer] = []

    def start(**options: object) -> BeatsServer:
        options.setdefault("host", "127.0.0.1")
        options.setdefault("port", 0)
        server = BeatsServer(**options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def consume() -> Callable[..., Consumer]:
    """A Consumer of a server: `consume(server, decide=...)`."""
    return Consumer
