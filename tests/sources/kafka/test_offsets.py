"""Per-partition offset bookkeeping: the committed position never passes an unsettled or ERRORED record."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.acks import DELIVERED, ERRORED, Ack
from porttrack_logs.sources.kafka.source import _Partition


def read(part: _Partition, offsets: list[int]) -> Ack:
    r = part.add(offsets)
    return Ack(len(offsets), lambda count: part.settled(r, count))


def test_position_waits_for_the_oldest_read():
    """A later read settled first moves nothing; the older one settling moves the position over both."""
    part = _Partition("t", 0)
    first, second = read(part, [0, 1, 2]), read(part, [3, 4])
    second.settle(0, 2, DELIVERED)
    assert part.pending_commit() is None
    first.settle(0, 2, DELIVERED)
    assert part.pending_commit() == 2
    first.settle(2, 1, DELIVERED)
    assert part.pending_commit() == 5


def test_gaps_between_offsets_commit_after_the_last_record():
    """Offsets with gaps (compaction, transaction markers): the position is the settled record's offset + 1."""
    part = _Partition("t", 0)
    ack = read(part, [10, 15, 40])
    ack.settle(0, 2, DELIVERED)
    assert part.pending_commit() == 16
    ack.settle(2, 1, DELIVERED)
    assert part.pending_commit() == 41


def test_errored_record_blocks_the_position_and_restart_point():
    part = _Partition("t", 3)
    ack, later = read(part, [0, 1, 2, 3]), read(part, [4, 5])
    ack.settle(0, 1, DELIVERED)
    ack.settle(1, 1, ERRORED)
    ack.settle(2, 2, DELIVERED)
    later.settle(0, 2, DELIVERED)
    assert part.pending_commit() == 1 and part.restart_at() == 1


def test_lost_partition_commits_nothing():
    part = _Partition("t", 0)
    ack = read(part, [0, 1])
    part.lost = True
    ack.settle(0, 2, DELIVERED)
    assert part.pending_commit() is None


def test_restart_before_any_settle_is_where_reading_began():
    part = _Partition("t", 0)
    read(part, [7, 8])
    assert part.restart_at() == 7 and part.pending_commit() is None


@settings(max_examples=200)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=8), st.randoms(use_true_random=False), st.integers(0, 30))
def test_random_settle_orders_commit_exactly_the_settled_prefix(sizes, rng: random.Random, errored_at):
    """Whatever order reads and records settle in, the position is one past the longest prefix of
    records settled and not ERRORED (and never moves back)."""
    part = _Partition("t", 0)
    offsets = 0
    acks = []
    for size in sizes:
        acks.append((read(part, list(range(offsets, offsets + size))), offsets))
        offsets += size
    total = offsets
    order = [(a, base, i) for a, base in acks for i in range(a.size)]
    rng.shuffle(order)
    status = {}
    last = None
    for ack, base, i in order:
        s = ERRORED if base + i == errored_at else DELIVERED
        ack.settle(i, 1, s)
        status[base + i] = s
        prefix = 0
        while prefix < total and status.get(prefix) == DELIVERED:
            prefix += 1
        expected = prefix if prefix > 0 else None
        assert part.position == expected
        if last is not None:
            assert part.position >= last
        last = part.position
