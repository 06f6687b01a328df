"""The acknowledgement algebra: worst-status merging, prefix commits, thread-safe settling."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.acks import DELIVERED, ERRORED, REJECTED, Ack, Status, worst


class Recorder:
    """Collects what an Ack tells its source."""

    def __init__(self) -> None:
        self.commits: list[int] = []
        self.finished: list[tuple[Status, int]] = []

    def commit(self, count: int) -> None:
        self.commits.append(count)

    def finish(self, ack: Ack) -> None:
        self.finished.append((ack.status, ack.committed))

    def ack(self, size: int) -> Ack:
        return Ack(size, self.commit, self.finish)


def test_worst_orders_rejected_over_errored_over_delivered():
    """Merging outcomes of one event takes the worst."""
    assert worst([DELIVERED, REJECTED, ERRORED]) is REJECTED
    assert worst([DELIVERED, ERRORED, DELIVERED]) is ERRORED
    assert worst([DELIVERED, DELIVERED]) is DELIVERED
    assert worst([]) is DELIVERED


def test_commit_waits_for_the_first_event():
    """Events settled after an unsettled one are not committed until it is settled."""
    rec = Recorder()
    ack = rec.ack(4)
    ack.settle(1, 3, DELIVERED)
    assert rec.commits == [] and ack.committed == 0
    ack.settle(0, 1, REJECTED)
    assert rec.commits == [4] and rec.finished == [(REJECTED, 4)]


def test_errored_event_blocks_every_later_position():
    """A prefix before an errored event commits; nothing at or after it ever does."""
    rec = Recorder()
    ack = rec.ack(5)
    ack.settle(0, 2, DELIVERED)
    ack.settle(2, 1, ERRORED)
    ack.settle(3, 2, DELIVERED)
    assert rec.commits == [2]
    assert ack.committed == 2 and rec.finished == [(ERRORED, 2)] and ack.status is ERRORED


def test_double_settle_and_out_of_range_are_refused():
    """Settling an event twice or outside the read is a bug the Ack names."""
    ack = Recorder().ack(3)
    ack.settle(0, 2, DELIVERED)
    with pytest.raises(ValueError, match="event 1 of this read is already settled"):
        ack.settle(1, 2, DELIVERED)
    with pytest.raises(ValueError, match="outside this read of 3 events"):
        ack.settle(2, 2, DELIVERED)
    assert ack.pending == 1  # the refused calls changed nothing


def test_settle_each_takes_one_status_per_event():
    """A sink's per-event outcomes settle in order; the commit stops at the errored one, and the
    worst status is still REJECTED (rejected > errored)."""
    rec = Recorder()
    ack = rec.ack(4)
    ack.settle_each(0, [DELIVERED, REJECTED, ERRORED, DELIVERED])
    assert ack.committed == 2 and rec.finished == [(REJECTED, 2)]


def test_empty_read_finishes_at_once():
    """An Ack of nothing is finished when made (nothing to wait for)."""
    rec = Recorder()
    Ack(0, rec.commit, rec.finish)
    assert rec.finished == [(DELIVERED, 0)] and rec.commits == []


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_settle_orders_never_commit_past_an_unsettled_or_errored_event(data):
    """Whatever order and grouping the settles come in, every commit is a prefix of settled,
    non-errored events, commits only grow, and the final commit is the longest such prefix."""
    size = data.draw(st.integers(1, 40), label="size")
    statuses = data.draw(st.lists(st.sampled_from(list(Status)), min_size=size, max_size=size), label="statuses")
    # split the positions into ranges, then settle the ranges in a random order
    cuts = sorted(data.draw(st.sets(st.integers(1, size - 1), max_size=size - 1), label="cuts")) if size > 1 else []
    bounds = [0, *cuts, size]
    ranges = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    order = data.draw(st.permutations(ranges), label="order")

    settled = [False] * size
    seen: list[int] = []

    def commit(count: int) -> None:
        assert all(settled[:count]), "committed past an unsettled event"
        assert ERRORED not in statuses[:count], "committed past an errored event"
        assert not seen or count > seen[-1], "a commit went backwards or repeated"
        seen.append(count)

    ack = Ack(size, commit)
    for start, end in order:
        for i in range(start, end):
            settled[i] = True  # before settling: the callback runs inside settle
        ack.settle_each(start, statuses[start:end])

    expected = next((i for i, s in enumerate(statuses) if s is ERRORED), size)
    assert ack.committed == expected
    assert (seen[-1] if seen else 0) == expected
    assert ack.status == worst(statuses)


def test_settles_from_many_threads_commit_everything_once():
    """Concurrent settles (sinks on their own threads) lose no event and commit in order."""
    size = 20_000
    rec = Recorder()
    ack = rec.ack(size)
    chunks = [(i, 10) for i in range(0, size, 10)]
    threads = [threading.Thread(target=lambda part=chunks[k::8]: [ack.settle(s, c, DELIVERED) for s, c in part]) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ack.committed == size and ack.pending == 0
    assert rec.commits == sorted(set(rec.commits)) and rec.commits[-1] == size
    assert rec.finished == [(DELIVERED, size)]
