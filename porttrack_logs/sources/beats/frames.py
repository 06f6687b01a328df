"""Lumberjack frames, without I/O: bytes in, complete windows out, every failure placed by byte offset.

A frame is a version byte (`2`, or `1` for the legacy protocol) and a type byte; integers are
big-endian uint32:

    W n                   a window of n events follows (sequence numbers restart at 1)
    J seq len json        one event as JSON
    C len zlib-block      an RFC 1950 zlib stream holding whole J (or D) frames
    D seq k (klen key vlen value)*k     a legacy event of k string pairs
    A seq                 (server to client) the first `seq` events of the oldest window are done

`FrameDecoder.feed` buffers what it is given and returns the windows it completed. It bounds what
one connection can make it hold: events per window, bytes per frame, and bytes a window holds once
inflated (a zlib bomb stops at the limit, it is never inflated whole). A violation raises
`ProtocolError` naming the byte offset in the connection's stream; the connection is then done.
"""

from __future__ import annotations

import json
import struct
import zlib

__all__ = ["ProtocolError", "LimitError", "Window", "FrameDecoder", "ack_frame", "describe_junk"]

V1, V2 = 0x31, 0x32  # b"1", b"2"
WINDOW, JSON, COMPRESSED, DATA, ACK = 0x57, 0x4A, 0x43, 0x44, 0x41  # W J C D A

_U32 = struct.Struct(">I")
_HEAD_U32 = struct.Struct(">2xI")  # version, type, one uint32
_HEAD_2U32 = struct.Struct(">2xII")  # version, type, two uint32

_HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ", b"HTTP/")


class ProtocolError(ValueError):
    """Bytes that are not a Lumberjack stream; `offset` is the byte in the connection's stream."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(f"byte offset {offset}: {message}")


class LimitError(ProtocolError):
    """A frame, window or inflated block larger than this server accepts."""


def ack_frame(version: int, seq: int) -> bytes:
    """The `A` frame acknowledging the first `seq` events of the oldest open window."""
    return bytes((version, ACK)) + _U32.pack(seq)


def describe_junk(head: bytes) -> str:
    """What the first bytes of a connection look like when they are no Lumberjack frame."""
    if head[:1] == b"\x16":
        return "a TLS handshake (first byte 0x16) on a plain-text port: enable ssl_enabled here or turn TLS off in the client"
    if head.startswith(_HTTP_METHODS) or head[:1] == b"H":
        line = head.split(b"\r\n", 1)[0][:80].decode("ascii", "replace")
        return f"an HTTP request ({line!r}) on the Beats port: point Beats' output.logstash here, not an HTTP client"
    return f"byte 0x{head[0]:02x} where a frame version (0x31 '1' or 0x32 '2') was expected"


class Window:
    """One window as it came: the version, the events' sequence numbers and payloads (JSON bytes)."""

    __slots__ = ("version", "size", "seqs", "payloads", "offset", "nbytes")

    def __init__(self, version: int, size: int, offset: int) -> None:
        self.version = version
        self.size = size  # events announced by `W`
        self.seqs: list[int] = []
        self.payloads: list[bytes] = []  # J payloads as received; D pairs as canonical JSON
        self.offset = offset  # stream offset of the `W` frame
        self.nbytes = 0  # payload bytes held

    def __repr__(self) -> str:
        return f"Window(v{self.version - 0x30}, {len(self.payloads)}/{self.size} events at byte {self.offset})"


class FrameDecoder:
    """Turns one connection's bytes into complete windows (see the module docstring)."""

    __slots__ = ("max_window_size", "max_frame_bytes", "max_window_bytes", "_buf", "_base", "_need", "_window")

    def __init__(self, *, max_window_size: int, max_frame_bytes: int, max_window_bytes: int) -> None:
        self.max_window_size = max_window_size
        self.max_frame_bytes = max_frame_bytes
        self.max_window_bytes = max_window_bytes
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._need = 1  # bytes _buf must hold before parsing is worth trying again
        self._window: Window | None = None

    @property
    def offset(self) -> int:
        """Bytes of the stream fully parsed so far."""
        return self._base

    @property
    def buffered(self) -> int:
        """Bytes received and not yet parsed (part of a frame)."""
        return len(self._buf)

    @property
    def in_window(self) -> bool:
        """Whether a window has been opened and not completed yet."""
        return self._window is not None

    def feed(self, data: bytes, limit: int = 1 << 30) -> list[Window]:
        """Take the next bytes of the stream; return the windows they complete, in order, at most
        `limit` of them: parsing stops there and the rest waits in the buffer for the next call
        (`feed(b"", ...)`), so a connection's decoded windows are bounded, however small they are."""
        buf = self._buf
        buf += data
        if len(buf) < self._need or limit <= 0:
            return []
        done: list[Window] = []
        with memoryview(buf) as view:
            pos = self._parse(view, 0, len(buf), done, limit)
        del buf[:pos]
        self._base += pos
        return done

    # -- parsing -------------------------------------------------------------------------------

    def _parse(self, view: memoryview, pos: int, end: int, done: list[Window], limit: int) -> int:
        """Parse frames of the stream buffer from `pos` until `limit` windows are done; return where
        parsing stopped (the first incomplete frame, or the frame after the last window)."""
        base = self._base
        while pos < end:
            if len(done) >= limit:
                need = pos  # parse again at the next call, whatever it brings
                break
            version = view[pos]
            if version != V2 and version != V1:
                if base + pos == 0:
                    raise ProtocolError(f"not a Lumberjack client: {describe_junk(bytes(view[:16]))}", 0)
                raise ProtocolError(f"unknown frame version 0x{version:02x}", base + pos)
            if end - pos < 2:
                need = pos + 2
                break
            kind = view[pos + 1]
            if kind == JSON:
                if end - pos < 10:
                    need = pos + 10
                    break
                seq, length = _HEAD_2U32.unpack_from(view, pos)
                self._check_length(length, "JSON frame", base + pos)
                stop = pos + 10 + length
                if stop > end:
                    need = stop
                    break
                self._add(seq, view[pos + 10 : stop].tobytes(), base + pos, done)
                pos = stop
            elif kind == WINDOW:
                if end - pos < 6:
                    need = pos + 6
                    break
                self._open(version, _HEAD_U32.unpack_from(view, pos)[0], base + pos)
                pos += 6
            elif kind == COMPRESSED:
                if end - pos < 6:
                    need = pos + 6
                    break
                (length,) = _HEAD_U32.unpack_from(view, pos)
                self._check_length(length, "compressed frame", base + pos)
                stop = pos + 6 + length
                if stop > end:
                    need = stop
                    break
                self._inflate(view[pos + 6 : stop], base + pos, done)
                pos = stop
            elif kind == DATA:
                parsed = self._legacy(view, pos, end, base + pos)
                if parsed is None:
                    need = end + 1  # no length up front: try again with more bytes
                    break
                seq, payload, stop = parsed
                self._add(seq, payload, base + pos, done)
                pos = stop
            else:
                raise ProtocolError(f"unknown frame type {_show(kind)} (version {_show(version)})", base + pos)
        else:
            self._need = 1
            return pos
        self._need = need - pos  # relative to the buffer once the parsed bytes are cut off (0: parse next time)
        return pos

    def _check_length(self, length: int, what: str, offset: int) -> None:
        if length > self.max_frame_bytes:
            raise LimitError(f"{what} of {length} bytes is larger than the limit of {self.max_frame_bytes} bytes", offset)

    def _open(self, version: int, size: int, offset: int) -> None:
        window = self._window
        if window is not None:
            raise ProtocolError(
                f"a new window starts while the window at byte {window.offset} has {len(window.payloads)} "
                f"of its {window.size} events",
                offset,
            )
        if size > self.max_window_size:
            raise LimitError(f"window of {size} events is larger than the limit of {self.max_window_size}", offset)
        if size:  # an empty window announces nothing and needs no ack
            self._window = Window(version, size, offset)

    def _add(self, seq: int, payload: bytes, offset: int, done: list[Window]) -> None:
        window = self._window
        if window is None:
            raise ProtocolError(f"event seq {seq} outside any window (no W frame before it)", offset)
        seqs = window.seqs
        if seq <= (seqs[-1] if seqs else 0):
            raise ProtocolError(f"event seq {seq} after seq {seqs[-1] if seqs else 0} in the window at byte {window.offset}", offset)
        window.nbytes += len(payload)
        if window.nbytes > self.max_window_bytes:
            raise LimitError(f"window at byte {window.offset} holds more than the limit of {self.max_window_bytes} bytes", offset)
        seqs.append(seq)
        window.payloads.append(payload)
        if len(seqs) == window.size:
            done.append(window)
            self._window = None

    def _inflate(self, block: memoryview, offset: int, done: list[Window]) -> None:
        """Inflate one zlib block, never past the window's byte limit, and parse its frames."""
        if self._window is None:
            raise ProtocolError("compressed frame outside any window (no W frame before it)", offset)
        room = self.max_window_bytes - self._window.nbytes
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(block, room + 1)
        except zlib.error as exc:
            raise ProtocolError(f"compressed frame is not a zlib (RFC 1950) stream: {exc}", offset) from None
        if len(data) > room:
            raise LimitError(
                f"compressed frame of {len(block)} bytes inflates past the limit of {self.max_window_bytes} bytes "
                f"per window (a zlib bomb?)",
                offset,
            )
        if not inflater.eof:
            raise ProtocolError("compressed frame ends before its zlib stream does", offset)
        if inflater.unused_data:
            raise ProtocolError(f"{len(inflater.unused_data)} bytes after the end of the zlib stream", offset)
        pos, end = 0, len(data)
        unpack = _HEAD_2U32.unpack_from
        max_frame = self.max_frame_bytes
        while pos < end:
            if end - pos < 2:
                raise ProtocolError(f"inflated byte {pos}: compressed frame ends inside a frame", offset)
            kind = data[pos + 1]
            if data[pos] not in (V1, V2):
                raise ProtocolError(f"inflated byte {pos}: unknown frame version {_show(data[pos])} in the compressed frame", offset)
            if kind == JSON:
                if end - pos < 10:
                    raise ProtocolError(f"inflated byte {pos}: compressed frame ends inside a frame", offset)
                seq, length = unpack(data, pos)
                if length > max_frame:
                    self._check_length(length, f"inflated byte {pos}: JSON frame", offset)
                stop = pos + 10 + length
                if stop > end:
                    raise ProtocolError(f"inflated byte {pos}: compressed frame ends inside a frame", offset)
                window = self._window
                seqs = window.seqs
                if seqs and seq > seqs[-1] and len(seqs) + 1 < window.size:  # the common case, inline
                    seqs.append(seq)
                    window.payloads.append(data[pos + 10 : stop])
                    window.nbytes += length  # bounded by the inflate limit already
                else:
                    self._add(seq, data[pos + 10 : stop], offset, done)
            elif kind == DATA:
                parsed = self._legacy(memoryview(data), pos, end, offset)
                if parsed is None:
                    raise ProtocolError(f"inflated byte {pos}: compressed frame ends inside a frame", offset)
                seq, payload, stop = parsed
                self._add(seq, payload, offset, done)
            else:
                raise ProtocolError(f"inflated byte {pos}: frame type {_show(kind)} inside a compressed frame", offset)
            pos = stop
            if self._window is None and pos < end:
                raise ProtocolError(f"inflated byte {pos}: events after the end of the window", offset)

    def _legacy(self, view: memoryview, pos: int, end: int, offset: int) -> tuple[int, bytes, int] | None:
        """A `D` frame's pairs as canonical JSON (sorted keys), or None while it is incomplete."""
        if end - pos < 10:
            return None
        seq, count = _HEAD_2U32.unpack_from(view, pos)
        if count * 8 > self.max_frame_bytes:
            raise LimitError(f"data frame of {count} pairs is larger than the limit of {self.max_frame_bytes} bytes", offset)
        at = pos + 10
        texts: list[str] = []
        for _ in range(count * 2):  # key, value, key, value, ...
            if end - at < 4:
                return None
            (length,) = _U32.unpack_from(view, at)
            at += 4
            if at + length - pos > self.max_frame_bytes:
                raise LimitError(f"data frame is larger than the limit of {self.max_frame_bytes} bytes", offset)
            if at + length > end:
                return None
            texts.append(view[at : at + length].tobytes().decode("utf-8", "replace"))
            at += length
        pairs = dict(zip(texts[0::2], texts[1::2]))
        return seq, json.dumps(pairs, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(), at


def _show(byte: int) -> str:
    return f"0x{byte:02x}" + (f" {chr(byte)!r}" if 0x20 < byte < 0x7F else "")
