"""The sidecar: network inputs (beats, kafka) through the pipeline to the outputs until a signal.

The command-line contract (stable; `porttrack-logs run --help` has the rest):

    python -m porttrack_logs.cli run -f CONF [--dead-letters DIR] [--workers N | -w N]
        [--http-host H (127.0.0.1)] [--http-port P (off; the k8s manifest uses 9600)]
        [--log-format json|text] [--shutdown-timeout SECONDS (30)]

    runs until SIGTERM/SIGINT when CONF has a beats or kafka input; exits when file/stdin inputs end.
    exit 0   drained: everything read was delivered or dead-lettered, and acknowledged
    exit 1   a configuration or start-up error (one line naming the place)
    exit 3   --shutdown-timeout passed while draining: the outputs were stopped, what they held was
             NOT acknowledged (named in the last log line) and is read again on the next start
    exit 4   a source (or, with --workers, a worker process) ended on its own
    exit 128+signal   a second signal: at once, nothing acknowledged that was not delivered

    --workers N (-w N, 'auto' = one per core; default 1): N child processes under a supervising
    parent (runtime.workers); each child's dead letter queue is DIR/worker-I; the parent serves the
    HTTP endpoints (metrics summed over the children) and exits 4 when a child dies unasked.
    Log lines a supervisor or test may rely on (JSON: "message" and "fields"):
      "running: ..."              fields.inputs, fields.outputs (plugin ids), once the sources started
      "drained and closed: ..."   fields.read, emitted, dropped, rejected, outputs{id: {outcome: n}}
      "shut down after ...s without draining: ..."   fields.abandoned (events read, not acknowledged)
      "worker I started (pid P)"  fields.worker, fields.pid (the parent); children's lines carry fields.worker

How: the sources run on their own threads (Kafka's consumer thread, the Beats asyncio loop) and are
polled through an `Intake` (bounded hand-over; a busy loop polls nothing, so a slow output slows the
sources). Each batch goes through `runtime.loop.run_loop`, the same loop the file job uses: the
pipeline, the dead letter queue for decode/filter/routing failures, the routed outputs held per
output, and the batch's `Ack` settled once per event when every output answered and the dead letter
queue is synced; an Elasticsearch output writes on a thread of its own (one request in flight, one
delivery batch waiting), so the pipeline works while a request is out. On the first SIGTERM/SIGINT the intake stops taking batches, the loop drains and
settles what it holds, then the sources are closed (Kafka commits what is settled and leaves its
group; Beats has sent its acks) and the outputs closed. A watchdog bounds this by
`--shutdown-timeout`: past it every output is `stop()`ped, its blocked write raises
`DeliveryStopped`, and the process exits 3 without acknowledging what was not delivered.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..errors import ConfigError, DeliveryStopped
from ..pipeline import Pipeline
from ..sinks.dead_letter import DeadLetterQueue
from ..sources.base import Source
from .intake import Intake
from .loop import RunSummary, run_loop
from .routing import Router
from .telemetry import Telemetry

__all__ = ["SidecarOptions", "run_sidecar", "EXIT_OK", "EXIT_ABANDONED", "EXIT_SOURCE_ENDED"]

log = logging.getLogger("porttrack_logs.runtime.sidecar")

EXIT_OK = 0
EXIT_ABANDONED = 3
EXIT_SOURCE_ENDED = 4
GRACE_SECONDS = 10.0  #: after stopping the outputs, how long the loop may take to notice before the process exits anyway


@dataclass
class SidecarOptions:
    """How the sidecar runs (from the command line)."""

    shutdown_timeout: float = 30.0
    http_host: str = "127.0.0.1"
    http_port: int | None = None  # None: no HTTP endpoints
    install_signals: bool = True  # False when not on the main thread (tests drive `Sidecar.request_stop`)
    intake_capacity: int = 4
    batch_size: int = 125  # events per Pipeline.process call (a bigger read is split: pipeline.BATCH_SIZE)


class Sidecar:
    """One run: start the sources, run the loop until stopped, drain, close. `request_stop` is what a signal does."""

    def __init__(
        self,
        pipeline: Pipeline,
        sources: Sequence[Source],
        router: Router,
        dead_letters: DeadLetterQueue,
        telemetry: Telemetry,
        options: SidecarOptions,
        *,
        on_done: Callable[[dict[str, int]], Any] | None = None,
    ) -> None:
        self.pipeline, self.sources, self.router, self.dead_letters = pipeline, list(sources), router, dead_letters
        self.telemetry, self.options, self.on_done = telemetry, options, on_done
        self.health = telemetry.health
        self.intake = Intake(self.sources, capacity=options.intake_capacity, on_batch=telemetry.received)
        self.summary = RunSummary()
        self.abandoned = False
        self.signals = 0
        self._finished = threading.Event()  # the loop ended (drained or stopped)
        self._stop_lock = threading.Lock()
        self._acknowledged = [0]

    # -- stopping -------------------------------------------------------------------------------

    def request_stop(self, why: str = "asked to stop") -> None:
        """The first call: stop the intake, drain, and arm the watchdog. Thread-safe; later calls do nothing."""
        with self._stop_lock:
            if self.intake.stopping:
                return
            self.intake.stop()
        self.health.draining = True
        log.info("%s: stopping the inputs, draining what is in flight (at most %gs)", why, self.options.shutdown_timeout,
                 extra={"shutdown_timeout": self.options.shutdown_timeout})
        threading.Thread(target=self._watchdog, name="shutdown-watchdog", daemon=True).start()

    def _watchdog(self) -> None:
        if self._finished.wait(self.options.shutdown_timeout):
            return
        self.abandoned = True
        blocked = self.health.writing
        log.error("the drain did not finish within %gs%s: stopping the outputs; what they hold is not acknowledged",
                  self.options.shutdown_timeout, f" (output {blocked} is blocked)" if blocked else "",
                  extra={"blocked_output": blocked})
        for sink in self.router.outputs:
            try:
                sink.stop()
            except Exception:  # noqa: BLE001
                log.exception("stopping output %s failed", getattr(sink, "name", sink))
        if not self._finished.wait(GRACE_SECONDS):
            log.error("the loop did not end %gs after the outputs were stopped: exiting now, nothing more acknowledged", GRACE_SECONDS)
            os._exit(EXIT_ABANDONED)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        if self.signals > 1:
            log.warning("%s again: exiting at once; nothing not delivered was acknowledged", name)
            os._exit(128 + signum)
        self.request_stop(name)

    # -- running --------------------------------------------------------------------------------

    def _start_sources(self) -> None:
        started: list[Source] = []
        for source in self.sources:
            try:
                source.start()
            except (OSError, ConfigError, RuntimeError) as exc:
                for other in started:
                    other.close()
                raise ConfigError(f"input {source.name}: cannot start: {exc}") from exc
            started.append(source)
            log.info("%s: started", source.name, extra={"source": source.name})

    def run(self) -> int:
        """Run until stopped; the exit code (see the module docstring)."""
        options = self.options
        telemetry = self.telemetry
        telemetry.watch(self.sources, self.dead_letters)
        status = None
        if options.http_port is not None:
            from .http import StatusServer

            status = StatusServer(options.http_host, options.http_port, telemetry.registry, self.health.live, self.health.ready)
            status.start()
        previous: dict[int, Any] = {}
        if options.install_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self._start_sources()
            self.health.started = True
            telemetry.tick(self.summary)
            log.info("running: %d input(s), %d output(s)", len(self.sources), len(self.router.outputs),
                     extra={"inputs": [s.name for s in self.sources], "outputs": [s.name for s in self.router.outputs]})
            stopped: DeliveryStopped | None = None
            try:
                run_loop(self.intake, self.pipeline, self.router, self.dead_letters, summary=self.summary,
                         on_done=self.on_done, tick=telemetry.tick, writing=self.health.writing_to,
                         background=[_remote(sink) for sink in self.router.outputs], batch_size=options.batch_size,
                         count_levels=False)
            except DeliveryStopped as exc:
                stopped = exc
            finally:
                self._finished.set()
                self.health.draining = True
                self.intake.stop()
                self.intake.join()
                self._close_sources()
            return self._report(stopped)
        finally:
            if status is not None:
                status.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _close_sources(self) -> None:
        for source in self.sources:
            try:
                source.close()
            except Exception:  # noqa: BLE001
                log.exception("%s: closing failed", source.name)

    def _report(self, stopped: DeliveryStopped | None) -> int:
        summary = self.summary
        fields = {
            "read": summary.read, "emitted": summary.emitted, "dropped": summary.dropped, "rejected": summary.rejected,
            "outputs": {name: {o.name.lower(): n for o, n in c.items()} for name, c in summary.outputs.items()},
        }
        if stopped is not None or self.abandoned:
            unsettled = summary.read - summary.settled
            blocked = self.health.writing
            log.error(
                "shut down after %gs without draining: %d event(s) read from %s were abandoned, not acknowledged "
                "(read again on the next start)%s%s", self.options.shutdown_timeout, unsettled,
                ", ".join(s.name for s in self.sources), f"; output {blocked} was blocked" if blocked else "",
                f": {stopped}" if stopped is not None else "", extra={**fields, "abandoned": unsettled, "blocked_output": blocked})
            return EXIT_ABANDONED
        if self.intake.failures and self.signals == 0:
            log.error("input(s) ended on their own: %s", "; ".join(f"{k}: {v}" for k, v in self.intake.failures.items()), extra=fields)
            return EXIT_SOURCE_ENDED
        log.info("drained and closed: read %d, emitted %d, dropped %d, rejected %d", summary.read, summary.emitted,
                 summary.dropped, summary.rejected, extra=fields)
        return EXIT_OK


def _remote(sink: Any) -> bool:
    """Whether an output writes on a thread of its own: a remote destination (Elasticsearch), whose
    request wait the pipeline can use; local files keep writing on the loop's thread."""
    from ..sinks.elasticsearch.sink import ElasticsearchSink

    return isinstance(sink, ElasticsearchSink) or bool(getattr(sink, "background", False))


def run_sidecar(
    pipeline: Pipeline,
    sources: Sequence[Source],
    router: Router,
    dead_letters: DeadLetterQueue,
    telemetry: Telemetry,
    options: SidecarOptions,
    *,
    on_done: Callable[[dict[str, int]], Any] | None = None,
) -> int:
    """Run the sidecar until a signal (or every source ended); the exit code."""
    return Sidecar(pipeline, sources, router, dead_letters, telemetry, options, on_done=on_done).run()

