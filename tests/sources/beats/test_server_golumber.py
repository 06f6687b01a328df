"""The Beats server end to end with go-lumber, the client library Filebeat uses."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import defaultdict
from pathlib import Path

import pytest

from porttrack_logs.acks import DELIVERED, ERRORED
from porttrack_logs.sources.base import Batch

ROOT = Path(__file__).resolve().parents[3]


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll `condition` until true (a liveness wait, not a timing assertion)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize(("pipelining", "compress"), [(2, 3), (0, 0), (4, 9)], ids=["async-zlib3", "sync-plain", "async4-zlib9"])
def test_events_over_several_connections_arrive_once_each_and_are_acknowledged(beats_server, consume, run_client, pipelining, compress):
    """N events over 4 connections, windows pipelined and compressed: the client gets every ack,
    the consumer gets each event once, decoded, with Filebeat's @metadata lifted and its place stamped."""
    server = beats_server()
    consumer = consume(server)
    n = 6000
    summary = run_client(server.address[1], n=n, conns=4, window=250, pipelining=pipelining, compress=compress).result()
    assert summary["returncode"] == 0, summary
    assert summary["acked"] == n and summary["resent"] == 0 and summary["errors"] == []
    wait_for(lambda: len(consumer.arrivals) >= n, what="all events at the consumer")
    assert len(consumer.arrivals) == n
    assert consumer.numbers() == set(range(n)) and len(consumer.distinct_ids()) == n
    first = consumer.arrivals[0]
    assert first.place.startswith("beats:127.0.0.1:") and "/w1/s1" in first.place
    assert json.loads(first.original)["n"] == first.n


def test_acks_wait_for_the_consumer_and_keepalives_hold_the_client(beats_server, consume, run_client):
    """While the consumer holds every batch the client is not acknowledged (it keeps waiting, kept
    alive by keepalive acks past its own timeout); once settled, it is acknowledged in full."""
    gate = threading.Event()
    server = beats_server(keepalive_interval=0.3)
    consumer = consume(server, decide=lambda batch: DELIVERED if gate.is_set() else None)
    n = 1000
    client = run_client(server.address[1], n=n, conns=1, window=100, pipelining=2, timeout="3s")
    wait_for(lambda: len(consumer.held) == 2, what="two windows held")  # pipelining 2: no more come
    time.sleep(5)  # longer than the client's 3 s timeout: only the keepalives keep it waiting
    assert client.process.poll() is None, "the client finished without its acks"
    assert len(consumer.held) == 2 and server.stats.acks_sent > 0  # keepalives went out, nothing more read
    gate.set()
    assert consumer.release_held() == 2
    summary = client.result()
    assert summary["returncode"] == 0 and summary["acked"] == n
    assert summary["reconnects"] == 0 and summary["resent"] == 0, summary


@pytest.mark.parametrize("range_order", [False, True], ids=["json.Marshal", "map-order-like-filebeat"])
def test_a_held_window_times_the_client_out_and_the_resend_has_the_same_ids(beats_server, consume, run_client, range_order):
    """With no keepalive and the first window held, the client times out and resends it (and the
    window pipelined behind it) on a new connection, under the same ids. go-lumber's default
    encoder resends the same bytes; an encoder that walks Go maps as Filebeat's does resends some
    events with their keys in another order, and the canonical fingerprint still matches."""
    held_once = threading.Event()

    def decide(batch: Batch):
        if not held_once.is_set():
            held_once.set()
            return None  # never settled: as if the output hung
        return DELIVERED

    server = beats_server(keepalive_interval=3600)
    consumer = consume(server, decide=decide)
    n = 2000
    summary = run_client(server.address[1], n=n, conns=2, window=100, pipelining=2, timeout="1s", range_order=range_order).result()
    assert summary["returncode"] == 0 and summary["acked"] == n, summary
    assert summary["resent"] >= 100 and summary["reconnects"] >= 1, summary
    assert len(consumer.arrivals) == n + summary["resent"]  # what was resent arrived again...
    assert consumer.numbers() == set(range(n)) and len(consumer.distinct_ids()) == n  # ...under the same ids
    by_n = defaultdict(list)
    for a in consumer.arrivals:
        by_n[a.n].append(a)
    resent = [seen for seen in by_n.values() if len(seen) > 1]
    assert all(len({a.id for a in seen}) == 1 for seen in resent)
    changed = sum(1 for seen in resent if len({a.original for a in seen}) > 1)
    if range_order:
        assert changed > 0, "no resent event came with its keys reordered: the test shows nothing"
    else:
        assert changed == 0, "go-lumber's json.Marshal resent other bytes"


def test_an_errored_window_closes_its_connection_and_is_sent_again(beats_server, consume, run_client, caplog):
    """A window settled ERRORED is not acknowledged: its connection closes at once, the client
    reconnects and sends it again, and the second delivery is acknowledged."""
    failed = threading.Event()

    def decide(batch: Batch):
        if not failed.is_set():
            failed.set()
            return ERRORED
        return DELIVERED

    server = beats_server()
    consumer = consume(server, decide=decide)
    n = 500
    with caplog.at_level(logging.WARNING, logger="porttrack_logs.sources.beats"):
        summary = run_client(server.address[1], n=n, conns=1, window=100, pipelining=2, timeout="30s").result()
    assert summary["returncode"] == 0 and summary["acked"] == n and summary["reconnects"] >= 1
    assert consumer.numbers() == set(range(n)) and len(consumer.distinct_ids()) == n
    assert "/w1: 100 of 100 events were not delivered; closing the connection" in caplog.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_recorder(port: int, record: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("serve_and_record.py")), str(port), str(record)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    assert line.strip() == "listening", proc.stderr.read()
    return proc


def _recorded(record: Path) -> list[tuple[str, int]]:
    if not record.exists():
        return []
    rows = []
    for line in record.read_text().split("\n")[:-1]:  # whole lines only: the recorder may be mid-write
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():  # a line a kill -9 tore is not counted: never settled
            rows.append((parts[0], int(parts[1])))
    return rows


def test_kill_9_mid_stream_and_restart_loses_nothing(tmp_path, run_client):
    """The server process is killed with SIGKILL twice while 3 pipelined connections send; each
    time it restarts on the same port. The client resends what was not acknowledged, and the ids
    the consumers saw cover exactly the N events."""
    port = _free_port()
    record = tmp_path / "seen.txt"
    n = 30000
    server = _start_recorder(port, record)
    client = run_client(port, n=n, conns=3, window=200, pipelining=2, compress=3, timeout="5s", deadline="150s")
    try:
        for fraction in (0.25, 0.6):
            wait_for(lambda: len(_recorded(record)) >= n * fraction, timeout=120, what=f"{fraction:.0%} recorded")
            server.send_signal(signal.SIGKILL)
            server.wait()
            server = _start_recorder(port, record)
        summary = client.result(timeout=200)
    finally:
        server.kill()
        server.wait()
    assert summary["returncode"] == 0, summary
    assert summary["acked"] == n and summary["reconnects"] >= 2
    rows = _recorded(record)
    assert len({ident for ident, _ in rows}) == n
    assert {number for _, number in rows} == set(range(n))
    assert len(rows) >= n  # some were recorded twice (resent after a kill): same ids, counted once


# -- bad connections ---------------------------------------------------------------------------


def _talk(port: int, data: bytes) -> bytes:
    """Send `data` on a fresh connection; what the server answers before closing it."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        got = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return got
            if not chunk:
                return got
            got += chunk


def _window(n: int) -> bytes:
    return b"2W" + struct.pack(">I", n)


def _jframe(seq: int, payload: bytes) -> bytes:
    return b"2J" + struct.pack(">II", seq, len(payload)) + payload


def test_bad_connections_are_closed_with_a_reason_while_a_good_client_carries_on(beats_server, consume, run_client, caplog):
    """HTTP, TLS on the plain port, malformed frames, bad zlib and a zlib bomb each close their own
    connection with a log line naming it and the byte offset; a good client mid-stream (its windows
    held meanwhile) and a client of 1 MB events finish on their first connections."""
    gate = threading.Event()
    server = beats_server(max_window_bytes=8 << 20, max_frame_bytes=4 << 20, keepalive_interval=0.5)
    consumer = consume(server, decide=lambda batch: DELIVERED if gate.is_set() or consumer.batches <= 4 else None)
    port = server.address[1]
    n = 4000
    with caplog.at_level(logging.INFO, logger="porttrack_logs.sources.beats"):
        good = run_client(port, n=n, conns=2, window=200, pipelining=2, compress=3, timeout="20s")
        wait_for(lambda: len(consumer.held) >= 2, what="the good client mid-stream")
        bomb = zlib.compress(b"\x00" * (256 << 20), 9)
        good_frame = _window(1) + _jframe(1, b'{"message":"ok"}')
        bad = {
            "http": (b"GET / HTTP/1.1\r\nHost: beats\r\n\r\n", "an HTTP request ('GET / HTTP/1.1') on the Beats port"),
            "tls": (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(32), "a TLS handshake (first byte 0x16)"),
            "type": (good_frame + b"2Z\x00\x00", f"byte offset {len(good_frame)}: unknown frame type 0x5a 'Z'"),
            "zlib": (_window(2) + b"2C\x00\x00\x00\x10" + os.urandom(16), "byte offset 6: compressed frame is not a zlib"),
            "bomb": (_window(1) + b"2C" + struct.pack(">I", len(bomb)) + bomb, f"inflates past the limit of {8 << 20} bytes"),
            "frame": (_window(1) + b"2J\x00\x00\x00\x01\xff\xff\xff\xff", f"byte offset 6: JSON frame of {0xFFFFFFFF} bytes"),
        }
        for name, (data, says) in bad.items():
            answer = _talk(port, data)
            if name == "type":
                assert answer == b"", "a window of a connection that then broke was acknowledged"
            wait_for(lambda: says in caplog.text, timeout=30, what=f"the log line for {name}")
        assert good.process.poll() is None  # still held mid-stream, on its first connections
        big = run_client(port, n=12, conns=1, window=3, pipelining=2, compress=3, size=1 << 20, timeout="20s")
        gate.set()
        consumer.release_held()
        summary, big_summary = good.result(), big.result()
    assert summary["returncode"] == 0 and summary["acked"] == n
    assert summary["reconnects"] == 0 and summary["errors"] == [], summary
    assert big_summary["returncode"] == 0 and big_summary["acked"] == 12 and big_summary["reconnects"] == 0
    sizes = [len(a.original) for a in consumer.arrivals if a.n is not None and a.n < 12 and len(a.original) > 1 << 20]
    assert len(sizes) == 12
    assert consumer.numbers() >= set(range(n))
    assert server.stats.connections_refused == len(bad)
    for line in caplog.records:
        if "closing this connection" in line.getMessage():
            assert line.getMessage().startswith("beats:127.0.0.1:")  # names the connection


def test_a_consumer_that_does_not_poll_stops_the_reading(beats_server, consume, run_client):
    """Backpressure: with a hand-over of 2 batches and nobody polling, the server decodes one window
    more (waiting for a slot) and reads nothing further; once polled, everything flows."""
    server = beats_server(queue_size=2)
    n = 4000
    client = run_client(server.address[1], n=n, conns=1, window=100, pipelining=4, compress=0)
    wait_for(lambda: server.stats.windows >= 3, what="the hand-over to fill")
    time.sleep(1.5)  # room for a wrong server to read on; a right one cannot, however long we wait
    assert server.stats.windows == 3 and server._handover.qsize() == 2
    assert client.process.poll() is None
    consumer = consume(server)
    summary = client.result()
    assert summary["returncode"] == 0 and summary["acked"] == n and summary["reconnects"] == 0
    assert consumer.numbers() == set(range(n))


def test_a_connection_stops_reading_at_its_windows_in_flight(beats_server, consume, run_client):
    """A connection with `max_windows_in_flight` unacknowledged windows reads no further window."""
    server = beats_server(max_windows_in_flight=2, queue_size=100)
    consumer = consume(server, decide=lambda batch: None)  # hold everything
    client = run_client(server.address[1], n=1000, conns=1, window=50, pipelining=6, compress=0)
    wait_for(lambda: len(consumer.held) >= 2, what="two windows held")
    time.sleep(1.5)
    assert len(consumer.held) == 2 and server.stats.windows == 2
    consumer.decide = lambda batch: DELIVERED
    consumer.release_held()
    summary = client.result()
    assert summary["returncode"] == 0 and summary["acked"] == 1000


def test_an_idle_connection_is_closed_after_client_inactivity_timeout(beats_server, caplog):
    """A connection that sends nothing is closed after client_inactivity_timeout, with a log line."""
    server = beats_server(client_inactivity_timeout=0.5)
    with caplog.at_level(logging.INFO, logger="porttrack_logs.sources.beats"):
        with socket.create_connection(server.address, timeout=30) as sock:
            assert sock.recv(10) == b""  # closed by the server
        wait_for(lambda: "no data for 0.5s (client_inactivity_timeout): closing" in caplog.text, what="the log line")


def test_windows_held_in_total_stay_under_max_total_bytes(beats_server, consume, run_client):
    """With every window held and a 1 MiB budget for all connections, 3 connections that could
    have 12 windows of about 0.5 MiB in flight get no further than the budget plus one window each."""
    budget = 1 << 20
    server = beats_server(max_total_bytes=budget, max_windows_in_flight=16, keepalive_interval=0.5)
    consumer = consume(server, decide=lambda batch: None)
    client = run_client(server.address[1], n=3 * 400, conns=3, window=100, pipelining=4, compress=3, size=5000, timeout="30s")
    wait_for(lambda: server._held > budget, what="the budget to fill")
    time.sleep(1.5)  # room for a wrong server to read on
    with consumer.lock:
        held = list(consumer.held)
    window_bytes = max(sum(len(a) for a in (e.metadata["_porttrack"]["original"] for e in b.events)) for b in held)
    assert sum(sum(len(e.metadata["_porttrack"]["original"]) for e in b.events) for b in held) <= budget + 3 * window_bytes
    assert len(held) < 12, len(held)
    consumer.decide = lambda batch: DELIVERED
    consumer.release_held()
    summary = client.result()
    assert summary["returncode"] == 0 and summary["acked"] == 1200 and summary["reconnects"] == 0
