"""`--workers N`: N sidecar processes under one supervising parent (Logstash's `pipeline.workers`,
as processes: one Python process runs on one core).

Each child is `python -m porttrack_logs.cli run -f CONF ... --worker-index I`: it reads and compiles
the configuration itself (nothing compiled is pickled across), its Kafka inputs join the same
consumer group (the broker splits the partitions between the workers), its Beats servers bind the
same port with SO_REUSEPORT (the kernel spreads the connections), and it writes its own dead letter
queue, `DIR/worker-I` (a queue has one writer). The parent:

- forwards SIGTERM/SIGINT to every child (each drains and acknowledges on its own); a second
  signal is forwarded too (the children exit at once) and the parent exits 128+signal;
- when a child exits while nobody asked it to (a crash, kill -9), stops the others the same way
  and exits 4 naming it: the orchestrator restarts the pod, and what the dead child had not
  acknowledged is read again (Kafka by the group's next member, Beats by its client's resend);
- serves `/metrics` as the sum over the children (prometheus_client's multiprocess mode: the
  children write their families to files in a directory the parent made), `/healthz` (every
  child alive and its loop turning) and `/readyz` (every child ready), from the small status file
  each child replaces at every tick.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import json
from pathlib import Path
from typing import Any

__all__ = ["supervise", "EXIT_WORKER_DIED"]

log = logging.getLogger("porttrack_logs.runtime.workers")

EXIT_WORKER_DIED = 4
STATUS_STALE_SECONDS = 30.0  #: a child whose status file is older than this is not live
KILL_GRACE_SECONDS = 15.0  #: after the shutdown timeout, how long children may take before they are killed


class _Children:
    """The worker processes and what the parent knows of them."""

    def __init__(self, processes: list[subprocess.Popen], status_dir: Path) -> None:
        self.processes = processes
        self.status_dir = status_dir

    def status(self, index: int) -> dict[str, Any] | None:
        try:
            return json.loads((self.status_dir / f"worker-{index}.json").read_text())
        except (OSError, ValueError):
            return None

    def live(self) -> tuple[bool, str]:
        for i, process in enumerate(self.processes):
            if process.poll() is not None:
                return False, f"worker {i} (pid {process.pid}) exited with {process.returncode}"
            state = self.status(i)
            if state is None:
                continue  # still starting: alive as a process
            if time.time() - state["time"] > STATUS_STALE_SECONDS:
                return False, f"worker {i} (pid {process.pid}) has not reported for {time.time() - state['time']:.0f}s"
            if not state["live"]:
                return False, f"worker {i}: {state['why_live']}"
        return True, f"ok: {len(self.processes)} workers"

    def ready(self) -> tuple[bool, str]:
        live, why = self.live()
        if not live:
            return False, why
        for i in range(len(self.processes)):
            state = self.status(i)
            if state is None:
                return False, f"worker {i}: starting"
            if not state["ready"]:
                return False, f"worker {i}: {state['why_ready']}"
        return True, f"ok: {len(self.processes)} workers ready"

    def signal_all(self, signum: int) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    process.send_signal(signum)
                except ProcessLookupError:
                    pass


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the parent dies (Linux PR_SET_PDEATHSIG), so a
    killed supervisor leaves no worker behind in its own session; elsewhere, nothing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def supervise(
    child_arguments: list[str],
    workers: int,
    *,
    dead_letters: str,
    http_host: str = "127.0.0.1",
    http_port: int | None = None,
    shutdown_timeout: float = 30.0,
) -> int:
    """Run `workers` children of `run child_arguments` until a signal or a child's death; the exit code."""
    from prometheus_client import CollectorRegistry
    from prometheus_client import multiprocess

    metrics_dir = Path(tempfile.mkdtemp(prefix="porttrack-metrics-"))
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PORTTRACK_STATUS_DIR": str(metrics_dir)}
    processes: list[subprocess.Popen] = []
    signals = [0]
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        signals[0] += 1
        if signals[0] > 1:
            log.warning("%s again: the workers exit at once", signal.Signals(signum).name)
            children.signal_all(signum)
            os._exit(128 + signum)
        log.info("%s: asking %d workers to drain and stop", signal.Signals(signum).name, len(processes))
        stopping.set()
        children.signal_all(signum)

    children = _Children(processes, metrics_dir)
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    status = None
    try:
        for index in range(workers):
            arguments = [*child_arguments, "--dead-letters", str(Path(dead_letters) / f"worker-{index}"), "--worker-index", str(index)]
            # a session of its own: a Ctrl-C at a terminal reaches the parent only, which forwards it once
            # (the process group would get it too, and a second signal means "exit at once")
            process = subprocess.Popen([sys.executable, "-m", "porttrack_logs.cli", "run", *arguments], env=env,
                                       start_new_session=True, preexec_fn=_die_with_parent)
            processes.append(process)
            log.info("worker %d started (pid %d)", index, process.pid, extra={"worker": index, "pid": process.pid})
        if http_port is not None:
            from .http import StatusServer

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=str(metrics_dir))
            status = StatusServer(http_host, http_port, registry, children.live, children.ready)
            status.start()
        died: list[str] = []
        deadline: float | None = None
        codes: dict[int, int] = {}
        while len(codes) < len(processes):
            for index, process in enumerate(processes):
                if index in codes or process.poll() is None:
                    continue
                codes[index] = process.returncode
                multiprocess.mark_process_dead(process.pid, str(metrics_dir))
                if not stopping.is_set():
                    died.append(f"worker {index} (pid {process.pid}) exited with {process.returncode}")
                    log.error("worker %d (pid %d) exited with %d while nobody asked it to: stopping the others",
                              index, process.pid, process.returncode, extra={"worker": index, "pid": process.pid, "code": process.returncode})
                    stopping.set()
                    children.signal_all(signal.SIGTERM)
                else:
                    log.info("worker %d (pid %d) exited with %d", index, process.pid, process.returncode,
                             extra={"worker": index, "pid": process.pid, "code": process.returncode})
            if stopping.is_set() and deadline is None:
                deadline = time.monotonic() + shutdown_timeout + KILL_GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                log.error("workers still running %gs after the stop: killing them", shutdown_timeout + KILL_GRACE_SECONDS)
                children.signal_all(signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.1)
        if died:
            log.error("stopped because %s", "; ".join(died))
            return EXIT_WORKER_DIED
        worst = max(codes.values(), default=0)
        log.info("all %d workers stopped (exit codes %s)", workers, [codes[i] for i in sorted(codes)])
        return worst
    finally:
        children.signal_all(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=shutdown_timeout + KILL_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
        if status is not None:
            status.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)
