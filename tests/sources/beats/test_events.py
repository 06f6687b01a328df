"""What the server makes of each event: decoded by the codec, stamped with id, original and place
(a raw socket client here, so these run without Go)."""

from __future__ import annotations

import json
import socket
import struct
import time

from porttrack_logs.acks import DELIVERED
from porttrack_logs.sinks.base import PROVENANCE
from porttrack_logs.sources.beats.server import fingerprint, raw_fingerprint


def test_fingerprint_ignores_key_order_at_every_level():
    """The same event with its keys in another order (as Filebeat may resend it) has the same id;
    another value does not."""
    one = b'{"a":1,"log":{"file":{"path":"/x"},"offset":5},"message":"m"}'
    two = b'{"message":"m","log":{"offset":5,"file":{"path":"/x"}},"a":1}'
    assert fingerprint(one) == fingerprint(two) and raw_fingerprint(one) != raw_fingerprint(two)
    assert fingerprint(one) != fingerprint(one.replace(b'"/x"', b'"/y"'))
    assert fingerprint(b"not json") == raw_fingerprint(b"not json")
    assert len(fingerprint(one)) == 32


def _recv_frame(sock: socket.socket) -> bytes:
    """One 6-byte `A` frame, however TCP splits it."""
    out = b""
    while len(out) < 6:
        chunk = sock.recv(6 - len(out))
        assert chunk, "the server closed the connection"
        out += chunk
    return out


def _frames(payloads: list[bytes]) -> bytes:
    out = b"2W" + struct.pack(">I", len(payloads))
    for seq, payload in enumerate(payloads, 1):
        out += b"2J" + struct.pack(">II", seq, len(payload)) + payload
    return out


def test_events_are_decoded_and_stamped_and_the_ack_follows_the_settle(beats_server):
    """A window of three: Filebeat's @metadata lifted, a client's own `_porttrack` replaced, a
    payload that is no JSON kept as its text and tagged; the `A 3` comes only after the settle."""
    server = beats_server()
    forged = {"@timestamp": "2026-11-30T12:00:00Z", "@metadata": {"beat": "filebeat", PROVENANCE: {"id": "forged"}}, "message": "a"}
    payloads = [json.dumps(forged).encode(), b'{"message":"b","n":2}', b"plain \xff text"]
    with socket.create_connection(server.address, timeout=30) as sock:
        sock.sendall(_frames(payloads))
        batch = server.poll(30)
        assert batch is not None and len(batch) == 3
        first, second, third = batch.events
        assert first.metadata["beat"] == "filebeat" and first.get("message") == "a"
        info = first.metadata[PROVENANCE]
        assert info["id"] == fingerprint(payloads[0]) != "forged" and info["original"] == payloads[0]
        assert info["place"].startswith("beats:127.0.0.1:") and info["place"].endswith("#1/w1/s1")
        assert second.get("n") == 2 and second.metadata[PROVENANCE]["place"].endswith("/w1/s2")
        assert third.get("message") == "plain \ufffd text" and "_jsonparsefailure" in third.tags
        assert "not a JSON object" in third.metadata[PROVENANCE]["error"]
        sock.settimeout(0.5)
        try:
            early = sock.recv(6)
        except socket.timeout:
            early = b""
        assert early == b""  # nothing settled, nothing acknowledged
        batch.ack.settle(0, 2, DELIVERED)
        sock.settimeout(30)
        assert _recv_frame(sock) == b"2A" + struct.pack(">I", 2)  # the first two, as soon as they are settled
        batch.ack.settle(2, 1, DELIVERED)
        assert _recv_frame(sock) == b"2A" + struct.pack(">I", 3)
    assert server.stats.json_failures == 1


def test_keepalive_repeats_the_last_acknowledged_seq(beats_server):
    """While a window is partly settled, the keepalive `A` carries its last acknowledged seq."""
    server = beats_server(keepalive_interval=0.2)
    with socket.create_connection(server.address, timeout=30) as sock:
        sock.sendall(_frames([b'{"n":1}', b'{"n":2}', b'{"n":3}']))
        batch = server.poll(30)
        assert _recv_frame(sock) == b"2A" + struct.pack(">I", 0)  # nothing settled yet
        batch.ack.settle(0, 1, DELIVERED)
        seen = set()
        deadline = time.monotonic() + 30
        while struct.pack(">I", 1) not in {s[2:] for s in seen} and time.monotonic() < deadline:
            seen.add(_recv_frame(sock))
        assert b"2A" + struct.pack(">I", 1) in seen
        batch.ack.settle(1, 2, DELIVERED)
        while (frame := _recv_frame(sock)) != b"2A" + struct.pack(">I", 3):
            assert frame in (b"2A" + struct.pack(">I", 1),), frame  # never back to 0


def test_a_legacy_v1_window_is_acknowledged_with_a_v1_ack(beats_server):
    """`1W` + `1D` key/value frames: the pairs become the event's fields, the ack is `1A`."""
    server = beats_server()
    frame = b"1D" + struct.pack(">II", 1, 2)
    for text in (b"line", b"hello", b"host", b"old-forwarder"):
        frame += struct.pack(">I", len(text)) + text
    with socket.create_connection(server.address, timeout=30) as sock:
        sock.sendall(b"1W" + struct.pack(">I", 1) + frame)
        batch = server.poll(30)
        assert batch is not None
        [event] = batch.events
        assert (event.get("line"), event.get("host")) == ("hello", "old-forwarder")
        batch.ack.settle(0, 1, DELIVERED)
        assert _recv_frame(sock) == b"1A" + struct.pack(">I", 1)
