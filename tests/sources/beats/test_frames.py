"""Lumberjack frame decoding: windows out of any split of the stream, failures placed by byte offset."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from porttrack_logs.sources.beats.frames import FrameDecoder, LimitError, ProtocolError, ack_frame

LIMITS = dict(max_window_size=1000, max_frame_bytes=1 << 20, max_window_bytes=4 << 20)


def window(n: int, version: bytes = b"2") -> bytes:
    return version + b"W" + struct.pack(">I", n)


def jframe(seq: int, payload: bytes) -> bytes:
    return b"2J" + struct.pack(">II", seq, len(payload)) + payload


def cframe(inner: bytes, level: int = 3) -> bytes:
    block = zlib.compress(inner, level)
    return b"2C" + struct.pack(">I", len(block)) + block


def dframe(seq: int, pairs: dict[str, str]) -> bytes:
    out = b"1D" + struct.pack(">II", seq, len(pairs))
    for key, value in pairs.items():
        for text in (key.encode(), value.encode()):
            out += struct.pack(">I", len(text)) + text
    return out


def events(count: int) -> list[bytes]:
    return [json.dumps({"message": f"line {i}", "n": i}).encode() for i in range(count)]


def test_plain_and_compressed_windows_give_the_payloads_as_sent():
    """A J window and a C window (Filebeat's shape: W then one zlib block of J frames) decode
    to the same seqs and the exact payload bytes."""
    payloads = events(5)
    plain = window(5) + b"".join(jframe(i + 1, p) for i, p in enumerate(payloads))
    packed = window(5) + cframe(b"".join(jframe(i + 1, p) for i, p in enumerate(payloads)))
    for stream in (plain, packed):
        [got] = FrameDecoder(**LIMITS).feed(stream)
        assert got.seqs == [1, 2, 3, 4, 5] and got.payloads == payloads and got.version == 0x32


def test_byte_by_byte_feeding_gives_the_same_windows():
    """However TCP splits the stream, the same windows come out, each once."""
    payloads = events(7)
    stream = window(3) + cframe(b"".join(jframe(i + 1, p) for i, p in enumerate(payloads[:3])))
    stream += window(4) + b"".join(jframe(i + 1, p) for i, p in enumerate(payloads[3:]))
    decoder = FrameDecoder(**LIMITS)
    done = []
    for i in range(len(stream)):
        done += decoder.feed(stream[i : i + 1])
    assert [w.payloads for w in done] == [payloads[:3], payloads[3:]]
    assert decoder.offset == len(stream) and decoder.buffered == 0 and not decoder.in_window


def test_legacy_data_frames_become_canonical_json():
    """A v1 window of D frames decodes its key/value pairs to JSON with sorted keys."""
    stream = window(2, b"1") + dframe(1, {"line": "hello", "host": "a"}) + dframe(2, {"line": "bye"})
    [got] = FrameDecoder(**LIMITS).feed(stream)
    assert got.version == 0x31 and got.seqs == [1, 2]
    assert [json.loads(p) for p in got.payloads] == [{"host": "a", "line": "hello"}, {"line": "bye"}]
    assert got.payloads[0] == b'{"host":"a","line":"hello"}'


def test_ack_frame_layout():
    """`2A` and a big-endian uint32."""
    assert ack_frame(0x32, 258) == b"2A\x00\x00\x01\x02"


@pytest.mark.parametrize(
    ("head", "says"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "an HTTP request ('GET / HTTP/1.1')"),
        (b"HEAD / HTTP/1.1\r\n\r\n", "an HTTP request"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "a TLS handshake (first byte 0x16) on a plain-text port"),
        (b"\x00\x00\x00", "byte 0x00 where a frame version"),
    ],
)
def test_junk_at_the_start_names_what_it_is(head, says):
    """The first bytes of a connection that is no Lumberjack client are described, at offset 0."""
    with pytest.raises(ProtocolError) as caught:
        FrameDecoder(**LIMITS).feed(head)
    assert caught.value.offset == 0 and says in str(caught.value)


def test_malformed_frames_name_their_byte_offset():
    """An unknown type, an event outside a window, a seq going back, a new window too early."""
    good = window(1) + jframe(1, b"{}")
    cases = [
        (good + b"2X", len(good), "unknown frame type 0x58 'X'"),
        (good + jframe(1, b"{}"), len(good), "outside any window"),
        (good + window(2) + jframe(2, b"{}") + jframe(1, b"{}"), len(good) + 6 + 12, "event seq 1 after seq 2"),
        (good + window(2) + jframe(1, b"{}") + window(1), len(good) + 6 + 12, "a new window starts while"),
        (good + b"7J", len(good), "unknown frame version 0x37"),
    ]
    for stream, offset, says in cases:
        with pytest.raises(ProtocolError) as caught:
            FrameDecoder(**LIMITS).feed(stream)
        assert caught.value.offset == offset, stream
        assert says in str(caught.value) and f"byte offset {offset}" in str(caught.value)


def test_bad_zlib_is_a_protocol_error_at_the_block():
    """Corrupt, truncated and trailing-garbage zlib blocks (logstash-input-beats#106/#368) are refused."""
    inner = b"".join(jframe(i + 1, p) for i, p in enumerate(events(3)))
    block = zlib.compress(inner)
    corrupt = block[:2] + bytes(b ^ 0x5A for b in block[2:])
    for body, says in [
        (corrupt, "not a zlib (RFC 1950) stream"),
        (block[: len(block) // 2], "ends before its zlib stream does"),
        (block + b"junk", "bytes after the end of the zlib stream"),
        (zlib.compress(inner[:-3]), "compressed frame ends inside a frame"),
        (zlib.compress(jframe(1, b"{}") + window(1)), "frame type 0x57 'W' inside a compressed frame"),
    ]:
        stream = window(3) + b"2C" + struct.pack(">I", len(body)) + body
        with pytest.raises(ProtocolError) as caught:
            FrameDecoder(**LIMITS).feed(stream)
        assert caught.value.offset == 6 and says in str(caught.value), says


def test_zlib_bomb_stops_at_the_window_limit():
    """A 64 MiB block of zeros (about 64 KiB compressed) is refused once it passes the limit,
    naming the limit and the frame's offset, without inflating it whole."""
    bomb = zlib.compress(b"\x00" * (64 << 20), 9)
    stream = window(1) + b"2C" + struct.pack(">I", len(bomb)) + bomb
    with pytest.raises(LimitError) as caught:
        FrameDecoder(**LIMITS).feed(stream)
    assert caught.value.offset == 6
    assert f"inflates past the limit of {4 << 20} bytes" in str(caught.value)


def test_limits_on_window_size_frame_length_and_window_bytes():
    """Each bound is enforced at the frame that crosses it."""
    with pytest.raises(LimitError, match="window of 1001 events is larger than the limit of 1000"):
        FrameDecoder(**LIMITS).feed(window(1001))
    with pytest.raises(LimitError, match=f"JSON frame of {(1 << 20) + 1} bytes is larger than the limit"):
        FrameDecoder(**LIMITS).feed(window(1) + b"2J" + struct.pack(">II", 1, (1 << 20) + 1))
    decoder = FrameDecoder(max_window_size=10, max_frame_bytes=100, max_window_bytes=150)
    with pytest.raises(LimitError, match="holds more than the limit of 150 bytes") as caught:
        decoder.feed(window(3) + jframe(1, b"x" * 80) + jframe(2, b"y" * 80))
    assert caught.value.offset == 6 + 90


def test_a_large_frame_is_parsed_once_it_is_whole():
    """A 1 MB event arriving in 64 KiB pieces comes out whole, exactly once."""
    payload = json.dumps({"message": "x" * (1 << 20)}).encode()
    stream = window(1) + jframe(1, payload)
    decoder = FrameDecoder(max_window_size=10, max_frame_bytes=2 << 20, max_window_bytes=4 << 20)
    done = []
    for i in range(0, len(stream), 65536):
        done += decoder.feed(stream[i : i + 65536])
    assert len(done) == 1 and done[0].payloads == [payload]


def test_feed_completes_at_most_limit_windows_and_keeps_the_rest():
    """Many small windows in one chunk come out `limit` at a time; the rest stays undecoded."""
    stream = b"".join(window(1) + jframe(1, p) for p in events(5))
    decoder = FrameDecoder(**LIMITS)
    assert len(decoder.feed(stream, 2)) == 2
    assert decoder.buffered == len(stream) * 3 // 5
    assert len(decoder.feed(b"", 0)) == 0
    assert [json.loads(w.payloads[0])["n"] for w in decoder.feed(b"", 10)] == [2, 3, 4]
