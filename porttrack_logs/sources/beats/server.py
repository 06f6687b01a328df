"""The Beats server: Lumberjack v2 over TCP (or TLS) on an asyncio loop in its own thread.

Each complete window becomes one `Batch` whose `Ack` acknowledges back to the client that sent it:
`A seq` for the first events of the connection's oldest window as soon as they are settled, windows
in the order they came (several may be in flight: Filebeat's `pipelining`), and while a window is
still being delivered a keepalive `A` with the last acknowledged seq (or 0) every few seconds, which
resets the client's timeout. Nothing is acknowledged before the runtime settles it; a window with an
ERRORED event closes its connection, so the client sends what was not acknowledged again.

Batches reach the consumer through a bounded hand-over (`queue_size` batches): while the consumer
does not `poll`, connections stop reading and TCP pushes back on the clients. Each connection also
stops reading while it has `max_windows_in_flight` windows unacknowledged, and every connection
waits while the windows held in total (received, not finished) exceed `max_total_bytes`.

A connection that sends something that is no Lumberjack stream (an HTTP request, TLS on the plain
port, a malformed frame, bad zlib, a frame or window past the limits, a zlib bomb) is closed with
a log line naming it and the byte offset; other connections never notice.

Each event is decoded by the project's codec (on the runtime's thread, a pipeline batch at a time as
the loop reaches it: the window is handed over as a `Batch.deferred`) and stamped in `[@metadata][_porttrack]`:
`id` a fingerprint of its JSON in canonical form (a resent event gets the same id even when its
client wrote its keys in another order, as Filebeat may: see `fingerprint`), `original` the JSON
bytes as received, `place` "beats:<peer>#<connection>/w<window>/s<seq>".
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import queue
import ssl
import threading
from typing import Any

import mmh3
import msgspec

from ...acks import Ack
from ...codec import JsonError, decode_event, decode_events
from ...event import Event
from ...sinks.base import PROVENANCE
from ..base import Batch, SourceClosed
from .frames import FrameDecoder, ProtocolError, Window, ack_frame

__all__ = ["BeatsServer", "ServerStats", "fingerprint", "raw_fingerprint"]

log = logging.getLogger("porttrack_logs.sources.beats")

_CLOSED = object()  # the hand-over's end marker
_READ_CHUNK = 1 << 18


_ANY = msgspec.json.Decoder()
_SORTED = msgspec.json.Encoder(order="sorted")


def fingerprint(payload: bytes) -> str:
    """The document id of an event: MurmurHash3 x64 128-bit of its JSON in canonical form (keys
    sorted at every level, numbers and escapes as msgspec writes them), in hex.

    Canonical, not the bytes as received: Filebeat encodes its events with go-structform, which
    walks Go maps in Go's randomised iteration order, so a resent event can come with its keys in
    another order (tests/sources/beats: golumber -range-order). go-lumber's default encoder
    (json.Marshal) sorts keys and resends the same bytes; either way the id is the same."""
    try:
        canonical = _SORTED.encode(_ANY.decode(payload))
    except msgspec.DecodeError:
        canonical = payload  # no JSON: the bytes are all there is
    return mmh3.hash_bytes(canonical).hex()


def raw_fingerprint(payload: bytes) -> str:
    """MurmurHash3 x64 128-bit of the bytes as received: for clients known to resend identical
    bytes (`BeatsServer(canonical_ids=False)`), about 10x cheaper than `fingerprint`."""
    return mmh3.hash_bytes(payload).hex()


class ServerStats:
    """Counters a runtime can export as metrics (plain ints, written on the loop thread)."""

    __slots__ = ("connections_open", "connections_total", "connections_refused", "windows", "events", "acks_sent", "json_failures")

    def __init__(self) -> None:
        self.connections_open = 0
        self.connections_total = 0
        self.connections_refused = 0  # closed for a protocol error, a limit, junk or a failed handshake
        self.windows = 0
        self.events = 0
        self.acks_sent = 0
        self.json_failures = 0  # events whose payload was no JSON object (tagged, still delivered)


class BeatsServer:
    """A Lumberjack v2 server behind the `Source` interface (`start`, `poll`, `close`)."""

    def __init__(
        self,
        *,
        host: str = "0.0.0.0",
        port: int = 5044,
        name: str = "beats",
        client_inactivity_timeout: float = 60.0,
        tls: ssl.SSLContext | None = None,
        tls_handshake_timeout: float = 10.0,
        keepalive_interval: float = 5.0,
        queue_size: int = 8,
        max_windows_in_flight: int = 8,
        max_window_size: int = 100_000,
        max_frame_bytes: int = 64 << 20,
        max_window_bytes: int = 128 << 20,
        max_total_bytes: int = 512 << 20,
        canonical_ids: bool = True,
        reuse_port: bool = False,
    ) -> None:
        self.name = name
        self.reuse_port = reuse_port  # SO_REUSEPORT: worker processes share the port, the kernel spreads connections
        # Logstash's `enrich => source_metadata`: the client's address in [@metadata], under
        # [input][beats][host][ip] ("ecs") or [ip_address] ("legacy", ecs_compatibility => disabled); None: not added
        self.source_metadata: str | None = None
        self.host = host
        self.port = port
        self.client_inactivity_timeout = client_inactivity_timeout
        self.tls = tls
        self.tls_handshake_timeout = tls_handshake_timeout
        self.keepalive_interval = keepalive_interval
        self.queue_size = queue_size
        self.max_windows_in_flight = max_windows_in_flight
        self.limits = {"max_window_size": max_window_size, "max_frame_bytes": max_frame_bytes, "max_window_bytes": max_window_bytes}
        self.max_total_bytes = max_total_bytes
        self.fingerprint = fingerprint if canonical_ids else raw_fingerprint
        self.stats = ServerStats()
        self.address: tuple[str, int] | None = None  # where it listens, once started
        self._handover: queue.Queue = queue.Queue()  # bounded by _slots, so the end marker always fits
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._closed = False
        self._close_lock = threading.Lock()
        # loop-side state, created on the loop
        self._slots: asyncio.Semaphore
        self._stopping: asyncio.Event
        self._room: asyncio.Event  # set whenever held bytes shrink
        self._held = 0  # bytes of windows received and not finished, all connections
        self._connections: set[_Connection] = set()
        self._numbers = itertools.count(1)

    # -- Source interface ------------------------------------------------------------------------

    def start(self) -> None:
        """Bind and start serving on a thread of its own; raises OSError when the port is taken."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name}: already started")
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-loop", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure

    def poll(self, timeout: float | None = None) -> Batch | None:
        """The next complete window as a batch, or None within `timeout`; SourceClosed once closed."""
        if self._closed:
            raise SourceClosed(f"{self.name} is closed")
        try:
            item = self._handover.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _CLOSED:
            self._handover.put(_CLOSED)  # for any other poller
            raise SourceClosed(f"{self.name} is closed")
        _post(self._loop, self._slots.release)
        return item

    def close(self) -> None:
        """Stop accepting, close every connection, stop the loop thread. Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        loop = self._loop
        if loop is not None and self._thread is not None and self._thread.is_alive():
            try:
                loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop already ended
                pass
            self._thread.join(timeout=10)
        self._handover.put(_CLOSED)

    def __enter__(self) -> "BeatsServer":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- loop thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # noqa: BLE001 (reported to start(), or logged)
            if not self._ready.is_set():
                self._failure = exc
            else:
                log.exception("%s: the server loop failed", self.name)
        finally:
            self._ready.set()
            loop.close()
            self._handover.put(_CLOSED)  # a poller never waits on a loop that has ended

    async def _main(self) -> None:
        self._slots = asyncio.Semaphore(self.queue_size)
        self._stopping = asyncio.Event()
        self._room = asyncio.Event()
        # TLS is started per connection (not by start_server), so a failed handshake is logged
        # with its reason instead of vanishing into asyncio's debug log
        server = await asyncio.start_server(self._serve, self.host, self.port, limit=_READ_CHUNK, reuse_port=self.reuse_port or None)
        sockname = server.sockets[0].getsockname()
        self.address = (sockname[0], sockname[1])
        log.info("%s: listening on %s:%d (%s)", self.name, sockname[0], sockname[1], "TLS" if self.tls else "plain text")
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            tasks = [c.task for c in self._connections if c.task is not None]
            for connection in list(self._connections):
                connection.close()
            for task in tasks:
                task.cancel()  # a connection may wait for a hand-over slot that never frees
            if tasks:
                await asyncio.wait(tasks, timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        peer_text = f"[{peer[0]}]:{peer[1]}" if peer and ":" in str(peer[0]) else (f"{peer[0]}:{peer[1]}" if peer else "?")
        connection = _Connection(self, reader, writer, f"beats:{peer_text}#{next(self._numbers)}")
        connection.peer_ip = str(peer[0]) if peer else None
        connection.task = asyncio.current_task()
        self._connections.add(connection)
        stats = self.stats
        stats.connections_open += 1
        stats.connections_total += 1
        try:
            if self.tls is not None and not await connection.handshake():
                return
            await connection.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug of ours: this connection ends, loudly; the others carry on
            log.exception("%s: internal error at byte offset %d; closing this connection", connection.label, connection.decoder.offset)
        finally:
            stats.connections_open -= 1
            self._connections.discard(connection)
            connection.close()

    def _release(self, nbytes: int) -> None:
        self._held -= nbytes
        self._room.set()


def _unparsed(payload: bytes, exc: Exception, place: str) -> Event:
    """A payload that is no JSON object, kept as its text, tagged and logged (never dropped)."""
    log.warning("%s: event is not a JSON object (%s); passed on tagged _jsonparsefailure", place, exc)
    event = Event({"message": payload.decode("utf-8", "replace")})
    event.tag("_jsonparsefailure")
    event.metadata[PROVENANCE] = {
        "id": fingerprint(payload), "original": payload, "place": place, "error": f"the Beats event is not a JSON object: {exc}",
    }
    return event


def _post(loop: asyncio.AbstractEventLoop, callback: Any, *args: Any) -> None:
    """Run `callback` on the loop thread (settles come from sink threads); a closed server ignores it."""
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop is closed: the connection is gone, its client resends
        pass


class _Pending:
    """A window handed over and not yet acknowledged in full."""

    __slots__ = ("number", "version", "seqs", "committed", "sent")

    def __init__(self, number: int, window: Window) -> None:
        self.number = number
        self.version = window.version
        self.seqs = window.seqs
        self.committed = 0  # events the Ack has committed
        self.sent = 0  # events acknowledged to the client


class _Connection:
    """One client connection: reads frames, hands windows over, writes acks in window order."""

    __slots__ = ("server", "reader", "writer", "label", "decoder", "inflight", "windows", "closed", "task", "_keepalive", "_moved", "peer_ip")

    def __init__(self, server: BeatsServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, label: str) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.label = label
        self.decoder = FrameDecoder(**server.limits)
        self.inflight: collections.deque[_Pending] = collections.deque()
        self.windows = 0
        self.closed = False
        self.task: asyncio.Task | None = None
        self._keepalive: asyncio.TimerHandle | None = None
        self._moved = asyncio.Event()  # set whenever a window of this connection is acknowledged
        self.peer_ip: str | None = None

    async def handshake(self) -> bool:
        """TLS on this connection; False (logged, with the reason and a hint) when it fails."""
        server = self.server
        try:
            await self.writer.start_tls(server.tls, ssl_handshake_timeout=server.tls_handshake_timeout)
        except (ssl.SSLError, ConnectionError, OSError, asyncio.TimeoutError) as exc:
            server.stats.connections_refused += 1
            reason = str(exc) or type(exc).__name__
            hint = ""
            if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason or "UNEXPECTED_EOF" in reason:
                hint = " (a plain-text client on this TLS port?)"
            elif "CERTIFICATE" in reason:
                hint = " (the client certificate is missing or not signed by ssl_certificate_authorities)"
            log.warning("%s: TLS handshake failed: %s%s; closing this connection", self.label, reason, hint)
            return False
        return True

    async def run(self) -> None:
        server = self.server
        decoder = self.decoder
        reader = self.reader
        while not self.closed:
            while len(self.inflight) >= server.max_windows_in_flight or server._held > server.max_total_bytes:
                if len(self.inflight) >= server.max_windows_in_flight:
                    self._moved.clear()
                    await self._moved.wait()
                else:
                    server._room.clear()
                    await server._room.wait()
                if self.closed:
                    return
            # one window at a time: the total budget is checked again before each next one, so all
            # connections together hold at most the budget plus one window each
            room = 1
            try:
                windows = decoder.feed(b"", room)  # windows already buffered come first
            except ProtocolError as exc:
                self._refuse(exc)
                return
            if windows:
                for window in windows:
                    await self._hand_over(window)
                    if self.closed:
                        return
                continue
            try:
                if self.inflight:  # we owe the client acks: its silence is ours, not idleness
                    data = await reader.read(_READ_CHUNK)
                else:
                    data = await asyncio.wait_for(reader.read(_READ_CHUNK), server.client_inactivity_timeout)
            except asyncio.TimeoutError:
                log.info("%s: no data for %gs (client_inactivity_timeout): closing", self.label, server.client_inactivity_timeout)
                return
            except (ConnectionError, ssl.SSLError, OSError) as exc:
                log.info("%s: connection lost at byte offset %d: %s", self.label, decoder.offset + decoder.buffered, exc)
                return
            if not data:
                if decoder.buffered or decoder.in_window:
                    log.info("%s: client closed the connection inside a window at byte offset %d", self.label, decoder.offset)
                return
            try:
                windows = decoder.feed(data, room)
            except ProtocolError as exc:
                self._refuse(exc)
                return
            for window in windows:
                await self._hand_over(window)
                if self.closed:
                    return

    def _refuse(self, exc: ProtocolError) -> None:
        self.server.stats.connections_refused += 1
        log.warning("%s: %s; closing this connection", self.label, exc)

    async def _hand_over(self, window: Window) -> None:
        """The window's events, stamped, as one batch whose Ack answers this connection."""
        server = self.server
        self.windows += 1
        number = self.windows
        pending = _Pending(number, window)
        prefix = f"{self.label}/w{number}/s"
        stats = server.stats
        ident = server.fingerprint
        payloads, seqs = window.payloads, window.seqs
        source_metadata, ip = server.source_metadata, self.peer_ip

        def build(start: int, stop: int) -> list[Event]:
            """Records start..stop-1 of the window as events, stamped (on the runtime's thread, as it reaches them)."""
            some = payloads[start:stop] if start or stop < len(payloads) else payloads
            events: list[Event] = []
            append = events.append
            for seq, payload, event in zip(seqs[start:stop], some, decode_events(some)):
                if event is None:
                    try:
                        event = decode_event(payload)  # raises the error decode_events only noted
                    except JsonError as exc:
                        append(_unparsed(payload, exc, f"{prefix}{seq}"))
                        stats.json_failures += 1
                        continue
                # a fresh dict: whatever a client put under [@metadata][_porttrack] is not kept
                event._meta[PROVENANCE] = {"id": ident(payload), "original": payload, "place": f"{prefix}{seq}"}  # `metadata` without the call
                append(event)
            if source_metadata is not None and ip is not None:
                if source_metadata == "ecs":
                    for event in events:
                        meta = event.metadata
                        where = meta.get("input")
                        if where.__class__ is not dict:
                            where = meta["input"] = {}
                        beats = where.get("beats")
                        if beats.__class__ is not dict:
                            beats = where["beats"] = {}
                        beats["host"] = {"ip": ip}
                else:
                    for event in events:
                        event.metadata["ip_address"] = ip
            return events

        loop = server._loop
        nbytes = window.nbytes
        server._held += nbytes

        def commit(count: int) -> None:
            _post(loop, self._committed, pending, count)

        def finished(ack: Ack) -> None:
            _post(loop, self._finished, pending, ack.committed, ack.size, nbytes)

        batch = Batch.deferred(build, Ack(len(payloads), commit, finished))
        self.inflight.append(pending)
        if self._keepalive is None:
            self._arm_keepalive()
        stats.windows += 1
        stats.events += len(payloads)
        await server._slots.acquire()
        if server._closed:
            server._slots.release()
            return
        server._handover.put_nowait(batch)

    # -- acknowledgements (loop thread) ----------------------------------------------------------

    def _committed(self, pending: _Pending, count: int) -> None:
        pending.committed = count
        self._send_acks()

    def _finished(self, pending: _Pending, committed: int, size: int, nbytes: int) -> None:
        self.server._release(nbytes)
        if committed < size and not self.closed:
            log.warning(
                "%s/w%d: %d of %d events were not delivered; closing the connection so the client sends them again",
                self.label, pending.number, size - committed, size,
            )
            self.close()

    def _send_acks(self) -> None:
        """Acknowledge what the oldest windows have committed, oldest first (the client's order)."""
        inflight = self.inflight
        while inflight:
            head = inflight[0]
            if head.committed > head.sent:
                head.sent = head.committed
                self._write(ack_frame(head.version, head.seqs[head.sent - 1]))
            if head.sent < len(head.seqs):
                break
            inflight.popleft()
            self._moved.set()
        if not inflight and self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None

    def _arm_keepalive(self) -> None:
        self._keepalive = self.server._loop.call_later(self.server.keepalive_interval, self._send_keepalive)

    def _send_keepalive(self) -> None:
        """While a window is in flight: `A` with its last acknowledged seq, to reset the client's timeout."""
        self._keepalive = None
        if self.closed or not self.inflight:
            return
        head = self.inflight[0]
        self._write(ack_frame(head.version, head.seqs[head.sent - 1] if head.sent else 0))
        self._arm_keepalive()

    def _write(self, frame: bytes) -> None:
        if self.closed or self.writer.is_closing():
            return
        self.writer.write(frame)
        self.server.stats.acks_sent += 1

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        self._moved.set()
        self.server._room.set()
        try:
            self.writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass
