"""The Kafka source: a batch per partition fetch, offsets committed after delivery.

One thread at a time owns the client: it fetches, turns each partition's records into one `Batch`,
commits settled offsets every `auto_commit_interval_ms` and on close, and pauses every partition
while `max_batches_in_flight` batches are unsettled (backpressure: it keeps polling, so the group
membership stays alive, but reads nothing). With `backend => "confluent"` that thread is the one
that calls `poll` (librdkafka fetches on threads of its own and serves the rebalance callbacks
inside `consume`): no thread of ours and no hand-over between threads, which cost more CPU than
the fetch itself; a runtime that cannot poll for a while (its output is blocked) calls `keepalive`
instead. kafka-python, whose `poll` does the fetching in Python, keeps a consumer thread of its own.
A batch's `Ack` commit callback (any thread) only records, per partition, the
offset after the longest run of settled records: reads of one partition may settle out of order,
and the committed position never passes a record that is unsettled or ERRORED.

Rebalances: on revoke, what is settled for the revoked partitions is committed before the group
moves on; then the partition's state is dropped, so a batch of it settled later commits nothing
(the new owner reads it again: at most the uncommitted window twice; ids make that harmless). A
partition lost without revoke (session timeout) commits nothing. A read that finishes with an
ERRORED record rewinds its partition to the committed position, so it is read again here too.

Each event: `[@metadata][_porttrack]` = `id` "<topic>-<partition>-<offset>", `place`
"<topic>/<partition>@<offset>" (in the compact form, see `sinks.base`: the offset and the
partition's two prefixes), `original` the value bytes. A value that is no JSON object (json
codec) becomes a `message` event tagged `_jsonparsefailure` (counted in `stats`), never an error.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from typing import Any, Callable, Iterable

from ...acks import Ack
from ...codec import JsonError, decode_event, decode_events
from ...event import Event
from ...sinks.base import PROVENANCE
from ..base import Batch, SourceClosed
from .config import ConsumerPlan

__all__ = ["KafkaSource", "KafkaStats"]

log = logging.getLogger("porttrack_logs.sources.kafka")

_CLOSED = object()


class KafkaStats:
    """Counters a runtime can export (plain ints; written on the consumer thread unless noted)."""

    __slots__ = ("batches", "events", "json_failures", "utf8_failures", "commits", "commit_failures", "rebalances", "rewinds", "paused")

    def __init__(self) -> None:
        self.batches = 0
        self.events = 0
        self.json_failures = 0  # values that were no JSON object (json codec): tagged, still delivered
        self.utf8_failures = 0  # values that were no UTF-8 (plain codec): replaced, tagged
        self.commits = 0
        self.commit_failures = 0
        self.rebalances = 0
        self.rewinds = 0  # partitions read again after an ERRORED record
        self.paused = 0  # times the partitions were paused for too many unsettled batches


class _Read:
    """One batch of one partition: its record offsets and how many of them the Ack committed."""

    __slots__ = ("offsets", "committed")

    def __init__(self, offsets: list[int]) -> None:
        self.offsets = offsets
        self.committed = 0


class _Partition:
    """What we own of one assigned partition; replaced (never reused) on reassignment or rewind."""

    __slots__ = ("topic", "partition", "lock", "reads", "position", "start", "committed", "lost", "rewind", "id_prefix", "place_prefix")

    def __init__(self, topic: str, partition: int, position: int | None = None, start: int | None = None, committed: int | None = None) -> None:
        self.topic = topic
        self.partition = partition
        self.lock = threading.Lock()
        self.reads: collections.deque[_Read] = collections.deque()
        self.position = position  # next offset to commit: every record before it is settled
        self.start = start  # where reading began (the first read's first offset when None)
        self.committed = committed  # what the group holds, as far as we know
        self.lost = False
        self.rewind = False
        self.id_prefix = f"{topic}-{partition}-"
        self.place_prefix = f"{topic}/{partition}@"

    def add(self, offsets: list[int]) -> _Read:
        read = _Read(offsets)
        with self.lock:
            if self.start is None:
                self.start = offsets[0]
            self.reads.append(read)
        return read

    def settled(self, read: _Read, count: int) -> None:
        """The Ack of `read` committed its first `count` records: move the position over what is settled."""
        with self.lock:
            read.committed = count
            reads = self.reads
            while reads:
                head = reads[0]
                if head.committed == 0:
                    break
                self.position = head.offsets[head.committed - 1] + 1
                if head.committed < len(head.offsets):
                    break
                reads.popleft()

    def restart_at(self) -> int | None:
        """Where to read again from: the committed position, or where reading began."""
        with self.lock:
            return self.position if self.position is not None else self.start

    def pending_commit(self) -> int | None:
        """The offset to commit now, or None when the group already holds it."""
        with self.lock:
            if self.lost or self.position is None or self.position == self.committed:
                return None
            return self.position


class KafkaSource:
    """A Kafka consumer group member behind the `Source` interface (`start`, `poll`, `close`)."""

    def __init__(self, plan: ConsumerPlan, *, name: str = "kafka") -> None:
        self.name = name
        self.plan = plan
        settings = plan.settings
        self.backend = settings.backend
        self.group_id = settings.group_id
        self.max_batches_in_flight = settings.max_batches_in_flight
        self.commit_interval = settings.auto_commit_interval_ms / 1000
        self.poll_timeout = settings.poll_timeout_ms / 1000
        self.max_poll_records = settings.max_poll_records
        self.stats = KafkaStats()
        self._handover: queue.Queue = queue.Queue()  # bounded by max_batches_in_flight (pause), plus one poll
        self._parts: dict[tuple[str, int], _Partition] = {}
        self._parts_lock = threading.Lock()
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._client: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._closed = False
        self._failure: BaseException | None = None
        self._paused = False
        self._reassigned = False  # set by a rebalance: _backpressure sets every partition's pause state afresh
        self._build = _builder(plan, self.stats)
        self._offsets = _offsets_of(plan.settings.backend)
        self.lag: dict[tuple[str, int], int] = {}  # per partition: high watermark minus committed, each commit interval
        self.inline = self.backend == "confluent"  # polled on the caller's thread: no consumer thread
        self._ready: collections.deque = collections.deque()  # inline: fetched batches not handed out yet
        self._client_lock = threading.RLock()  # inline: one turn, keepalive or close at a time
        self._next_commit = 0.0

    # -- Source interface ------------------------------------------------------------------------

    def start(self) -> None:
        """Connect and subscribe (a bad setting or an unreachable cluster fails here), then consume on a thread."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name}: already started")
        if self.inline:
            if self._client is not None:
                raise RuntimeError(f"{self.name}: already started")
            self._client = _ConfluentClient(self)
            self._next_commit = time.monotonic() + self.commit_interval
            return
        client_class = _KafkaPythonClient if self.backend == "kafka-python" else _ConfluentClient
        self._client = client_class(self)
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-consumer", daemon=True)
        self._thread.start()

    def poll(self, timeout: float | None = None) -> Batch | None:
        """The next partition fetch as a batch, or None within `timeout`; SourceClosed once closed."""
        if self.inline:
            return self._poll_inline(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._closed:
                raise SourceClosed(f"{self.name} is closed")
            try:
                item = self._handover.get(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if item is _CLOSED:
                self._handover.put(_CLOSED)
                if self._failure is not None:
                    raise SourceClosed(f"{self.name} stopped: {self._failure}") from self._failure
                raise SourceClosed(f"{self.name} is closed")
            part, batch = item
            if part.lost or part.rewind:  # revoked or rewound while it waited: read again, by us or the new owner
                self._done()
                continue
            return batch

    def keepalive(self) -> None:
        """While the runtime cannot poll (its output is blocked): one turn without waiting, which serves
        the group (rebalances, the commit interval, `max_poll_interval_ms`). What it fetches waits for
        the next `poll`, within the same bound (`max_batches_in_flight` pauses the partitions). Only
        a source polled inline needs it; for the others it does nothing."""
        if not self.inline or self._closed:
            return
        with self._client_lock:
            if not self._closed:
                self._turn_guarded(0.0)

    def close(self) -> None:
        """Stop reading, commit what is settled, leave the group. Idempotent, callable from any thread."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        if self.inline:
            with self._client_lock:
                self._close_client()
            return
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=60)
        self._handover.put(_CLOSED)

    def __enter__(self) -> "KafkaSource":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def assignment(self) -> list[tuple[str, int]]:
        """The partitions this member reads now (topic, partition), sorted."""
        with self._parts_lock:
            return sorted(k for k, p in self._parts.items() if not p.lost)

    # -- polled inline (confluent) ---------------------------------------------------------------

    def _poll_inline(self, timeout: float | None) -> Batch | None:
        """`poll` of a source without a consumer thread: a fetch kept from the last turn, else one more turn."""
        deadline = None if timeout is None else time.monotonic() + timeout
        ready = self._ready
        while True:
            while ready:
                part, records = ready.popleft()
                if part.lost or part.rewind:  # revoked or rewound while it waited: read again, by us or the new owner
                    self._done()
                    continue
                return self._batch(part, records)
            if self._closed:
                if self._failure is not None:
                    raise SourceClosed(f"{self.name} stopped: {self._failure}") from self._failure
                raise SourceClosed(f"{self.name} is closed")
            wait = self.poll_timeout if deadline is None else min(self.poll_timeout, max(0.0, deadline - time.monotonic()))
            with self._client_lock:
                if not self._closed:
                    self._turn_guarded(wait)
            if not ready and deadline is not None and time.monotonic() >= deadline:
                return None

    def _turn_guarded(self, timeout: float) -> None:
        """`_turn` under the client lock; a failure closes the source (the next poll raises SourceClosed)."""
        try:
            self._turn(timeout)
        except BaseException as exc:  # noqa: BLE001 (logged, and raised to the poller as SourceClosed)
            self._failure = exc
            log.exception("%s: the consumer failed", self.name)
            self._closed = True
            self._stopping.set()
            self._close_client()

    def _turn(self, timeout: float) -> None:
        """One turn of the consumer: rewinds, backpressure, one fetch handed over, a commit when due."""
        self._apply_rewinds()
        self._backpressure()
        for topic, partition, records in self._client.fetch(timeout, self.max_poll_records):
            self._hand_over(topic, partition, records)
        if time.monotonic() >= self._next_commit:
            self._commit()
            self._measure_lag()
            self._next_commit = time.monotonic() + self.commit_interval

    def _close_client(self) -> None:
        """Commit what is settled (unless the consumer failed) and close the client; once."""
        client = self._client
        if client is None:
            return
        try:
            if self._failure is None:
                self._commit()
        except Exception:  # noqa: BLE001
            log.exception("%s: the final commit failed; the uncommitted records will be read again", self.name)
        finally:
            self._client = None
        try:
            client.close()
        except Exception:  # noqa: BLE001
            log.exception("%s: closing the consumer failed", self.name)

    # -- consumer thread (kafka-python) ----------------------------------------------------------

    def _run(self) -> None:
        client = self._client
        next_commit = time.monotonic() + self.commit_interval
        try:
            while not self._stopping.is_set():
                self._apply_rewinds()
                self._backpressure()
                for topic, partition, records in client.fetch(self.poll_timeout, self.max_poll_records):
                    self._hand_over(topic, partition, records)
                if time.monotonic() >= next_commit:
                    self._commit()
                    self._measure_lag()
                    next_commit = time.monotonic() + self.commit_interval
        except BaseException as exc:  # noqa: BLE001 (logged, and reported to the poller)
            self._failure = exc
            log.exception("%s: the consumer failed", self.name)
        finally:
            try:
                if self._failure is None:
                    self._commit()
            except Exception:  # noqa: BLE001
                log.exception("%s: the final commit failed; the uncommitted records will be read again", self.name)
            try:
                client.close()
            except Exception:  # noqa: BLE001
                log.exception("%s: closing the consumer failed", self.name)
            self._closed = True
            self._handover.put(_CLOSED)

    def _hand_over(self, topic: str, partition: int, records: list) -> None:
        with self._parts_lock:
            part = self._parts.get((topic, partition))
            if part is None:
                part = self._parts[(topic, partition)] = _Partition(topic, partition)
        if part.lost or part.rewind or not records:
            return
        with self._inflight_lock:
            self._inflight += 1
        if self.inline:  # its Batch made when polled (the events themselves a slice at a time, as the loop reaches them)
            self._ready.append((part, records))
        else:
            self._handover.put((part, self._batch(part, records)))

    def _batch(self, part: _Partition, records: list) -> Batch:
        """The records of one partition fetch, with the Ack that commits them (counted in flight); their
        events are built a pipeline batch at a time as the runtime reaches them (`Batch.deferred`)."""
        offsets = self._offsets(records)
        build = self._build

        def events(start: int, stop: int) -> list[Event]:
            if start or stop < len(records):
                return build(part, records[start:stop], offsets[start:stop])
            return build(part, records, offsets)

        read = part.add(offsets)
        settled = part.settled

        def commit(count: int) -> None:
            settled(read, count)

        def finished(ack: Ack) -> None:
            if ack.committed < ack.size:
                part.rewind = True  # the next turn of the consumer (its thread, or poll) seeks back to the committed position
            self._done()

        stats = self.stats
        stats.batches += 1
        stats.events += len(records)
        return Batch.deferred(events, Ack(len(records), commit, finished))

    def _done(self) -> None:
        with self._inflight_lock:
            self._inflight -= 1

    def _backpressure(self) -> None:
        """Pause every partition while too many batches are unsettled; resume when there is room."""
        with self._inflight_lock:
            full = self._inflight >= self.max_batches_in_flight
        if self._reassigned:
            # librdkafka keeps a partition's pause across a revoke and a new assignment (kafka-python starts it
            # unpaused): after a rebalance, set the state of every partition now assigned, whatever it was
            self._reassigned = False
            self._paused = full
            if full:
                self.stats.paused += 1
                self._client.pause_all()
            else:
                self._client.resume_all()
        elif full and not self._paused:
            self._paused = True
            self.stats.paused += 1
            self._client.pause_all()
        elif not full and self._paused:
            self._paused = False
            self._client.resume_all()

    def _apply_rewinds(self) -> None:
        """Partitions with an ERRORED record are read again from their committed position."""
        with self._parts_lock:
            rewound = [p for p in self._parts.values() if p.rewind and not p.lost]
        for part in rewound:
            at = part.restart_at()
            with part.lock:
                fresh = _Partition(part.topic, part.partition, part.position, at, part.committed)
            with self._parts_lock:
                if self._parts.get((part.topic, part.partition)) is not part:
                    continue
                self._parts[(part.topic, part.partition)] = fresh
            part.lost = True
            if at is not None:
                self._client.seek(part.topic, part.partition, at)
            self.stats.rewinds += 1
            log.warning("%s: %s/%d had records not delivered; reading it again from offset %s", self.name, part.topic, part.partition, at)

    def _collect(self, parts: Iterable[_Partition]) -> dict[tuple[str, int], int]:
        found = {}
        for part in parts:
            offset = part.pending_commit()
            if offset is not None:
                found[(part.topic, part.partition)] = offset
        return found

    def _commit(self) -> None:
        def collect() -> dict[tuple[str, int], int]:
            with self._parts_lock:
                parts = list(self._parts.values())
            return self._collect(parts)

        self._client.commit(collect)

    def _measure_lag(self) -> None:
        """Consumer-group lag per owned partition, from the high watermarks the last fetches reported."""
        with self._parts_lock:
            parts = [p for p in self._parts.values() if not p.lost]
        lag = {}
        for part in parts:
            high = self._client.high_watermark(part.topic, part.partition)
            if high is not None:
                base = part.committed if part.committed is not None else part.start
                lag[(part.topic, part.partition)] = max(0, high - base) if base is not None else high
        self.lag = lag

    def _committed(self, offsets: dict[tuple[str, int], int]) -> None:
        """The group now holds `offsets` (called by the client after a successful commit)."""
        with self._parts_lock:
            for key, offset in offsets.items():
                part = self._parts.get(key)
                if part is not None:
                    with part.lock:
                        if part.committed is None or offset > part.committed:
                            part.committed = offset
        self.stats.commits += 1

    # -- rebalance callbacks (the client's thread: kafka-python's IO thread, librdkafka's caller) ---

    def _assigned(self, partitions: Iterable[tuple[str, int]]) -> None:
        self.stats.rebalances += 1
        with self._parts_lock:
            for topic, partition in partitions:
                old = self._parts.get((topic, partition))
                if old is not None:
                    old.lost = True
                self._parts[(topic, partition)] = _Partition(topic, partition)
        self._reassigned = True  # the consumer thread's next _backpressure pauses or resumes all of them
        log.info("%s: assigned %s", self.name, sorted(partitions))

    def _revoking(self, partitions: Iterable[tuple[str, int]], lost: bool) -> dict[tuple[str, int], int]:
        """Drop the partitions; what is settled of them (nothing when `lost`), to commit before they go."""
        with self._parts_lock:
            parts = [self._parts.pop(key) for key in partitions if key in self._parts]
        offsets = {} if lost else self._collect(parts)
        for part in parts:
            part.lost = True
        log.info("%s: %s %s; committing %s", self.name, "lost" if lost else "revoked", sorted(partitions), offsets or "nothing")
        return offsets


def _builder(plan: ConsumerPlan, stats: KafkaStats) -> Callable[[_Partition, list, list[int]], list[Event]]:
    """The records-to-events function for this backend, codec and decoration (chosen once, not per
    record), given the records and their offsets (read once, by `_offsets_of`). Records are the client's own objects (kafka-python's ConsumerRecord, librdkafka's
    Message), read in place: a tuple per record cost as much as the client's own work."""
    confluent = plan.settings.backend == "confluent"
    if plan.codec == "json" and plan.decorate == "none":
        return _json_confluent(stats) if confluent else _json_kafka_python(stats)
    if confluent:

        def fields(m: Any) -> tuple:
            kind, stamp = m.timestamp()
            return m.value(), m.key(), stamp if kind else None, m.headers()

    else:

        def fields(r: Any) -> tuple:
            return r.value, r.key, r.timestamp, r.headers

    return _general(plan, stats, fields)


def _offsets_of(backend: str) -> Callable[[list], list[int]]:
    """The offsets of a fetch's records, read from the client's own objects."""
    if backend == "confluent":
        return lambda messages: [m.offset() for m in messages]
    return lambda records: [r.offset for r in records]


def _json_kafka_python(stats: KafkaStats) -> Callable[[_Partition, list, list[int]], list[Event]]:
    def build(part: _Partition, records: list, offsets: list[int]) -> list[Event]:
        return _json_events(part, [r.value for r in records], offsets, stats)

    return build


def _json_confluent(stats: KafkaStats) -> Callable[[_Partition, list, list[int]], list[Event]]:
    def build(part: _Partition, messages: list, offsets: list[int]) -> list[Event]:
        return _json_events(part, [m.value() for m in messages], offsets, stats)

    return build


def _json_events(part: _Partition, values: list, offsets: list[int], stats: KafkaStats) -> list[Event]:
    """Filebeat's JSON values of one partition's records as events, each stamped with its provenance
    (a value that is no JSON object becomes a tagged event carrying it, as Logstash's json codec does)."""
    events = decode_events(values)
    id_prefix, place_prefix = part.id_prefix, part.place_prefix
    for k, (event, value, offset) in enumerate(zip(events, values, offsets)):
        if event is None:
            try:
                events[k] = event = decode_event(value)  # raises the error decode_events only noted
            except (JsonError, TypeError) as exc:
                events[k] = _unparsed(value or b"", exc, f"{place_prefix}{offset}", f"{id_prefix}{offset}")
                stats.json_failures += 1
                continue
        event._meta[PROVENANCE] = {"offset": offset, "original": value, "stream": place_prefix, "stream_id": id_prefix}  # `metadata` without the call
    return events  # type: ignore[return-value]


def _general(plan: ConsumerPlan, stats: KafkaStats, fields: Callable[[Any], tuple]) -> Callable[[_Partition, list, list[int]], list[Event]]:
    """Any codec, with `[@metadata][kafka]` when decorate_events asks for it."""
    json_codec = plan.codec == "json"
    decorate = plan.decorate
    group = plan.settings.group_id
    extended = decorate == "extended"

    def build(part: _Partition, records: list, offsets: list[int]) -> list[Event]:
        events: list[Event] = []
        append = events.append
        id_prefix = part.id_prefix
        place_prefix = part.place_prefix
        for record, offset in zip(records, offsets):
            value, key, timestamp, headers = fields(record)
            if value is None:
                value = b""
            if json_codec:
                try:
                    event = decode_event(value)
                except JsonError as exc:
                    event = _unparsed(value, exc, f"{place_prefix}{offset}", f"{id_prefix}{offset}")
                    stats.json_failures += 1
                else:
                    event.metadata[PROVENANCE] = {"offset": offset, "original": value, "stream": place_prefix, "stream_id": id_prefix}
            else:
                try:
                    text = value.decode("utf-8")
                except UnicodeDecodeError:
                    text = value.decode("utf-8", "replace")
                    event = Event({"message": text})
                    event.tag("_utf8error")
                    stats.utf8_failures += 1
                else:
                    event = Event({"message": text})
                event.metadata[PROVENANCE] = {"offset": offset, "original": value, "stream": place_prefix, "stream_id": id_prefix}
            if decorate != "none":
                info = {
                    "topic": part.topic, "consumer_group": group, "partition": part.partition, "offset": offset,
                    "key": key.decode("utf-8", "replace") if key is not None else None, "timestamp": timestamp,
                }
                if extended and headers:
                    for name, raw in headers:
                        try:
                            info[name] = raw.decode("utf-8") if raw is not None else None
                        except UnicodeDecodeError:
                            continue  # as Logstash: only headers whose value is UTF-8
                event.metadata["kafka"] = info
            append(event)
        return events

    return build


def _unparsed(value: bytes, exc: Exception, place: str, ident: str) -> Event:
    """A value that is no JSON object, kept as its text, tagged and logged (never dropped)."""
    log.warning("%s: the value is not a JSON object (%s); passed on tagged _jsonparsefailure", place, exc)
    event = Event({"message": value.decode("utf-8", "replace")})
    event.tag("_jsonparsefailure")
    event.metadata[PROVENANCE] = {"id": ident, "original": value, "place": place, "error": f"the Kafka value is not a JSON object: {exc}"}
    return event


# -- backends: each called only on the consumer thread, except the rebalance callbacks --------------------------


class _KafkaPythonClient:
    """kafka-python 3.x: a KafkaConsumer; its rebalance listener runs on kafka-python's IO thread."""

    def __init__(self, source: KafkaSource) -> None:
        from kafka import KafkaConsumer, TopicPartition
        from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
        from kafka.structs import OffsetAndMetadata

        self.source = source
        self.TopicPartition = TopicPartition
        self.OffsetAndMetadata = OffsetAndMetadata
        settings = source.plan.settings
        self.consumer = KafkaConsumer(**source.plan.kafka_python())
        coordinator = getattr(self.consumer, "_coordinator", None)
        net = getattr(self.consumer, "_net", None)
        if coordinator is None or net is None or not all(
            hasattr(coordinator, name) for name in ("_send_offset_commit_request", "_commit_offsets_sync_async", "_join_task", "_lock")
        ):
            self.consumer.close(autocommit=False)
            raise RuntimeError(
                "this kafka-python has no commit path on its IO thread (written for kafka-python 3.0.x); "
                "use kafka-python 3.0.x or backend => confluent"
            )
        self.coordinator = coordinator
        self.net = net
        client = self

        class Listener(AsyncConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked: Any) -> None:
                offsets = source._revoking([(tp.topic, tp.partition) for tp in revoked], lost=False)
                if offsets:
                    try:
                        await coordinator._commit_offsets_sync_async(client._convert(offsets), timeout_ms=settings.request_timeout_ms)
                        source._committed(offsets)
                    except Exception as exc:  # noqa: BLE001 (the new owner reads these again)
                        source.stats.commit_failures += 1
                        log.warning("%s: commit on revoke failed (%s); the new owner reads them again", source.name, exc)

            async def on_partitions_assigned(self, assigned: Any) -> None:
                source._assigned([(tp.topic, tp.partition) for tp in assigned])

            async def on_partitions_lost(self, lost: Any) -> None:
                source._revoking([(tp.topic, tp.partition) for tp in lost], lost=True)

        if settings.topics_pattern is not None:
            self.consumer.subscribe(pattern=settings.topics_pattern, listener=Listener())
        else:
            self.consumer.subscribe(topics=list(settings.topics), listener=Listener())

    def _convert(self, offsets: dict[tuple[str, int], int]) -> dict:
        tp, om = self.TopicPartition, self.OffsetAndMetadata
        return {tp(topic, partition): om(offset, "", -1) for (topic, partition), offset in offsets.items()}

    def fetch(self, timeout: float, max_records: int) -> list[tuple[str, int, list]]:
        self._finish_orphaned_join()
        polled = self.consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [(tp.topic, tp.partition, records) for tp, records in polled.items()]

    def _finish_orphaned_join(self) -> None:
        """Rejoin when a finished JoinGroup/SyncGroup was never applied (kafka-python 3.0.x): a join that
        outlives one poll's timeout is finished only by a later poll that still sees `need_rejoin()`, but
        a rejoin caused by new topic metadata (a new consumer's first join can precede its topics'
        metadata: it assigns nothing, the second join the partitions) makes the leader's own assignment
        equalise the snapshots it compares, so no poll ever applies it and the member reads nothing until
        the next metadata change (metadata_max_age_ms, 5 minutes)."""
        coordinator = self.coordinator
        task = coordinator._join_task
        if task is None or not task.is_done or coordinator.rejoin_needed:
            return
        with coordinator._lock:
            task = coordinator._join_task
            if task is not None and task.is_done and not coordinator.rejoin_needed:
                log.info("%s: a finished group join was never applied; joining again", self.source.name)
                coordinator.request_rejoin()

    def commit(self, collect: Callable[[], dict[tuple[str, int], int]]) -> None:
        """Offsets collected and sent on the IO thread with no await in between, so a rebalance
        cannot slip between choosing them and stamping the request with the group generation."""
        source = self.source

        async def commit_on_loop() -> dict:
            offsets = collect()
            if offsets:
                await self.coordinator._send_offset_commit_request(self._convert(offsets))
            return offsets

        try:
            offsets = self.net.run(commit_on_loop)
        except Exception as exc:  # noqa: BLE001 (retried at the next interval with what is settled then)
            source.stats.commit_failures += 1
            log.info("%s: commit failed (%s); retried at the next interval", source.name, exc)
            return
        if offsets:
            source._committed(offsets)

    def high_watermark(self, topic: str, partition: int) -> int | None:
        return self.consumer.highwater(self.TopicPartition(topic, partition))

    def pause_all(self) -> None:
        self.consumer.pause(*self.consumer.assignment())

    def resume_all(self) -> None:
        self.consumer.resume(*self.consumer.paused())

    def seek(self, topic: str, partition: int, offset: int) -> None:
        try:
            self.consumer.seek(self.TopicPartition(topic, partition), offset)
        except Exception as exc:  # noqa: BLE001 (no longer assigned: the new owner reads it)
            log.info("%s: seek %s/%d to %d failed: %s", self.source.name, topic, partition, offset, exc)

    def close(self) -> None:
        self.consumer.close(autocommit=False)


class _ConfluentClient:
    """confluent-kafka (librdkafka): rebalance callbacks are served inside `consume`, on the consumer thread."""

    def __init__(self, source: KafkaSource) -> None:
        from confluent_kafka import Consumer, KafkaError, TopicPartition

        self.source = source
        self.TopicPartition = TopicPartition
        self.KafkaError = KafkaError
        settings = source.plan.settings
        properties = source.plan.librdkafka()
        properties["error_cb"] = self._error
        self.consumer = Consumer(properties)
        consumer = self.consumer

        def on_assign(_: Any, partitions: list) -> None:
            source._assigned([(tp.topic, tp.partition) for tp in partitions])

        def on_revoke(_: Any, partitions: list) -> None:
            offsets = source._revoking([(tp.topic, tp.partition) for tp in partitions], lost=False)
            if offsets:
                try:
                    consumer.commit(offsets=self._convert(offsets), asynchronous=False)
                    source._committed(offsets)
                except Exception as exc:  # noqa: BLE001
                    source.stats.commit_failures += 1
                    log.warning("%s: commit on revoke failed (%s); the new owner reads them again", source.name, exc)

        def on_lost(_: Any, partitions: list) -> None:
            source._revoking([(tp.topic, tp.partition) for tp in partitions], lost=True)

        topics = [f"^{settings.topics_pattern}"] if settings.topics_pattern is not None else list(settings.topics)
        self.consumer.subscribe(topics, on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)

    def _error(self, error: Any) -> None:
        log.warning("%s: %s", self.source.name, error)

    def _convert(self, offsets: dict[tuple[str, int], int]) -> list:
        tp = self.TopicPartition
        return [tp(topic, partition, offset) for (topic, partition), offset in offsets.items()]

    def fetch(self, timeout: float, max_records: int) -> list[tuple[str, int, list]]:
        messages = self.consumer.consume(num_messages=max_records, timeout=timeout)
        if not messages:
            return []
        grouped: dict[tuple[str, int], list] = {}
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != self.KafkaError._PARTITION_EOF:
                    log.warning("%s: %s", self.source.name, error)
                continue
            key = (message.topic(), message.partition())
            records = grouped.get(key)
            if records is None:
                records = grouped[key] = []
            records.append(message)
        return [(topic, partition, records) for (topic, partition), records in grouped.items()]

    def commit(self, collect: Callable[[], dict[tuple[str, int], int]]) -> None:
        offsets = collect()
        if not offsets:
            return
        try:
            self.consumer.commit(offsets=self._convert(offsets), asynchronous=False)
        except Exception as exc:  # noqa: BLE001 (retried at the next interval)
            self.source.stats.commit_failures += 1
            log.info("%s: commit failed (%s); retried at the next interval", self.source.name, exc)
            return
        self.source._committed(offsets)

    def high_watermark(self, topic: str, partition: int) -> int | None:
        try:
            low, high = self.consumer.get_watermark_offsets(self.TopicPartition(topic, partition), cached=True)
        except Exception:  # noqa: BLE001 (not fetched yet)
            return None
        return high if high >= 0 else None

    def pause_all(self) -> None:
        assigned = self.consumer.assignment()
        if assigned:
            self.consumer.pause(assigned)

    def resume_all(self) -> None:
        assigned = self.consumer.assignment()
        if assigned:
            self.consumer.resume(assigned)

    def seek(self, topic: str, partition: int, offset: int) -> None:
        try:
            self.consumer.seek(self.TopicPartition(topic, partition, offset))
        except Exception as exc:  # noqa: BLE001
            log.info("%s: seek %s/%d to %d failed: %s", self.source.name, topic, partition, offset, exc)

    def close(self) -> None:
        self.consumer.close()
