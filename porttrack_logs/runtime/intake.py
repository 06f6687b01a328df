"""The sidecar's intake: the batches of every started source, merged, as one stoppable iterator.

One source is polled on the loop's own thread; several get one poller thread each, handing over
through one queue of `capacity` batches. Either way the loop pulls: while it is busy (an output
blocked, a long batch) nothing more is polled, each source's own bound stops its reading (Kafka
pauses its partitions, Beats stops reading its connections), and the batches polled but not yet
done are at most `capacity` plus one per poller. `stop()` (any thread, e.g. a signal handler) ends
the iteration at the next batch boundary: what was handed over is drained by the loop; a batch a
poller took after the stop is never processed, so never acknowledged (it is read again).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable, Iterator, Sequence

from ..sources.base import Batch, Source, SourceClosed
from .loop import IDLE

__all__ = ["Intake", "FileFeed"]

log = logging.getLogger("porttrack_logs.runtime.intake")

POLL_TIMEOUT = 0.2  #: seconds a poll waits before the loop is told the source is idle


class Intake:
    """`iter(intake)`: Batch (or ReadBatch from a `FileFeed`) and `IDLE` items until `stop()` or every source closed."""

    def __init__(
        self,
        sources: Sequence[Source],
        *,
        capacity: int = 4,
        poll_timeout: float = POLL_TIMEOUT,
        on_batch: Callable[[str, int], Any] | None = None,
    ) -> None:
        self.sources = list(sources)
        self.capacity = capacity
        self.poll_timeout = poll_timeout
        self.on_batch = on_batch  # (source name, events): counted as they come in
        self.failures: dict[str, str] = {}  # sources that closed on their own, with why
        self.polled = 0  # batches taken from the sources (a test reads it for the in-flight bound)
        self._stop = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=capacity)
        self._threads: list[threading.Thread] = []

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop taking batches from the sources (their intake); the loop drains what it has. Thread-safe."""
        self._stop.set()

    def __iter__(self) -> Iterator[Any]:
        if len(self.sources) == 1:
            return self._direct(self.sources[0])
        return self._merged()

    def keepalive(self) -> None:
        """While the loop cannot take batches (an output is blocked): serve the source polled on the
        loop's thread (a Kafka consumer keeps its group membership and commits). Only the loop calls it."""
        if len(self.sources) == 1:
            _serve(self.sources[0])

    def _take(self, source: Source) -> Any:
        """One poll: a batch, None (nothing within the timeout), or the SourceClosed it raised."""
        try:
            batch = source.poll(self.poll_timeout)
        except SourceClosed as exc:
            if not self._stop.is_set():
                self.failures[source.name] = str(exc)
                log.error("%s: closed while the sidecar runs: %s", source.name, exc, extra={"source": source.name})
            return exc
        if batch is not None:
            self.polled += 1
            if self.on_batch is not None:
                self.on_batch(source.name, len(batch) if batch.__class__ is Batch else len(batch.events))  # a deferred Batch is not built here
        return batch

    def _direct(self, source: Source) -> Iterator[Any]:
        stop = self._stop
        take = self._take
        while not stop.is_set():
            batch = take(source)
            if batch is None:
                yield IDLE
            elif isinstance(batch, SourceClosed):
                return
            else:
                yield batch

    def _merged(self) -> Iterator[Any]:
        alive = [len(self.sources)]
        lock = threading.Lock()
        done = object()

        def pump(source: Source) -> None:
            try:
                while not self._stop.is_set():
                    batch = self._take(source)
                    if batch is None:
                        continue
                    if isinstance(batch, SourceClosed):
                        return
                    while not self._stop.is_set():  # a full hand-over waits: the loop is busy
                        try:
                            self._queue.put(batch, timeout=self.poll_timeout)
                            break
                        except queue.Full:
                            _serve(source)
                            continue
            finally:
                with lock:
                    alive[0] -= 1
                    last = alive[0] == 0
                if last:
                    try:
                        self._queue.put(done, timeout=1)
                    except queue.Full:
                        pass

        for source in self.sources:
            thread = threading.Thread(target=pump, args=(source,), name=f"intake-{source.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        stop = self._stop
        while not stop.is_set():
            try:
                item = self._queue.get(timeout=self.poll_timeout)
            except queue.Empty:
                if alive[0] == 0:
                    return
                yield IDLE
                continue
            if item is done:
                return
            yield item
        # stopped: what the pollers already handed over is drained through the loop
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not done:
                yield item

    def join(self, timeout: float = 5.0) -> None:
        """Wait for the poller threads to end (after `stop`)."""
        for thread in self._threads:
            thread.join(timeout)


def _serve(source: Source) -> None:
    """`source.keepalive()` when it has one (a source polled on its caller's thread), on the thread that polls it."""
    keepalive = getattr(source, "keepalive", None)
    if keepalive is not None:
        keepalive()


class FileFeed:
    """File or stdin inputs as a `Source` beside network ones: one thread reads `read_paths(...)`
    into a small queue; each `ReadBatch` goes through the loop as a file batch (positions to
    `on_done`). When the files end, it stays open and idle: the network sources keep the run going."""

    def __init__(self, name: str, batches: Callable[[], Iterator[Any]], capacity: int = 4) -> None:
        self.name = name
        self._batches = batches
        self._queue: queue.Queue = queue.Queue(maxsize=capacity)
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._read, name=f"{self.name}-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for batch in self._batches():
                while not self._closed.is_set():
                    try:
                        self._queue.put(batch, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._closed.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 (reported when polled)
            self.error = exc
            log.error("%s: reading failed: %s", self.name, exc)

    def poll(self, timeout: float | None = None) -> Any:
        if self._closed.is_set():
            raise SourceClosed(f"{self.name} is closed")
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._closed.set()

