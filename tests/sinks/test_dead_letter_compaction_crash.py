"""A compaction cut short at every file-system step leaves the old set or the new set, never a mix."""

import os
import shutil


from porttrack_logs.sinks.dead_letter import DeadLetterQueue, read
from porttrack_logs.sinks.dead_letter import _segments


class Crash(BaseException):
    """The process dying between two file-system steps (raised instead of the step)."""


def _steps(monkeypatch, crash_at):
    """Count the compaction's renames, deletions and directory syncs; the `crash_at`-th never happens."""
    seen = [0]

    def step(real):
        def run(*args, **kwargs):
            seen[0] += 1
            if seen[0] == crash_at:
                raise Crash()
            return real(*args, **kwargs)
        return run

    monkeypatch.setattr(_segments.os, "replace", step(os.replace))
    monkeypatch.setattr(_segments, "fsync_dir", step(_segments.fsync_dir))
    monkeypatch.setattr(_segments.shutil, "rmtree", step(shutil.rmtree))
    real_unlink = _segments.Path.unlink
    monkeypatch.setattr(_segments.Path, "unlink", step(real_unlink))
    return seen


def _fill(directory):
    with DeadLetterQueue(directory, segment_bytes=300) as queue:
        for i in range(9):
            queue.put(f"reason {i}", original=bytes([0x80 + i]) * 40)


def test_remove_cut_short_at_each_step_leaves_old_or_new_and_recovery_finishes_it(tmp_path, monkeypatch):
    """Before the COMMIT rename the old set stands (and the staging is discarded); from it on, readers
    already see the new set and the next writer completes the move. Every step is tried."""
    old = [f"reason {i}" for i in range(9)]
    new = [f"reason {i}" for i in range(9) if i % 3]
    step = 1
    outcomes = set()
    while True:
        directory = tmp_path / f"q{step}"
        _fill(directory)
        with monkeypatch.context() as patch:
            seen = _steps(patch, step)
            queue = DeadLetterQueue(directory, segment_bytes=300)
            ids = [r.id for r in queue.read() if r.reason in {"reason 0", "reason 3", "reason 6"}]
            try:
                queue.remove(ids)
                finished = True
            except Crash:
                finished = False
            queue._lock.release()  # the dead process's lock goes with it
        seen_now = [r.reason for r in read(directory)]
        assert seen_now in (old, new), step
        committed = (directory / ".compaction" / "COMMIT").exists() or seen_now == new
        outcomes.add(seen_now == new)
        with DeadLetterQueue(directory) as reopened:  # recovery by the next writer
            after = [r.reason for r in reopened.read()]
        assert after == (new if committed else old), step
        assert not (directory / ".compaction").exists()
        assert sum(p.stat().st_size for p in directory.glob("*.dlq")) == sum(r.size for r in read(directory))
        if finished:
            break
        step += 1
    assert outcomes == {False, True} and step > 5  # both sides of the commit point were hit
