"""The running `elasticsearch` output: one `_bulk` body per batch, one outcome per document, read item by item.

    200, 201                       INDEXED
    409 on a create                DUPLICATE (our deterministic `_id` is already there)
    429, 5xx, anything unexpected  retried: only those documents are sent again, after a backoff
    400, 404, dlq_custom_codes     DEAD_LETTERED, with the status, error type and reason

A whole request that gets no answer, a 429 or a 5xx is sent again after the same backoff, forever:
nothing is dropped, the output blocks (the pipeline and its sources wait behind it) and says so in
its log at each retry. A 413 splits the request in halves; a document larger than the cluster's
`http.max_content_length` goes to the dead letter queue without being sent.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Callable, Sequence

import mmh3
from msgspec import Raw
from prometheus_client import CollectorRegistry
from orjson import dumps

from ...codec import decode_fields, encode, encode_event, encode_lines, lazy_timestamp, encode_into as _encode_into
from ...errors import DeliveryError, DeliveryStopped
from ...event import TIMESTAMP, Event, Template, field_ref
from ..base import PROVENANCE, Outcome, SinkContext, id_of, place_of, provenance
from ..bulk import ActionLines
from .client import RequestFailed, Unreachable
from .metrics import SinkMetrics

if TYPE_CHECKING:
    from .client import Connection
    from .config import ElasticsearchOutput

__all__ = ["ElasticsearchSink", "fingerprint", "BULK_PARAMS"]

log = logging.getLogger("porttrack_logs.sinks.elasticsearch")

INDEXED, DUPLICATE, DEAD_LETTERED = Outcome.INDEXED, Outcome.DUPLICATE, Outcome.DEAD_LETTERED

#: Only what the outcomes need comes back: a few bytes per item instead of ~150.
BULK_PARAMS = {"filter_path": "errors,items.*.status,items.*.error"}

_EVENT_ORIGINAL = field_ref("[event][original]")
_DAILY = re.compile(r"[^%]*%\{\+yyyy\.MM\.dd\}[^%]*\Z")  # an index name that changes once a UTC day
_DAY = timedelta(days=1)
_DS_TYPE, _DS_DATASET, _DS_NAMESPACE = (field_ref(f"[data_stream][{k}]") for k in ("type", "dataset", "namespace"))


def fingerprint(data: bytes | str) -> str:
    """A document id from content: MurmurHash3 x64 128-bit, 32 hex digits (stable across runs and hosts)."""
    if data.__class__ is not bytes:
        data = str(data).encode("utf-8", "surrogatepass")
    return mmh3.mmh3_x64_128_digest(data).hex()


class _Rejected(Exception):
    """An event that cannot be sent at all (its index or action did not render): straight to the DLQ."""

    def __init__(self, reason: str, error_type: str, index: str | None = None) -> None:
        self.reason, self.error_type, self.index = reason, error_type, index
        super().__init__(reason)


class ElasticsearchSink:
    """Writes batches of events with `_bulk` and returns one `Outcome` per event, in order (see module docstring)."""

    __slots__ = (
        "name", "connection", "_dlq", "_render_index", "_index_checked", "_document_id", "_action",
        "_lines", "_routing", "_pipeline", "_flush_size", "_flush_bytes", "max_content_length",
        "_dlq_codes", "_initial", "_max", "_stopping", "metrics", "_hosts", "_fast", "_daily", "_constant_index",
    )

    def __init__(self, settings: "ElasticsearchOutput", context: SinkContext, connection: "Connection", *, max_content_length: int) -> None:
        self.name = context.plugin_id
        self.connection = connection
        self._dlq = context.dead_letters
        self._hosts = ", ".join(settings.hosts)
        self._lines = {"index": ActionLines("index"), "create": ActionLines("create")}
        index_may_fail = True  # rendering the index can raise for some event: only the general loop catches that
        self._constant_index: str | None = None  # the index of every event, when the option names one
        if settings.uses_data_stream:
            self._render_index = _data_stream_index(settings)
            self._index_checked = False
            action = "create"
        else:
            template = Template(settings.effective_index)
            self._render_index = template.render
            if template.constant:
                self._constant_index = settings.effective_index
            self._index_checked = settings.dlq_on_failed_indexname_interpolation and not template.constant
            index_may_fail = bool(template.problems)
            action = settings.action
        self._action = _constant_or_render(action)
        self._document_id = Template(settings.document_id).render if settings.document_id is not None else None
        self._routing = Template(settings.routing).render if settings.routing is not None else None
        self._pipeline = Template(settings.pipeline).render if settings.pipeline is not None else None
        self._flush_size = settings.flush_size
        self._flush_bytes = settings.flush_bytes
        self.max_content_length = max_content_length
        self._dlq_codes = frozenset({400, 404, *settings.dlq_custom_codes})
        self._initial = float(settings.retry_initial_interval)
        self._max = float(settings.retry_max_interval)
        self._stopping = threading.Event()
        # enable_metric => false (Logstash's): counted in a registry nobody collects
        self.metrics = SinkMetrics(context.registry if settings.enable_metric else CollectorRegistry(), self.name)
        self._fast = (
            not index_may_fail and self._action.__class__ is str
            and self._document_id is None and self._routing is None and self._pipeline is None
        )
        self._daily = not settings.uses_data_stream and _DAILY.match(settings.effective_index) is not None
        if settings.ecs_compatibility is not None:
            log.info("%s: ecs_compatibility changes nothing here: the index and templates are PortTrack's", self.name)

    # -- the Sink interface ----------------------------------------------------------------------
    def write(self, events: Sequence[Event]) -> list[Outcome]:
        """Deliver `events`; one outcome each, in order. Blocks while Elasticsearch refuses them."""
        return self.send(self.prepare(events))

    def prepare(self, events: Sequence[Event], batch: "_Batch | None" = None, *, release: bool = False) -> "_Batch":
        """Encode `events` into a delivery (a new one, or appended to `batch`), sending nothing.

        The runtime calls it on its own thread for each pipeline batch as it is routed, while those
        events are still in the CPU caches, and hands the delivery to `send` on the output's thread,
        which then only holds bytes: `write(events)` is `send(prepare(events))`. With `release` (the
        caller reads nothing of these events' fields any more: the runtime loop, when this is its only
        output) each encoded event's field dict is dropped now, while it is hot, instead of when the
        answer comes (measured: 1.14x the CPU an event when held cold, 1.07x dropped at once); the
        rare answer that needs one again (a rejected document's dead letter, its index) decodes it
        back from the body."""
        chunk = _Batch(events)
        started = time.thread_time()  # this thread's CPU (process_time would count every thread's, and sums them at each call)
        if self._fast:
            self._encode_fast(chunk)
        else:
            self._encode(chunk)
        if release:
            chunk.release()
        self.metrics.encode_seconds.inc(time.thread_time() - started)
        if batch is None:
            return chunk
        batch.extend(chunk)
        return batch

    def send(self, batch: "_Batch") -> list[Outcome]:
        """Deliver what `prepare` encoded; one outcome per event prepared, in order. Blocks while
        Elasticsearch refuses them; `stop()` makes it raise `DeliveryStopped`."""
        batch.seal()
        if len(batch.body) > self.max_content_length:
            self._drop_oversized(batch)
        sent = len(batch.positions)
        if sent and not batch.skipped and sent <= self._flush_size and len(batch.body) <= self._flush_bytes:
            self._deliver(batch, list(range(sent)))  # the usual case: the whole batch in one request
        elif sent:
            self._deliver_chunked(batch, sent)
        if batch.rejected:
            self._dead_letter(batch)
        outcomes = batch.outcomes
        indexed = outcomes.count(INDEXED)
        if indexed:
            self.metrics.indexed.inc(indexed)
        duplicates = outcomes.count(DUPLICATE)
        if duplicates:
            self.metrics.duplicate.inc(duplicates)
        return outcomes

    def _encode_batch(self, events: Sequence[Event]) -> "_Batch":
        """The body `write` would send for `events`, sending nothing (benchmarks/es_bench.py measures it)."""
        batch = _Batch(events)
        if self._fast:
            self._encode_fast(batch)
        else:
            self._encode(batch)
        return batch

    def _deliver_chunked(self, batch: "_Batch", sent: int) -> None:
        """Requests of at most `flush_size` documents and `flush_bytes` bytes (one document over it goes alone)."""
        skipped = batch.skipped
        sizes = batch.sizes()
        flush_size, flush_bytes = self._flush_size, self._flush_bytes
        chunk: list[int] = []
        chunk_bytes = 0
        for k in range(sent):
            if k in skipped:
                continue
            size = sizes[k]
            if chunk and (len(chunk) >= flush_size or chunk_bytes + size > flush_bytes):
                self._deliver(batch, chunk)
                chunk, chunk_bytes = [], 0
            chunk.append(k)
            chunk_bytes += size
        if chunk:
            self._deliver(batch, chunk)

    def stop(self) -> None:
        """Make a blocked `write` raise `DeliveryStopped` (from any thread)."""
        self._stopping.set()

    def close(self) -> None:
        self.connection.close()

    # -- building the body -----------------------------------------------------------------------
    def _encode_fast(self, batch: "_Batch") -> None:
        """The default shape (constant action, no document_id, routing or pipeline): ids from the source.

        Per event only the action line is built here (its start cached per index, the `_id` escaped by
        orjson); the body is then encoded in one call, action lines as they are and events' fields as
        held (undecoded values copied through), each followed by a newline. The index is found once for
        the batch when it can be: a constant name, or a daily one (`name-%{+yyyy.MM.dd}`) with every
        event's `@timestamp` in one UTC day (the usual batch); else per event, a day's name kept while
        its events follow each other."""
        events = batch.events
        index = self._batch_index(events)
        parts: list[Any] = []
        if index is not None:
            head = self._lines[self._action].id_head(index)
            try:  # the usual batch: every event has its id from the source (comprehensions: no loop of ours)
                actions = _source_actions(head, [event._meta[PROVENANCE] for event in events])
            except (KeyError, TypeError):
                actions = None
            if actions is not None:
                parts = [None] * (2 * len(events))
                parts[0::2] = actions
                parts[1::2] = [event._data for event in events]
                batch.positions = list(range(len(events)))
                batch.parts = parts
                batch.body = encode_lines(parts)
                return
            add = parts.append
            scratch = bytearray()
            for event in events:
                info = event._meta.get(PROVENANCE)  # `metadata`, without the call: this runs per document
                doc_id = id_of(info)
                if doc_id is not None:
                    add(Raw(b"".join((head, dumps(doc_id), b"}}"))))
                    add(event._data)
                else:
                    _add_fingerprinted(add, head, event, info, scratch)
            batch.positions = list(range(len(events)))
        else:
            self._encode_fast_per_event(batch, parts)
        batch.parts = parts
        batch.body = encode_lines(parts)

    def _batch_index(self, events: Sequence[Event]) -> str | None:
        """The one index every event of `events` goes to, when that is known without rendering each (and
        it resolved); None: render per event."""
        if not events:
            return None
        if self._constant_index is not None:
            return self._constant_index
        if not self._daily:
            return None
        try:
            stamps = [event._data.get(TIMESTAMP) for event in events]
            first, last = min(stamps), max(stamps)  # TypeError: not all datetimes, or naive beside aware
        except TypeError:
            return None
        if first.__class__ is not datetime or first.tzinfo is None:
            return None
        day = first.astimezone(timezone.utc)
        day_start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        if not day_start <= last < day_start + _DAY:
            return None
        index = self._render_index(events[0])
        if self._index_checked and "%{" in index:
            return None  # each event is rejected on its own by the per-event loop
        return index

    def _encode_fast_per_event(self, batch: "_Batch", parts: list[Any]) -> None:
        """`_encode_fast` for a batch whose index is rendered per event (several days, a template); with a
        daily index, an event of the day last seen skips the render."""
        render_index, checked, heads = self._render_index, self._index_checked, self._lines[self._action]
        daily = self._daily
        add = parts.append
        rejected = batch.rejected
        last_index, head = None, b""
        day_start = day_end = None
        scratch = bytearray()
        for position, event in enumerate(batch.events):
            fields = event._data
            if daily:
                stamp = fields.get(TIMESTAMP)
                if stamp.__class__ is datetime and day_start is not None and day_start <= stamp < day_end:
                    index = last_index
                else:
                    index = render_index(event)
                    if stamp.__class__ is datetime:
                        day = stamp.astimezone(timezone.utc)
                        day_start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
                        day_end = day_start + _DAY
                    else:  # the name just rendered is not that day's: the next event of the day renders again
                        day_start = None
            else:
                index = render_index(event)
            if index is not last_index:
                if checked and "%{" in index:
                    batch.reject(position, _unresolved(index), "index_interpolation", None, index)
                    day_start = None
                    continue
                last_index, head = index, heads.id_head(index)
            info = event._meta.get(PROVENANCE)
            doc_id = id_of(info)
            if doc_id is not None:
                add(Raw(b"".join((head, dumps(doc_id), b"}}"))))
                add(fields)
            else:
                _add_fingerprinted(add, head, event, info, scratch)
        if rejected:
            taken = {r[0] for r in rejected}
            batch.positions = [p for p in range(len(batch.events)) if p not in taken]
        else:
            batch.positions = list(range(len(batch.events)))

    def _encode(self, batch: "_Batch") -> None:
        """Any shape: action, document_id, routing and pipeline rendered per event; a template that cannot
        render for an event dead-letters that event."""
        render_index, checked, document_id = self._render_index, self._index_checked, self._document_id
        action, lines, routing, pipeline = self._action, self._lines, self._routing, self._pipeline
        parts: list[Any] = []
        add = parts.append
        keep = batch.positions.append
        constant_lines = lines[action] if action.__class__ is str else None
        for position, event in enumerate(batch.events):
            try:
                index = render_index(event)
                if checked and "%{" in index:
                    raise _Rejected(_unresolved(index), "index_interpolation", index)
                if constant_lines is not None:
                    actions = constant_lines
                else:
                    op = action(event)  # type: ignore[operator]
                    actions = lines.get(op)
                    if actions is None:
                        raise _Rejected(f"action {op!r} rendered from the action option is not index or create", "action_interpolation", index)
                document = None
                if document_id is not None:
                    doc_id = document_id(event)
                else:
                    info = event.metadata.get(PROVENANCE)
                    doc_id = id_of(info)
                    if doc_id is None:
                        source = info.get("original") if info else None
                        if source is None:
                            source = event.get(_EVENT_ORIGINAL)
                        if source is None:
                            document = source = encode_event(event)
                        doc_id = fingerprint(source)
                line = actions.line(
                    index, doc_id,
                    routing(event) if routing is not None else None,
                    pipeline(event) if pipeline is not None else None,
                    newline=False,
                )
            except _Rejected as exc:
                batch.reject(position, exc.reason, exc.error_type, None, exc.index)
                continue
            except Exception as exc:  # a template that cannot render for this event (EventError and the like)
                batch.reject(position, f"cannot build the bulk action: {exc}", type(exc).__name__, None, None)
                continue
            keep(position)
            add(Raw(line))
            add(event._data if document is None else Raw(document))
        batch.parts = parts
        batch.body = encode_lines(parts)

    def _drop_oversized(self, batch: "_Batch") -> None:
        """Documents whose lines alone exceed `http.max_content_length`: never sent, dead-lettered (413)."""
        positions, limit = batch.positions, self.max_content_length
        for k, size in enumerate(batch.sizes()):
            if size > limit:
                batch.skipped.add(k)
                event = batch.event(positions[k])
                batch.reject(
                    positions[k],
                    f"document of {size} bytes is larger than the cluster's http.max_content_length ({limit} bytes); not sent",
                    "document_too_large", 413, self._render_index(event),
                )

    # -- sending ---------------------------------------------------------------------------------
    def _deliver(self, batch: "_Batch", todo: list[int]) -> None:
        """Send documents `todo` (numbers into `positions`) until each has an outcome; retried ones again and again."""
        interval = self._initial
        attempt = 0
        metrics = self.metrics
        while todo:
            if self._stopping.is_set():
                raise DeliveryStopped(f"{self.name}: stopped with {len(todo)} documents not delivered")
            payload = batch.payload(todo)
            started = time.perf_counter()
            try:
                response = self.connection.bulk(payload, params=BULK_PARAMS)
            except RequestFailed as exc:
                metrics.requests_failed.inc()
                if exc.status == 413:
                    self._split(batch, todo, exc)
                    return
                attempt += 1
                interval = self._backoff(interval, attempt, len(todo), f"the bulk request was refused: {exc}")
                continue
            except Unreachable as exc:
                metrics.requests_failed.inc()
                attempt += 1
                interval = self._backoff(interval, attempt, len(todo), f"Elasticsearch at {self._hosts} did not answer: {exc.reason}")
                continue
            finally:
                metrics.request_seconds.observe(time.perf_counter() - started)
            metrics.requests.inc()
            started = time.thread_time()
            retry = self._read(batch, response, todo)
            metrics.response_seconds.inc(time.thread_time() - started)
            if retry:
                attempt += 1
                statuses = sorted({status for _, status, _ in retry})
                first = retry[0][2]
                todo = [k for k, _, _ in retry]
                interval = self._backoff(
                    interval, attempt, len(todo),
                    f"Elasticsearch answered {', '.join(map(str, statuses))} for {len(todo)} documents ({first})",
                    items=True,
                )
            else:
                todo = []

    def _read(self, batch: "_Batch", response: Any, todo: list[int]) -> list[tuple[int, int, str]]:
        """Outcomes from a bulk response's items, one-to-one with `todo`; returns the documents to retry."""
        items = response.get("items") if isinstance(response, dict) else None
        if items is None or len(items) != len(todo):
            raise DeliveryError(
                f"{self.name}: a bulk response had {len(items) if items is not None else 'no'} items for "
                f"{len(todo)} documents; nothing of it is counted"
            )
        positions, outcomes = batch.positions, batch.outcomes
        if not response.get("errors"):
            if len(todo) == len(outcomes):  # every event of the batch, in this one request
                outcomes[:] = [INDEXED] * len(outcomes)
            else:
                for k in todo:
                    outcomes[positions[k]] = INDEXED
            return []
        retry: list[tuple[int, int, str]] = []
        dlq_codes = self._dlq_codes
        for k, item in zip(todo, items):
            for op, result in item.items():
                status = result["status"]
                position = positions[k]
                if status < 300:
                    outcomes[position] = INDEXED
                elif status == 409 and op == "create":
                    outcomes[position] = DUPLICATE
                elif status in dlq_codes or status == 409:
                    error = result.get("error") or {}
                    batch.reject(position, _reason(error), _error_type(error), status, self._render_index(batch.event(position)))
                else:
                    retry.append((k, status, _reason(result.get("error") or {})))
        return retry

    def _split(self, batch: "_Batch", todo: list[int], exc: RequestFailed) -> None:
        """A 413 for a whole request: send each half on its own; one document alone is rejected."""
        if len(todo) == 1:
            position = batch.positions[todo[0]]
            batch.reject(position, f"request too large for Elasticsearch: {exc.reason}", exc.error_type, 413,
                         self._render_index(batch.event(position)))
            return
        half = len(todo) // 2
        log.warning("%s: Elasticsearch answered 413 for a bulk request of %d documents; sending it in halves", self.name, len(todo))
        self._deliver(batch, todo[:half])
        self._deliver(batch, todo[half:])

    def _backoff(self, interval: float, attempt: int, count: int, why: str, *, items: bool = False) -> float:
        """Wait between half and all of `interval` (jitter), or raise `DeliveryStopped`; the next interval."""
        delay = min(interval, self._max)
        delay = random.uniform(delay / 2, delay)
        if items:
            self.metrics.retried_items.inc(count)
        else:
            self.metrics.retried_requests.inc()
        log.warning(
            "%s is blocked: %s; retry %d of %d documents in %.1fs (the pipeline waits until Elasticsearch takes them)",
            self.name, why, attempt, count, delay,
        )
        if self._stopping.wait(delay):
            raise DeliveryStopped(f"{self.name}: stopped while blocked ({why})")
        return min(interval * 2, self._max)

    def _id_of(self, event: Event) -> str | None:
        """The `_id` this event is (or would be) sent with; None when it cannot be rendered."""
        try:
            if self._document_id is not None:
                return self._document_id(event)
            info = event.metadata.get(PROVENANCE)
            doc_id = id_of(info)
            if doc_id is not None:
                return doc_id
            source = info.get("original") if info else None
            if source is None:
                source = event.get(_EVENT_ORIGINAL)
            return fingerprint(encode_event(event) if source is None else source)
        except Exception:  # a document_id template that cannot render for this event
            return None

    def _dead_letter(self, batch: "_Batch") -> None:
        dlq, outcomes = self._dlq, batch.outcomes
        for position, reason, error_type, status, index in batch.rejected:
            event = batch.event(position)
            info = provenance(event)
            if id_of(info) is None:  # the record keeps the very `_id`, so that a replay sends the same one
                doc_id = self._id_of(event)
                if doc_id is not None:
                    info["id"] = doc_id
            original = info.get("original")
            if original is None:
                original = event.get(_EVENT_ORIGINAL)
            log.warning("%s: document %s rejected (%s %s): %s", self.name, place_of(info) or f"#{position}", status, error_type, reason)
            dlq.put(
                reason, place=place_of(info), stage="output", original=original, event=event,
                plugin=self.name, error_type=error_type, status=status, index=index,
            )
            outcomes[position] = DEAD_LETTERED
        dlq.sync()
        self.metrics.dead_lettered.inc(len(batch.rejected))


def _source_actions(head: bytes, infos: list[dict]) -> list[Raw] | None:
    """The action lines of documents whose ids their sources gave (None when one has none). One
    stream's events in the compact form (a Kafka partition's read, a file's batch; see `sinks.base`):
    the head and the escaped prefix made once, each line one format of its offset, no id text made.
    Raises KeyError or TypeError for provenance of neither form."""
    if not any(["id" in info for info in infos]):
        streams = {info["stream_id"] for info in infos}
        if len(streams) == 1:
            form = (head + dumps(streams.pop())[:-1]).replace(b"%", b"%%") + b'%d"}}'  # `"prefix` + offset + `"}}`
            return [Raw(form % info["offset"]) for info in infos]
    ids = [info["id"] if "id" in info else id_of(info) for info in infos]  # given ids (Beats) read inline
    if None in ids:
        return None
    return [Raw(b"".join((head, dumps(doc_id), b"}}"))) for doc_id in ids]


def _add_fingerprinted(add: Callable[[Any], None], head: bytes, event: Event, info: dict | None, scratch: bytearray) -> None:
    """The two parts of a document with no `_id` from its source: the id a fingerprint of the input as it
    came in (`original`, `[event][original]`), else of the encoded document (encoded once, into `scratch`)."""
    fields = event._data
    source = info.get("original") if info else None
    if source is None and "event" in fields:  # [event][original] can only be under "event"
        source = event.get(_EVENT_ORIGINAL)
    if source is None:
        _encode_into(fields, scratch, 0)
        document = bytes(scratch)
        add(Raw(b"".join((head, b'"', fingerprint(document).encode(), b'"}}'))))
        add(Raw(document))
    else:
        add(Raw(b"".join((head, b'"', fingerprint(source).encode(), b'"}}'))))
        add(fields)


class _Batch:
    """One delivery: the events, the body sent, the event position of each document in it, the outcomes.

    `parts` holds two values per document (its action line as `Raw`, then its fields or its encoded
    `Raw`), `body` their encoding in one piece: the usual request sends `body` as it is; a part of it
    (a chunk, a retry, a half after a 413) is cut from it where each document's size says. `prepare`
    may encode a delivery in several pieces (`extend`); `seal` joins their bodies before it is sent.
    Once `release`d, `parts` is None and the events sent have no fields: sizes come from the body's
    line breaks (each document is two lines; JSON text holds no raw line break, and every source
    decodes pretty-printed input onto one line first), and `event(position)` decodes an event's
    fields back from its line when an answer needs them."""

    __slots__ = ("events", "parts", "body", "positions", "outcomes", "rejected", "skipped", "_sizes", "_starts", "_bodies", "_lines")

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = events
        self.parts: list[Any] = []
        self.body = b""
        self.positions: list[int] = []  # per document sent: its event's position in `events`
        self.outcomes: list[Any] = [None] * len(events)
        self.rejected: list[tuple[int, str, str, int | None, str | None]] = []
        self.skipped: set[int] = set()  # documents in the body never to be sent (over max_content_length)
        self._sizes: list[int] | None = None
        self._starts: list[int] | None = None
        self._bodies: list[bytes] | None = None  # the pieces' bodies while more may come (`extend`)
        self._lines: list[int] | None = None  # released: where each line of the body starts, and its end

    def extend(self, piece: "_Batch") -> None:
        """Append another encoded piece: its events after ours, its documents after ours."""
        base = len(self.events)
        if self._bodies is None:
            self.events = list(self.events)  # ours from here on: the caller's sequence is left alone
            self._bodies = [self.body]
        self.events.extend(piece.events)  # type: ignore[attr-defined]
        if self.parts is None or piece.parts is None:  # released: sizes from the body's line breaks
            self.parts = None
        else:
            self.parts.extend(piece.parts)
        self._bodies.append(piece.body)
        self.positions.extend([p + base for p in piece.positions] if base else piece.positions)
        self.outcomes.extend(piece.outcomes)
        if piece.rejected:
            self.rejected.extend((p + base, *rest) for p, *rest in piece.rejected)

    def seal(self) -> None:
        """The body of every piece as one (before it is sent; nothing may be added after)."""
        if self._bodies is not None:
            self.body = b"".join(self._bodies)
            self._bodies = None

    def reject(self, position: int, reason: str, error_type: str, status: int | None, index: str | None) -> None:
        self.rejected.append((position, reason, error_type, status, index))

    def release(self) -> None:
        """Drop the field dicts of the events whose documents are in the body (those rejected before
        it keep theirs, for their dead letters), and the parts that held them."""
        events = self.events
        for position in self.positions:
            events[position]._data = None
        self.parts = None

    def event(self, position: int) -> Event:
        """The event at `position`, its fields decoded back from its document line if they were released."""
        event = self.events[position]
        if event._data is None:
            self.sizes()
            lines = self._lines
            k = 2 * self.positions.index(position) + 1  # its document's line
            fields = decode_fields(self.body[lines[k] : lines[k + 1] - 1])  # as sent: values undecoded until read
            stamp = fields.get(TIMESTAMP)
            if stamp is not None and (moment := lazy_timestamp(stamp)) is not None:
                fields[TIMESTAMP] = moment
            event._data, event._lazy = fields, True
        return event

    def sizes(self) -> list[int]:
        """Bytes of each document's two lines (computed once, when a request must be cut or a document
        may be too large), and where each starts in `body`."""
        if self._sizes is None and self.parts is None:  # released: from the line breaks
            self._lines = lines = _line_starts(self.body)
            if len(lines) != 2 * len(self.positions) + 1:
                raise DeliveryError(f"a bulk body of {len(self.positions)} documents has {len(lines) - 1} lines; it cannot be cut")
            self._starts = starts = lines[0::2]
            self._sizes = [b - a for a, b in zip(starts, starts[1:])]
        elif self._sizes is None:
            parts = self.parts
            self._sizes = [
                len(parts[i]) + len(parts[i + 1] if parts[i + 1].__class__ is Raw else encode(parts[i + 1])) + 2
                for i in range(0, len(parts), 2)
            ]
            starts = list(accumulate(self._sizes, initial=0))
            self._starts = starts if starts[-1] == len(self.body) else None  # else: encode parts again, never cut wrong
        return self._sizes

    def payload(self, todo: list[int]) -> bytes:
        """The lines of documents `todo` (numbers into `positions`): the body itself when that is all of them,
        else cut from it (where documents start is known) or encoded again from `parts`."""
        if len(todo) == len(self.positions):
            return self.body
        self.sizes()
        starts = self._starts
        if starts is not None:
            first, last = todo[0], todo[-1]
            if last - first + 1 == len(todo):
                return self.body[starts[first] : starts[last + 1]]
            view = memoryview(self.body)
            return b"".join(view[starts[k] : starts[k + 1]] for k in todo)
        parts = self.parts
        return encode_lines([part for k in todo for part in (parts[2 * k], parts[2 * k + 1])])


def _line_starts(body: bytes) -> list[int]:
    """Where each line of `body` starts, then its end (each line ends with a line break)."""
    starts = [0]
    add, find = starts.append, body.find
    at = find(b"\n")
    while at >= 0:
        add(at + 1)
        at = find(b"\n", at + 1)
    if starts[-1] != len(body):
        add(len(body))  # a last line without its break: still bounded
    return starts


def _unresolved(index: str) -> str:
    return f"index name {index!r} kept an unresolved %{{...}} reference (dlq_on_failed_indexname_interpolation)"


def _reason(error: dict) -> str:
    if not isinstance(error, dict):
        return str(error)
    text = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    cause = error.get("caused_by")
    if isinstance(cause, dict):
        text += f"; caused by {cause.get('type', 'error')}: {cause.get('reason', '')}"
    return text


def _error_type(error: dict) -> str:
    return str(error.get("type", "unknown")) if isinstance(error, dict) else "unknown"


def _constant_or_render(text: str) -> str | Callable[[Event], str]:
    template = Template(text)
    return text if template.constant else template.render


def _data_stream_index(settings: "ElasticsearchOutput") -> Callable[[Event], str]:
    """`type-dataset-namespace` per event: the event's own `data_stream.*` fields when auto routing, else the
    options'; with sync_fields the event's fields are set to the names used (as Logstash does)."""
    kind, dataset, namespace = settings.data_stream_type, settings.data_stream_dataset, settings.data_stream_namespace
    constant = f"{kind}-{dataset}-{namespace}"
    routing, sync = settings.data_stream_auto_routing, settings.data_stream_sync_fields

    def render(event: Event) -> str:
        if not routing and not sync:
            return constant
        t, d, n = kind, dataset, namespace
        if routing:
            t = event.get(_DS_TYPE) or kind
            d = event.get(_DS_DATASET) or dataset
            n = event.get(_DS_NAMESPACE) or namespace
        if sync:
            event.set(_DS_TYPE, t)
            event.set(_DS_DATASET, d)
            event.set(_DS_NAMESPACE, n)
        return f"{t}-{d}-{n}"

    return render

