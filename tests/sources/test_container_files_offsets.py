"""The offsets record (sincedb): resume where a job stopped, by file identity; atomic writes; and
the gaps of item 4 closed here (invalid UTF-8 tagged, the exact bytes kept)."""

import gzip
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.batch_job import run_batch
from porttrack_logs.runtime.routing import Router
from porttrack_logs.sinks.base import PROVENANCE, Outcome, id_of
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
from porttrack_logs.sources.container_files import INVALID_UTF8_TAG, decode_lines
from porttrack_logs.sources.offsets import OffsetsRecord

ROOT = Path(__file__).resolve().parents[2]


def docker(text: str, stream="stdout") -> bytes:
    return orjson.dumps({"log": text, "stream": stream, "time": "2026-11-27T06:00:00Z"}) + b"\n"


def cri(text: str, tag="F") -> bytes:
    return f"2026-11-27T06:00:00.000000001Z stdout {tag} {text}\n".encode()


def docker_file(path: Path, n: int, split_every: int = 7) -> list[str]:
    """n logical lines, every `split_every`-th split into two Docker pieces; returns the messages."""
    data, messages = [], []
    for i in range(n):
        text = f"{path.name} line {i:05d} " + "x" * (i % 13)
        messages.append(text)
        if i % split_every == 3:
            data += [docker(text[:9]), docker(text[9:] + "\n")]
        else:
            data.append(docker(text + "\n"))
    raw = b"".join(data)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return messages


def cri_file(path: Path, n: int) -> list[str]:
    data, messages = [], []
    for i in range(n):
        text = f"{path.name} cri {i:05d} tail"
        messages.append(text)
        if i % 5 == 1:
            data += [cri(text[:6], "P"), cri(text[6:12], "P"), cri(text[12:])]
        else:
            data.append(cri(text))
    path.write_bytes(b"".join(data))
    return messages


class Interrupt(BaseException):
    """Stands for the process being stopped in the middle of a write."""


class RecordingSink:
    """A fake of our Sink interface: accepts events until `stop_after` writes, then raises."""

    name = "recording"

    def __init__(self, stop_after=None):
        self.events, self.writes, self.stop_after = [], 0, stop_after

    def write(self, events):
        if self.stop_after is not None and self.writes >= self.stop_after:
            raise Interrupt()
        self.writes += 1
        self.events.extend(events)
        return [Outcome.INDEXED] * len(events)

    def stop(self):
        pass

    def close(self):
        pass


PIPELINE = "filter { mutate { add_field => { \"seen\" => \"yes\" } } }"


def run_files(items, dlq_dir, stop_after=None):
    sink = RecordingSink(stop_after)
    with DeadLetterQueue(dlq_dir) as dlq:
        try:
            run_batch(Pipeline.from_config(PIPELINE), items, Router([sink], (0,)), dlq, batch_size=10, delivery_size=10)
        except Interrupt:
            pass
    return sink.events


def test_an_interrupted_job_resumes_after_what_was_done_and_reads_nothing_twice(tmp_path):
    """Stopped mid-run (after some writes), then run again with the same record: the two runs'
    events together are each logical line exactly once, partial lines joined, in each file's order."""
    logs = tmp_path / "logs"
    logs.mkdir()
    expected = {}
    expected["a.log"] = docker_file(logs / "a.log", 120)
    expected["b.log.gz"] = docker_file(logs / "b.log.gz", 90)
    expected["c.log"] = cri_file(logs / "c.log", 80)
    record_path = tmp_path / "sincedb.json"

    def items(record):
        return [(str(logs / name), "auto", record) for name in sorted(expected)]

    record = OffsetsRecord(record_path, interval=0)
    first = run_files(items(record), tmp_path / "dlq", stop_after=9)
    record.close()
    assert 0 < len(first) < sum(map(len, expected.values()))
    record = OffsetsRecord(record_path, interval=0)
    second = run_files(items(record), tmp_path / "dlq")
    record.close()
    third_record = OffsetsRecord(record_path, interval=0)
    third = run_files(items(third_record), tmp_path / "dlq")  # everything is done: nothing is read
    third_record.close()
    assert third == []
    got: dict[str, list[str]] = {}
    for event in first + second:
        got.setdefault(Path(event.get("[log][file][path]")).name, []).append(event.get("message"))
    assert got == expected
    ids = [id_of(e.metadata[PROVENANCE]) for e in first + second]
    assert len(ids) == len(set(ids))


def test_a_renamed_file_is_recognised_and_a_changed_or_shrunk_one_starts_over(tmp_path):
    """The record is by identity (first KiB): a rename resumes (here: is done); a file whose first
    KiB changed, or that shrank below the recorded offset, is read from the start."""
    path = tmp_path / "pod.log"
    docker_file(path, 60)
    record = OffsetsRecord(tmp_path / "db.json")
    assert record.start(str(path)).offset == 0
    record.done(str(path), 1000)
    record.finished(str(path), path.stat().st_size)
    record.done(str(path), path.stat().st_size)
    assert record.entry(record.start(str(path)).identity).complete
    record.close()

    moved = tmp_path / "pod.log.1"
    path.rename(moved)
    record = OffsetsRecord(tmp_path / "db.json")
    where = record.start(str(moved))
    assert where.skip is not None and "was " + str(path) in where.skip
    record.close()

    data = moved.read_bytes()
    moved.write_bytes(data[: len(data) // 2])  # truncated: same first KiB, smaller
    record = OffsetsRecord(tmp_path / "db.json")
    where = record.start(str(moved))
    assert (where.offset, where.skip) == (0, None) and "shrank" in where.why
    record.done(str(moved), 500)
    record.close()

    moved.write_bytes(docker("another first line\n") + data)  # the first KiB changed: another file
    record = OffsetsRecord(tmp_path / "db.json")
    assert record.start(str(moved)).offset == 0
    record.close()


def test_a_grown_file_is_resumed_at_its_recorded_end(tmp_path):
    """A file done to its end that has grown since is read from where it ended, not again."""
    path = tmp_path / "pod.log"
    docker_file(path, 30)
    end = path.stat().st_size
    with OffsetsRecord(tmp_path / "db.json") as record:
        record.start(str(path))
        record.finished(str(path), end)
        record.done(str(path), end)
    with path.open("ab") as fh:
        fh.write(docker("appended later\n"))
    with OffsetsRecord(tmp_path / "db.json") as record:
        events = run_files([(str(path), "auto", record)], tmp_path / "dlq")
    assert [e.get("message") for e in events] == ["appended later"]


def test_writes_are_bounded_by_the_interval_and_a_completed_file_is_written_at_once(tmp_path):
    """Many `done`s in a second make no write each; the end of a file writes at once."""
    path = tmp_path / "pod.log"
    docker_file(path, 50)
    record = OffsetsRecord(tmp_path / "db.json", interval=3600)
    record.start(str(path))
    writes = record.writes
    for offset in range(10, 2000, 10):
        record.done(str(path), offset)
        record.write_if_due()
    assert record.writes == writes  # none due within the hour
    record.finished(str(path), path.stat().st_size)
    record.done(str(path), path.stat().st_size)
    assert record.write_if_due() and record.writes == writes + 1
    record.close()
    saved = orjson.loads((tmp_path / "db.json").read_bytes())
    [entry] = saved["files"].values()
    assert entry["complete"] and entry["offset"] == path.stat().st_size


def test_a_second_process_on_the_same_record_is_refused(tmp_path):
    """One writer per record: two jobs on one record would lose each other's offsets."""
    with OffsetsRecord(tmp_path / "db.json"):
        with pytest.raises(ConfigError, match="in use by another process"):
            OffsetsRecord(tmp_path / "db.json")


def test_a_damaged_record_is_a_clear_error_naming_it(tmp_path):
    (tmp_path / "db.json").write_bytes(b'{"version": 1, "files": {"abc": {"path": 3')
    with pytest.raises(ConfigError, match=r"db.json: not an offsets record .*remove it"):
        OffsetsRecord(tmp_path / "db.json")


CRASH_WRITER = textwrap.dedent("""
    import os, sys
    from porttrack_logs.sources.offsets import OffsetsRecord
    record = OffsetsRecord(sys.argv[1], interval=0)
    paths = sys.argv[2:]
    for p in paths:
        record.start(p)
    print("ready", flush=True)
    offset = 0
    while True:  # rewrite the record as fast as it can, until killed
        offset += 1
        for p in paths:
            record.done(p, offset)
        record.write()
""")


def test_the_record_survives_a_kill_in_the_middle_of_its_writes(tmp_path):
    """kill -9 while the record is rewritten in a loop: what is left is a whole record (the old
    one or the new), which loads, with every file's offset."""
    logs = []
    for i in range(200):  # a record of some size, so a write is not one page
        path = tmp_path / f"f{i:03d}.log"
        path.write_bytes(docker(f"file {i} " + "y" * 1100 + "\n"))
        logs.append(str(path))
    script = tmp_path / "writer.py"
    script.write_text(CRASH_WRITER)
    db = tmp_path / "db.json"
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, str(script), str(db), *logs], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n"
        before = db.stat().st_mtime_ns if db.exists() else 0
        while not db.exists() or db.stat().st_mtime_ns == before:  # it has written at least once
            time.sleep(0.001)
        time.sleep(0.05)  # and is in the middle of more writes
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with OffsetsRecord(db) as record:
            offsets = {record.start(p).offset for p in logs}
        assert len(offsets) == 1 and offsets.pop() > 0


def test_invalid_utf8_is_replaced_tagged_and_the_exact_bytes_kept(tmp_path):
    """Docker, CRI and plain lines with bytes that are no UTF-8: U+FFFD in the message, the event
    tagged, its original the bytes exactly; a CRI record split inside a character is no error."""
    bad_docker = b'{"log":"crane \xff jam\\n","stream":"stdout"}\n'
    bad_cri = b"2026-11-27T06:00:00Z stdout F berth \xfe\xfe\n"
    split_cri = b"2026-11-27T06:00:00Z stdout P caf\xc3\n2026-11-27T06:00:00Z stdout F \xa9 ok\n"
    plain = b"plain \xc3\x28\n"
    events = list(decode_lines(io.BytesIO(bad_docker + bad_cri + split_cri + plain), "pod.log"))
    assert [e.get("message") for e in events] == ["crane \ufffd jam", "berth \ufffd\ufffd", "caf\u00e9 ok", "plain \ufffd("]
    assert [INVALID_UTF8_TAG in e.tags for e in events] == [True, True, False, True]
    assert [e.metadata[PROVENANCE]["original"] for e in events] == [bad_docker, bad_cri, split_cri, plain]


def test_invalid_utf8_events_are_counted_and_a_dead_letter_keeps_their_bytes(tmp_path):
    """The run's summary counts the tag; a line with such bytes that is rejected (broken JSON) is in
    the dead letter queue with its exact bytes."""
    path = tmp_path / "pod.log"
    tagged = b'{"log":"ERROR \xff\xfe gate\\n","stream":"stdout"}\n'
    broken = b'{"log":"half \xff\n'
    path.write_bytes(tagged + broken + docker("fine\n"))
    sink = RecordingSink()
    with DeadLetterQueue(tmp_path / "dlq") as dlq:
        summary = run_batch(Pipeline.from_config(PIPELINE), [str(path)], Router([sink], (0,)), dlq)
        [record] = list(dlq.read())
    assert summary.by_tag[INVALID_UTF8_TAG] == 1 and summary.rejected == 1
    assert [e.get("message") for e in sink.events] == ["ERROR \ufffd\ufffd gate", "fine"]
    assert record.original == broken.rstrip(b"\n") and record.place == f"{path}@{len(tagged)}"


def test_a_copy_under_another_name_in_the_same_run_is_read_once(tmp_path):
    """Two paths with the same first KiB are one file to the record (Filebeat's fingerprint rule):
    the second is skipped, saying which it is the same as; its ids would be the first's anyway."""
    first, copy = tmp_path / "pod.log", tmp_path / "pod.log.1"
    docker_file(first, 40)
    copy.write_bytes(first.read_bytes())
    with OffsetsRecord(tmp_path / "db.json") as record:
        events = run_files([(str(first), "auto", record), (str(copy), "auto", record)], tmp_path / "dlq")
        where = record.start(str(copy))
    assert len(events) == 40
    assert where.skip == f"the same first KiB as {first} (a copy or a rename): read once"
