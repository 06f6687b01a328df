"""Container log files: Docker json-file, CRI, Filebeat NDJSON and plain lines, with provenance."""

import gzip
import io
import shutil
from datetime import datetime, timezone

import orjson

from porttrack_logs import Event
from porttrack_logs.codec import decode_event
from porttrack_logs.sinks.base import PROVENANCE, id_of, place_of
from porttrack_logs.sources.container_files import (
    IDENTITY_BYTES,
    INVALID_UTF8_TAG,
    Rejected,
    decode_lines,
    file_identity,
    read_batches,
    read_container_log,
    unterminated,
)


def decode(data: bytes, fmt="auto"):
    return list(decode_lines(io.BytesIO(data), "pod.log", fmt))


def docker(text: str, time="2026-11-27T06:00:00.000000001Z", stream="stdout") -> bytes:
    return orjson.dumps({"log": text, "stream": stream, "time": time}) + b"\n"


def info(event: Event) -> dict:
    return event.metadata[PROVENANCE]


def test_docker_line_becomes_message_with_runtime_time_and_stream():
    """The `log` text (newline removed) is the message; `time` (read as Event reads text) and `stream` are kept."""
    [event] = decode(docker("2026-11-27T06:00:00Z ERROR crane down\n", stream="stderr"))
    assert event.get("message") == "2026-11-27T06:00:00Z ERROR crane down"
    assert event.get("stream") == "stderr"
    assert event.get("@timestamp") == datetime(2026, 11, 27, 6, 0, 0, tzinfo=timezone.utc)
    assert event.get("[log][file][path]") == "pod.log" and event.get("[log][offset]") == 0


def test_docker_partial_lines_are_joined_and_original_is_the_exact_bytes():
    """Docker splits long lines without a trailing newline; the pieces make one event whose
    original is the bytes as read, both lines with their newlines."""
    data = docker("first half ") + docker("second half\n")
    [event] = decode(data)
    assert event.get("message") == "first half second half"
    assert event.get("[log][offset]") == 0
    assert info(event)["original"] == data
    assert place_of(info(event)) == "pod.log@0"


def test_cri_partial_and_full_lines_are_joined():
    """CRI `P` pieces are joined up to the `F` piece; the time is the last piece's, in UTC."""
    data = b"2026-11-27T06:00:00.1+01:00 stdout P berth B04 \n2026-11-27T06:00:00.2+01:00 stdout F assigned\n"
    [event] = decode(data)
    assert event.get("message") == "berth B04 assigned"
    assert event.get("@timestamp") == datetime(2026, 11, 27, 5, 0, 0, 200000, tzinfo=timezone.utc)
    assert info(event)["original"] == data


def test_filebeat_ndjson_event_is_the_codecs_event():
    """A Filebeat event is decoded exactly as `codec.decode_event` decodes it: its own [log] kept."""
    line = orjson.dumps(
        {"@timestamp": "2026-11-27T06:00:00.5Z", "message": "x", "kubernetes": {"namespace": "porttrack"}, "log": {"offset": 99}}
    )
    [event] = decode(line + b"\n")
    assert event.get("[kubernetes][namespace]") == "porttrack"
    assert event.get("[log]") == {"offset": 99}
    assert event.to_dict() == decode_event(line).to_dict()
    assert info(event)["original"] == line + b"\n"


def test_plain_line_is_a_message_and_crlf_is_not_part_of_it():
    """A line that is neither JSON nor CRI is the message as is; a CRLF terminator is not in the
    message, and is in the original (the bytes as read), which `unterminated` takes off."""
    [event] = decode(b"plain text line\r\n")
    assert event.get("message") == "plain text line"
    assert info(event)["original"] == b"plain text line\r\n"
    assert unterminated(info(event)["original"]) == b"plain text line"


def test_place_and_id_follow_the_byte_offset_of_each_record():
    """place is path@offset of the record's start; ids differ per record and name the offset."""
    data = b"one\n\ntwo\n"
    first, second = decode(data)
    assert place_of(info(first)) == "pod.log@0" and place_of(info(second)) == "pod.log@5"
    identity = file_identity(data)
    assert id_of(info(first)) == f"{identity}-0" and id_of(info(second)) == f"{identity}-5"


def test_offsets_places_and_batch_ends_stay_exact_across_many_read_chunks(tmp_path):
    """A file of several read chunks (about 64 KiB each), Filebeat events among blank lines,
    Docker pieces and a bad line: every record's place, id and [log][offset] is its own byte
    offset, and each batch ends just past its last record (where a resume starts)."""
    records, data, starts = [], b"", []
    for i in range(900):
        if i % 97 == 5:
            line = b"\n"  # blank: no record
        elif i % 131 == 7:
            line = docker("piece ") + docker(f"end {i}\n")  # one record in two lines
        elif i % 211 == 9:
            line = b'{"broken": \n'  # a reject
        else:
            line = orjson.dumps({"@timestamp": "2026-11-27T06:00:00Z", "message": f"m{i}", "log": {"offset": -1}, "pad": "x" * 200}) + b"\n"
        if line != b"\n":
            starts.append(len(data))
            records.append(line)
        data += line
    path = tmp_path / "many.log"
    path.write_bytes(data)
    identity = file_identity(data)
    with open(path, "rb") as fh:
        batches = list(read_batches(fh, str(path), batch_size=50))
    assert len(data) > 3 * 65536  # several chunks of `_file_chunks`
    seen = []
    for batch in batches:
        offsets = sorted([int(place_of(info(e)).rpartition("@")[2]) for e in batch.events] + [r.offset for r in batch.rejected])
        assert offsets and batch.end == max(offsets) + len(records[starts.index(max(offsets))])
        seen += offsets
        for event in batch.events:
            at = int(place_of(info(event)).rpartition("@")[2])
            assert id_of(info(event)) == f"{identity}-{at}" and info(event)["original"] == records[starts.index(at)]
            if event.get("[log][offset]") != -1:  # a Filebeat event keeps its own [log]
                assert event.get("[log][offset]") == at
    assert seen == starts and batches[-1].end == len(data)


def test_ids_are_the_same_for_a_renamed_copy_and_differ_for_other_content(tmp_path):
    """The id comes from the content's start and the offset, not the file's name: a copy under
    another name gives the same ids; a file with another start gives other ids."""
    a = tmp_path / "a.log"
    a.write_bytes(b"".join(docker(f"line {i}\n") for i in range(50)))
    b = tmp_path / "renamed.log"
    shutil.copy(a, b)
    c = tmp_path / "c.log"
    c.write_bytes(docker("another start\n") + a.read_bytes())
    ids = lambda p: [id_of(info(e)) for e in read_container_log(p)]  # noqa: E731
    assert ids(a) == ids(b)
    assert len(set(ids(a))) == 50
    assert not set(ids(a)) & set(ids(c))


def test_identity_reads_only_the_first_kib():
    """Two files with the same first KiB but different tails share an identity (Filebeat's fingerprint)."""
    head = b"x" * IDENTITY_BYTES
    assert file_identity(head + b"tail one") == file_identity(head + b"tail two")
    assert file_identity(head[:-1] + b"y") != file_identity(head)


def test_gzip_file_is_read_decompressed_with_the_same_ids_as_the_plain_file(tmp_path):
    """A .gz log is read decompressed: offsets, originals and ids are those of the plain file."""
    data = b"".join(docker(f"entry {i}\n") for i in range(40))
    plain, packed = tmp_path / "pod.log", tmp_path / "pod.log.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    strip = lambda e: {k: v for k, v in info(e).items() if k != "stream"} | {"id": id_of(info(e))}  # noqa: E731 (the place names the file)
    assert [strip(e) for e in read_container_log(packed)] == [strip(e) for e in read_container_log(plain)]


def test_undecodable_line_is_rejected_with_byte_offset_and_reason():
    """Broken JSON is rejected at its byte offset; the lines around it still decode."""
    good = docker("ok\n")
    data = good + b'{"log": "unterminated\n' + good
    records = decode(data)
    assert [type(r) for r in records] == [Event, Rejected, Event]
    rejected = records[1]
    assert rejected.offset == len(good)
    assert rejected.place == f"pod.log@{len(good)}"
    assert rejected.raw == b'{"log": "unterminated'
    assert "invalid JSON" in rejected.reason


def test_explicit_docker_format_rejects_other_json():
    """With --format docker, a JSON object without a `log` string is an error, not a guess."""
    [rejected] = decode(b'{"message": "x"}\n', fmt="docker")
    assert isinstance(rejected, Rejected) and "'log' string" in rejected.reason


def test_file_ending_inside_a_partial_record_is_reported():
    """A trailing partial record is not silently lost."""
    [rejected] = decode(docker("never finished "))
    assert isinstance(rejected, Rejected) and "partial" in rejected.reason


def test_batches_carry_the_position_past_their_last_record_and_never_past_a_partial():
    """Each batch's `end` is the offset just past its last record; a batch that ends while a
    partial record is pending ends where that record starts (it is not done yet)."""
    lines = [docker(f"n{i}\n") for i in range(3)]
    half, rest, broken = docker("half "), docker("rest\n"), b'{"log": broken\n'
    data = lines[0] + half + broken + rest + lines[1] + lines[2]
    batches = list(read_batches(io.BytesIO(data), "pod.log", batch_size=2))
    assert [(len(b.events), len(b.rejected)) for b in batches] == [(1, 1), (2, 0), (1, 0)]
    assert batches[0].end == len(lines[0])  # the partial record from there on is not done
    assert batches[1].end == len(data) - len(lines[2])
    assert batches[-1].end == len(data)
    joined = batches[1].events[0]
    assert joined.get("message") == "half rest"
    assert info(joined)["original"] == half + rest  # its pieces as read; the broken line is its own reject


def _general_path(line: bytes) -> bytes:
    """The same JSON object with a space after its brace: no longer how dockerd starts a line, so
    the reader takes its general path (decode one level, then decide) instead of the one-decode one."""
    assert line.startswith(b'{"log":"')
    return b"{ " + line[1:]


def _seen(events: list) -> list:
    out = []
    for event in events:
        if isinstance(event, Rejected):
            out.append(("rejected", event.reason.partition(" (byte")[0]))  # the general path's line has one byte more
            continue
        fields = dict(event.to_dict())
        stamp = fields.pop("@timestamp")
        if stamp.date() != datetime(2026, 11, 27).date():  # no time of its own (or none that reads): now
            stamp = "now"
        out.append((fields, stamp, getattr(stamp, "nanos", None), event.tags, id_of(info(event)).rpartition("-")[2], place_of(info(event))))
    return out


def test_docker_lines_read_by_the_one_decode_path_are_the_events_of_the_general_path():
    """Every Docker-shaped line (extra keys, nanosecond and odd times, no time, a stream no string,
    a `@timestamp` of its own, invalid UTF-8, split pieces) gives the same event either way."""
    cases = [
        [docker("crane down\n", stream="stderr")],
        [docker("nanos\n", time="2026-11-27T06:00:00.123456789Z")],
        [docker("zero nanos\n", time="2026-11-27T06:00:00.123456000Z")],
        [docker("offset zone\n", time="2026-11-27T07:00:00.5+01:00")],
        [docker("not a time\n", time="yesterday")],
        [orjson.dumps({"log": "no time\n", "stream": "stdout"}) + b"\n"],
        [orjson.dumps({"log": "null time\n", "stream": "stdout", "time": None}) + b"\n"],
        [orjson.dumps({"log": "attrs\n", "stream": "stdout", "attrs": {"tag": "x"}, "time": "2026-11-27T06:00:00Z"}) + b"\n"],
        [orjson.dumps({"log": "odd stream\n", "stream": 3, "time": "2026-11-27T06:00:00Z"}) + b"\n"],
        [orjson.dumps({"log": "own stamp", "@timestamp": "2026-11-27T06:00:00Z", "message": "m"}) + b"\n"],
        [b'{"log":"gate \xff jammed\\n","stream":"stdout","time":"2026-11-27T06:00:00Z"}\n'],
        [b'{"log":"broken\n'],
        [docker("first "), docker("second\n")],
    ]
    for lines in cases:
        fast = decode(b"".join(lines))
        general = decode(b"".join(_general_path(line) for line in lines))
        assert _seen(fast) == _seen(general), lines
    [tagged] = decode(cases[10][0])
    assert INVALID_UTF8_TAG in tagged.tags and info(tagged)["original"] == cases[10][0]
    [nanos] = decode(cases[1][0])
    assert nanos.get("@timestamp").nanos == 789


def test_explicit_docker_format_reads_docker_lines_and_keeps_extra_keys_out():
    [event] = decode(orjson.dumps({"log": "x\n", "stream": "stderr", "attrs": {"a": 1}, "time": "2026-11-27T06:00:00Z"}) + b"\n", fmt="docker")
    assert event.get("message") == "x" and event.get("stream") == "stderr" and event.get("attrs") is None


def test_runtime_times_read_as_parse_timestamp_reads_them():
    """`codec.text_timestamp` (the one-call form for runtimes' nine-digit UTC times) agrees with
    `parse_timestamp`, nanoseconds and failures included."""
    from porttrack_logs.codec import text_timestamp
    from porttrack_logs.event import parse_timestamp

    for text in ["2026-11-27T06:00:00.123456789Z", "2026-11-27T06:00:00.123456000Z", "2026-11-27T06:00:00.000000001Z",
                 "2026-11-27T23:59:59.999999999Z", "2026-11-27T06:00:00.12345678Z", "2026-11-27T06:00:00Z",
                 "2026-11-27 06:00:00.123456789Z", "2026-02-30T06:00:00.123456789Z", "2026-11-27T06:00:00.12345678xZ",
                 "2026-11-27T06:00:00.123456789+01:00"]:
        def read(parse):
            try:
                moment = parse(text)
            except ValueError:
                return ValueError
            return moment, type(moment), getattr(moment, "nanos", None), moment.tzinfo
        assert read(text_timestamp) == read(parse_timestamp), text


def test_cri_line_that_does_not_match_is_rejected_naming_the_shape():
    [rejected] = decode(b"2026-11-27T06:00:00Z stdin F text\n", fmt="cri")
    assert isinstance(rejected, Rejected) and "expected '<time> <stdout|stderr> <P|F> <text>'" in rejected.reason
    [plain] = decode(b"2026-11-27T06:00:00Z stdin F text\n")
    assert plain.get("message") == "2026-11-27T06:00:00Z stdin F text"
