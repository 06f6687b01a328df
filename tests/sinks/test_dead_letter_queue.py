"""The dead letter queue on disk: records, segments, torn lines, max_bytes, the lock, removal."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from porttrack_logs import Event
from porttrack_logs.errors import DeadLetterQueueFull, DeliveryError
from porttrack_logs.sinks.dead_letter import (
    DeadLetterQueue, DeadLetterQueueSettings, parse_id, read,
)

INVALID_UTF8 = b'{"log": "gate \xff\xfe jammed", "bad": "\xc3\x28"}\x00\r'


def segments(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.dlq"))


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.name != ".lock"}


def test_every_field_comes_back_and_invalid_utf8_original_bytes_are_exact(tmp_path):
    """A record holds the original bytes exactly (even invalid UTF-8), the event with its @metadata
    minus the copy of the original, and stage, plugin, place, index, status, error type, reason, id."""
    event = Event({"message": "m", "log": {"level": "ERROR"}, "tags": ["a"]})
    event.metadata["_porttrack"] = {"id": "pod.log:1:120", "original": INVALID_UTF8, "place": "pod.log@120"}
    event.metadata["route"] = "audit"
    with DeadLetterQueue(tmp_path / "q") as queue:
        queue.put("mapper_parsing_exception: failed to parse [log.level]", stage="output", event=event,
                  plugin="elasticsearch@12:3", error_type="mapper_parsing_exception", status=400,
                  index="porttrack-logs-2026.11.27")
        queue.put("invalid JSON at byte 9", place="other.log@7", stage="decode", original=b"\x80\x81 not json")
        queue.sync()
    first, second = read(tmp_path / "q")
    assert first.original == INVALID_UTF8
    assert first.doc_id == "pod.log:1:120" and first.place == "pod.log@120"
    assert (first.stage, first.plugin, first.status, first.index) == ("output", "elasticsearch@12:3", 400, "porttrack-logs-2026.11.27")
    assert first.error_type == "mapper_parsing_exception" and first.reason.startswith("mapper_parsing_exception: failed")
    assert first.event["message"] == "m" and first.event["log"] == {"level": "ERROR"} and first.event["tags"] == ["a"]
    assert first.event["@metadata"] == {"_porttrack": {"id": "pod.log:1:120", "place": "pod.log@120"}, "route": "audit"}
    assert first.time.endswith("Z") and first.id == "1@0"
    assert second.original == b"\x80\x81 not json" and second.event is None
    assert (second.stage, second.place, second.status, second.plugin) == ("decode", "other.log@7", None, None)
    assert parse_id(second.id) == (1, first.size)
    # the event object itself is not changed by being dead-lettered
    assert event.metadata["_porttrack"]["original"] == INVALID_UTF8


def test_utf8_original_is_stored_as_readable_text_and_str_original_as_its_utf8(tmp_path):
    """Valid UTF-8 input is kept as text in the segment (greppable); a str original comes back as its UTF-8 bytes."""
    with DeadLetterQueue(tmp_path) as queue:
        queue.put("r1", original='{"log": "kran ü 4"}')
        queue.put("r2", original=b"plain line")
    raw = (tmp_path / "00000001.dlq").read_bytes()
    assert b'"original":"plain line"' in raw and b"original_base64" not in raw
    assert [r.original for r in read(tmp_path)] == ['{"log": "kran ü 4"}'.encode(), b"plain line"]


def test_a_new_segment_past_segment_bytes_and_ids_in_order(tmp_path):
    """Past segment_bytes the next record starts a new segment; reading goes segment by segment, in order."""
    with DeadLetterQueue(tmp_path, segment_bytes=600) as queue:
        for i in range(10):
            queue.put(f"reason {i}", original=b"x" * 100)
        queue.flush()
        assert queue.records == 10 and queue.bytes == queue.size == sum(p.stat().st_size for p in tmp_path.glob("*.dlq"))
    records = list(read(tmp_path))
    assert [r.reason for r in records] == [f"reason {i}" for i in range(10)]
    assert len(segments(tmp_path)) >= 3
    assert all(p.stat().st_size <= 600 for p in tmp_path.glob("*.dlq"))
    assert [(r.segment, r.offset) for r in records] == sorted((r.segment, r.offset) for r in records)


def test_each_writer_starts_a_fresh_segment_and_an_unused_one_creates_none(tmp_path):
    """A writer never appends to a segment an earlier process wrote; opening without a put leaves no file."""
    with DeadLetterQueue(tmp_path) as queue:
        queue.put("one")
    with DeadLetterQueue(tmp_path):
        pass
    with DeadLetterQueue(tmp_path) as queue:
        queue.put("two")
    assert segments(tmp_path) == ["00000001.dlq", "00000002.dlq"]
    assert [r.reason for r in read(tmp_path)] == ["one", "two"]


def test_a_torn_last_record_is_skipped_and_reported_at_every_cut(tmp_path):
    """Cut the segment anywhere inside its last record: the records before it read back, the torn
    rest is reported with the segment path and the byte offset where the torn record starts."""
    with DeadLetterQueue(tmp_path / "q") as queue:
        queue.put("kept 1", original=b"a")
        queue.put("kept 2", original=INVALID_UTF8)
        queue.put("torn", original=b"z" * 50)
    segment = tmp_path / "q" / "00000001.dlq"
    whole = segment.read_bytes()
    last_start = whole.rindex(b"\n", 0, len(whole) - 1) + 1
    for cut in range(last_start + 1, len(whole)):
        segment.write_bytes(whole[:cut])
        damage = []
        assert [r.reason for r in read(tmp_path / "q", damage.append)] == ["kept 1", "kept 2"], cut
        [report] = damage
        assert report.path == segment and report.offset == last_start and report.at_end
        assert report.length == cut - last_start
        assert f"{segment}@{last_start}: torn record" in str(report)


def test_a_damaged_record_inside_a_segment_is_reported_and_the_rest_still_read(tmp_path):
    """A changed byte fails the record's CRC32: that record is reported, the ones after it still come back."""
    with DeadLetterQueue(tmp_path) as queue:
        for i in range(3):
            queue.put(f"reason {i}")
    segment = tmp_path / "00000001.dlq"
    data = bytearray(segment.read_bytes())
    second = data.index(b"\n") + 1
    data[data.index(b"reason 1")] = ord("R")
    segment.write_bytes(bytes(data))
    damage = []
    assert [r.reason for r in read(tmp_path, damage.append)] == ["reason 0", "reason 2"]
    [report] = damage
    assert report.offset == second and not report.at_end and report.why == "checksum mismatch"


def test_max_bytes_raises_queue_full_and_writes_nothing(tmp_path):
    """A put that would pass max_bytes raises DeadLetterQueueFull (a DeliveryError) naming the path,
    size and the way out; the segments are byte for byte as before, and a reopened queue counts the size again."""
    queue = DeadLetterQueue(tmp_path, max_bytes=1000)
    put = 0
    with pytest.raises(DeadLetterQueueFull) as caught:
        while True:
            before = snapshot(tmp_path)
            queue.put(f"reason {put}", original=b"y" * 100)
            queue.sync()
            put += 1
    error = caught.value
    assert isinstance(error, DeliveryError)
    assert snapshot(tmp_path) == before
    assert error.size == queue.size <= 1000 < error.size + error.needed and error.max_bytes == 1000
    text = str(error)
    assert str(tmp_path) in text and "full" in text and f"{error.size} of dead_letter_queue.max_bytes 1000" in text
    assert "porttrack-logs dlq purge" in text and "raise dead_letter_queue.max_bytes" in text
    assert [r.reason for r in read(tmp_path)] == [f"reason {i}" for i in range(put)]
    queue.close()
    with DeadLetterQueue(tmp_path, max_bytes=1000) as again:  # the size is read from disk, not forgotten
        with pytest.raises(DeadLetterQueueFull):
            again.put("one more", original=b"y" * 100)
        again.purge()
        again.put("after purge", original=b"y" * 100)
    assert [r.reason for r in read(tmp_path)] == ["after purge"]


def test_one_writer_at_a_time(tmp_path):
    """A second queue on the same directory is refused while the first is open, with the holder's pid."""
    with DeadLetterQueue(tmp_path):
        with pytest.raises(DeliveryError, match=rf"in use by another process \(pid {os.getpid()}\)"):
            DeadLetterQueue(tmp_path)
    DeadLetterQueue(tmp_path).close()


def test_a_file_where_the_directory_should_be_is_a_clear_error(tmp_path):
    """The old single-file queue path is refused with a message, not a traceback from mkdir."""
    old = tmp_path / "dead-letters.ndjson"
    old.write_text("{}\n")
    with pytest.raises(DeliveryError, match="is a directory of segments, this is a file"):
        DeadLetterQueue(old)


def test_remove_takes_out_exactly_the_named_records(tmp_path):
    """remove(ids) rewrites the queue without those records, the others in their order."""
    with DeadLetterQueue(tmp_path, segment_bytes=400) as queue:
        for i in range(8):
            queue.put(f"reason {i}", original=bytes([0xff, i]))
        ids = {r.reason: r.id for r in queue.read()}
        assert queue.remove([ids["reason 1"], ids["reason 4"], ids["reason 7"]]) == 3
        assert queue.size == sum(p.stat().st_size for p in tmp_path.glob("*.dlq"))
        queue.put("after")
    records = list(read(tmp_path))
    assert [r.reason for r in records] == ["reason 0", "reason 2", "reason 3", "reason 5", "reason 6", "after"]
    assert [r.original for r in records[:-1]] == [bytes([0xff, i]) for i in (0, 2, 3, 5, 6)]
    assert not (tmp_path / ".compaction").exists()


def test_settings_take_logstash_byte_sizes_and_forbid_unknown_options(tmp_path):
    """max_bytes as Logstash writes it (1024mb is the default); unknown options and bad sizes are errors."""
    assert DeadLetterQueueSettings().max_bytes == 1024 * 1024 * 1024
    settings = DeadLetterQueueSettings(path=str(tmp_path), max_bytes="2gb", segment_bytes="512KB")
    assert (settings.max_bytes, settings.segment_bytes) == (2 << 30, 512 << 10)
    with settings.build() as queue:
        assert queue.max_bytes == 2 << 30 and queue.path == tmp_path
    with pytest.raises(ValidationError, match="no byte size"):
        DeadLetterQueueSettings(max_bytes="lots")
    with pytest.raises(ValidationError, match="extra"):
        DeadLetterQueueSettings(storage_policy="drop_older")


def test_a_record_put_while_a_compaction_is_open_survives_its_commit(tmp_path):
    """A segment started during a compaction never shares a number with the compaction's own, so
    the commit's renames cannot overwrite it: its record is there after, as are the kept ones."""
    with DeadLetterQueue(tmp_path, segment_bytes=150) as queue:
        for i in range(4):
            queue.put(f"old {i}")
        staging = queue.compaction()
        records = list(queue.read())
        queue.put("during the compaction")
        queue.sync()
        for record in records[1:]:
            staging.add(record.line)
        staging.commit()
        queue.committed()
        assert queue.size == sum(p.stat().st_size for p in tmp_path.glob("*.dlq"))
    assert sorted(r.reason for r in read(tmp_path)) == ["during the compaction", "old 1", "old 2", "old 3"]


def test_the_package_exports_what_its_all_says():
    import porttrack_logs.sinks.dead_letter as package

    assert {"DeadLetterQueue", "DeadLetter", "DeadLetterQueueFull", "replay", "ReplaySummary", "read"} <= set(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)


def test_text_that_is_no_utf8_and_unencodable_events_never_fail_a_put(tmp_path):
    """A lone surrogate (from a `\\ud800` escape in the input) comes back as it went in; an event
    that is no JSON at all (a cycle) is left out with the reason, the rest of the record kept."""
    cyclic: dict = {"message": "loop"}
    cyclic["self"] = cyclic
    with DeadLetterQueue(tmp_path) as queue:
        queue.put("bad \ud800 reason", event=Event({"message": "gate \udc80 4"}), original=b"\xff")
        queue.put("cycle", event=cyclic, original=b"loop")
    surrogate, cycle = read(tmp_path)
    assert surrogate.reason == "bad \ud800 reason" and surrogate.event["message"] == "gate \udc80 4"
    assert surrogate.original == b"\xff"
    assert cycle.event is None and "could not be stored as JSON" in cycle.event_error and cycle.original == b"loop"
