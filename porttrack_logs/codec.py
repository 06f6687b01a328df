"""JSON bytes to events and back, without decoding or re-encoding what no filter reads.

A Filebeat event is decoded one level deep: each top-level value is kept as its raw JSON bytes
(`msgspec.Raw`) until a field reference first reads it, and a value never read is written back
out as the very bytes that came in. On PortTrack's events this decodes in less than half the
time of a full `orjson.loads`, and encodes four times faster than `orjson.dumps` (see README).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import msgspec

from .errors import JsonError
from .event import Event, parse_timestamp, register_lazy
from .event._timestamp import NanoTimestamp, fraction_nanos

__all__ = ["decode_event", "decode_events", "decode_object", "decode_fields", "DecodeFailure", "event_from_fields", "lazy_timestamp", "text_timestamp", "encode", "encode_event", "encode_event_into", "encode_event_lines", "encode_lines", "encode_into", "JsonError", "LAZY"]

LAZY = msgspec.Raw  #: the type of a top-level value left undecoded

_TOP_LEVEL = msgspec.json.Decoder(dict[str, msgspec.Raw])
_FULL = msgspec.json.Decoder()
_TIMESTAMP = msgspec.json.Decoder(datetime)  # RFC 3339 text straight to an aware datetime, in C
register_lazy(LAZY, _FULL.decode)


#: `decode_object` without its wrapper, for a source's per-line loop: raises `DecodeFailure`
#: (call `decode_object` on the same bytes for the message)
decode_fields = _TOP_LEVEL.decode
DecodeFailure = msgspec.DecodeError


def decode_object(data: bytes | str) -> dict[str, Any]:
    """A JSON object whose top-level values stay undecoded (`msgspec.Raw`) until read."""
    try:
        return _TOP_LEVEL.decode(data)
    except msgspec.ValidationError as exc:
        raise JsonError(f"expected a JSON object: {exc}") from None
    except msgspec.DecodeError as exc:
        raise JsonError(str(exc)) from None


def _one_line(data: bytes | str) -> bytes | str:
    """JSON text without the newlines a pretty-printer put between its tokens (a JSON string holds
    none: they are escaped). Undecoded values are written back as they came, and a raw newline in
    one would split a line of the `_bulk` body (Elasticsearch refuses the whole request)."""
    try:
        return msgspec.json.format(data, indent=-1)
    except msgspec.DecodeError:
        return data  # no JSON: the decoder says why


def decode_event(data: bytes | str) -> Event:
    """An event from a JSON object (a Filebeat event), nested values decoded on first use."""
    # pretty-printed (a Kafka producer's, a client's)? On bytes by `find`: `b"\n" in data` first tries
    # the needle as an integer, which raises and clears a TypeError inside CPython on every call
    if (data.find(b"\n") >= 0) if data.__class__ is bytes else ("\n" if data.__class__ is str else b"\n") in data:
        data = _one_line(data)
    try:
        fields = _TOP_LEVEL.decode(data)  # decode_object's work, without a second call per event
    except msgspec.DecodeError:
        decode_object(data)  # raises the JsonError that says why
        raise
    return event_from_fields(fields)


def decode_events(values: Sequence[Any]) -> list[Event | None]:
    """`decode_event` of each value, in order, with None where it would raise (call `decode_event` on
    that value for the error). The batch form a source calls once per read: one call instead of one per
    event, and the newline test by `bytes.find` (`b"\\n" in data` first tries the needle as an integer,
    which raises and formats a TypeError inside CPython on every call)."""
    decode, build, one_line = _TOP_LEVEL.decode, event_from_fields, _one_line
    events: list[Event | None] = []
    append = events.append
    for data in values:
        if data.__class__ is not bytes:
            try:
                append(decode_event(data))
            except (JsonError, msgspec.DecodeError, TypeError):
                append(None)
            continue
        if data.find(b"\n") >= 0:  # pretty-printed (a Kafka producer's, a client's)
            data = one_line(data)
        try:
            fields = decode(data)
        except msgspec.DecodeError:
            append(None)
        else:
            append(build(fields))
    return events


def event_from_fields(fields: dict[str, Any]) -> Event:
    """An event from top-level fields as a source decoded them (values may be undecoded JSON),
    `@timestamp` read here so `Event.from_lazy` takes its fast path: undecoded JSON is read as
    RFC 3339 in C; text (a container runtime's own time) as `Event` would read it; absent, now.
    A timestamp that does not read is left for `Event` to move aside and tag, as Logstash."""
    stamp = fields.get("@timestamp")
    if stamp is None:
        fields["@timestamp"] = datetime.now(timezone.utc)
    elif stamp.__class__ is LAZY:
        moment = lazy_timestamp(stamp)
        if moment is not None:  # else not RFC 3339: the Event reads it as Logstash would, or tags the failure
            fields["@timestamp"] = moment
    elif stamp.__class__ is str:
        try:
            fields["@timestamp"] = text_timestamp(stamp)
        except (ValueError, OverflowError):
            pass
    return Event.from_lazy(fields)


def lazy_timestamp(stamp: msgspec.Raw) -> datetime | None:
    """An undecoded `@timestamp` read as RFC 3339 in C, in UTC, its nanoseconds kept as Logstash
    keeps them; None when it is no RFC 3339 time."""
    try:
        moment = _TIMESTAMP.decode(stamp)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    zone = moment.tzinfo
    if zone is not timezone.utc:  # "Z" already reads as UTC: most events skip this
        moment = moment.replace(tzinfo=timezone.utc) if zone is None else moment.astimezone(timezone.utc)
    if len(stamp) > 29:  # room for more than six fraction digits: keep the nanoseconds
        moment = _finer(moment, stamp)
    return moment


def text_timestamp(text: str) -> datetime:
    """`parse_timestamp(text)`, with the form container runtimes write (RFC 3339 in UTC with nine
    fraction digits, `2026-11-27T06:00:00.123456789Z`: Docker's and CRI's time) read in one C call
    (half the time of the general path, measured by benchmarks/files_bench.py)."""
    if len(text) == 30 and text[29] == "Z" and text[19] == "." and text.isascii() and text[20:29].isdigit():
        nanos = int(text[26:29])
        if not nanos:
            return datetime.fromisoformat(text)  # "Z" reads as timezone.utc; digits past six truncated
        moment = NanoTimestamp.fromisoformat(text)
        moment.nanos = nanos
        return moment
    return parse_timestamp(text)


def _finer(moment: datetime, stamp: msgspec.Raw) -> datetime:
    """`moment`, or, when its text has more than six fraction digits (which msgspec rounds to the
    microsecond), the time read again with its nanoseconds."""
    text = bytes(stamp)[1:-1].decode("utf-8", "replace")
    if fraction_nanos(text) is None:
        return moment
    return parse_timestamp(text)


def _fallback(value: Any) -> Any:
    """What msgspec cannot encode is written as its text, as Logstash's to_s would (a
    `NanoTimestamp` with its nine fraction digits)."""
    return str(value)


_ENCODER = msgspec.json.Encoder(enc_hook=_fallback, decimal_format="number")


def encode(value: Any) -> bytes:
    """JSON bytes: aware datetimes RFC 3339 (UTC as `Z`), sets as lists, bytes as base64,
    undecoded values as they came, anything else as its text."""
    return _ENCODER.encode(value)


def encode_event(event: Event) -> bytes:
    """An event's fields (not `@metadata`) as JSON bytes, untouched values copied through."""
    return _ENCODER.encode(event.raw_fields())


def encode_event_into(event: Event, buffer: bytearray) -> None:
    """Append an event's JSON to `buffer` (a bulk body grows in one buffer, no bytes per event)."""
    _ENCODER.encode_into(event.raw_fields(), buffer, -1)


#: Values as newline-delimited JSON, one C call for all (a `_bulk` body of action lines, given as
#: `msgspec.Raw`, and events' `raw_fields()`): the same bytes as `encode` per value plus "\n" each
encode_lines = _ENCODER.encode_lines

#: `encode_into(value, buffer, offset)`: `encode`'s bytes written into `buffer` at `offset` (-1: appended),
#: the buffer resized to end there (a caller reusing one buffer saves growing new bytes per value)
encode_into = _ENCODER.encode_into


def encode_event_lines(events: Iterable[Event]) -> bytes:
    """Events as newline-delimited JSON (each line ends in "\\n"), in one call into the encoder."""
    return _ENCODER.encode_lines([event.raw_fields() for event in events])
