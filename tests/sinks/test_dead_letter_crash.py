"""Real process failures while writing dead letters: `kill -9` mid-write, and a write the kernel cuts short."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from porttrack_logs.sinks.dead_letter import DeadLetterQueue, read

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, sys
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
queue = DeadLetterQueue(sys.argv[1], segment_bytes=1 << 40)
original = os.urandom(int(sys.argv[2]))  # not UTF-8: stored as base64, a big record to cut in the middle
i = 0
while True:
    queue.put(f"record {i:06d}", stage="output", original=original, status=400, plugin="writer")
    queue.sync()
    print(i, flush=True)  # only after sync: what the parent sees printed is durable
    i += 1
"""


def _kill_mid_record(directory: Path, size: int) -> list[int]:
    """Start the writer, wait until a record is half on disk, kill -9; the numbers it reported synced."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(directory), str(size)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        synced = [int(child.stdout.readline())]
        segment = directory / "00000001.dlq"
        record = segment.stat().st_size  # every record has the same size: one is on disk now
        while child.poll() is None:
            now = segment.stat().st_size
            if now % record or now > 40 * record:  # half a record on disk (or give this attempt up)
                break
        assert child.poll() is None, "the writer died before it was killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    synced += [int(line) for line in child.stdout.read().split()]
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return synced


def test_kill_9_mid_write_keeps_synced_records_and_reports_the_torn_tail(tmp_path):
    """Killed while a record is half written: every record it had synced reads back whole and in
    order, the cut record is reported with the segment and its byte offset, and a new writer
    appends to a new segment that reads back after the old records."""
    tears = 0
    for attempt in range(5):
        directory = tmp_path / f"q{attempt}"
        synced = _kill_mid_record(directory, 4 << 20)
        damage = []
        records = list(read(directory, damage.append))
        reasons = [r.reason for r in records]
        assert reasons == [f"record {i:06d}" for i in range(len(records))]
        assert synced == list(range(len(synced))) and len(synced) <= len(records) <= len(synced) + 1
        assert all(len(r.original) == 4 << 20 and r.original == records[0].original for r in records)
        segment = directory / "00000001.dlq"
        whole = sum(r.size for r in records)
        if damage:
            [report] = damage
            assert report.path == segment and report.offset == whole and report.at_end
            assert report.length == segment.stat().st_size - whole > 0
            assert f"{segment}@{whole}: torn record" in str(report)
            tears += 1
        else:  # the write finished between the last look and the signal
            assert segment.stat().st_size == whole

        with DeadLetterQueue(directory) as queue:
            queue.put("after the crash", original=b"next")
        assert sorted(p.name for p in directory.glob("*.dlq")) == ["00000001.dlq", "00000002.dlq"]
        again = []
        assert [r.reason for r in read(directory, again.append)] == reasons + ["after the crash"]
        assert len(again) == len(damage)
        if tears:
            break
    assert tears == 1


FULL_DISK = """
import resource, signal, sys
from porttrack_logs.errors import DeliveryError
from porttrack_logs.sinks.dead_letter import DeadLetterQueue
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, as on a full disk
queue = DeadLetterQueue(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))  # no file of this process grows past 3000 bytes
for i in range(2):
    queue.put(f"synced {i}", original=b"a" * 900)
    queue.sync()
try:
    queue.put("past the limit", original=b"b" * 900)
    queue.sync()
except DeliveryError as exc:
    print(exc)
queue.put("in a new segment", original=b"c" * 900)
queue.sync()
queue.close()
"""


def test_a_write_the_file_system_refuses_is_an_error_and_the_queue_goes_on_in_a_new_segment(tmp_path):
    """A real short write (the kernel's file size limit, as a full disk would): sync raises a
    DeliveryError naming the segment, the synced records stay whole, the cut record is reported,
    and the next record goes to a fresh segment."""
    directory = tmp_path / "q"
    result = subprocess.run([sys.executable, "-c", FULL_DISK, str(directory)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    segment = directory / "00000001.dlq"
    assert result.stdout.startswith(f"{segment}: syncing dead letter records failed: [Errno 27] File too large")
    damage = []
    records = list(read(directory, damage.append))
    assert [r.reason for r in records] == ["synced 0", "synced 1", "in a new segment"]
    assert [r.segment for r in records] == [1, 1, 2]
    [report] = damage
    assert report.path == segment and report.offset == records[0].size + records[1].size and report.at_end
    assert segment.stat().st_size == 3000
