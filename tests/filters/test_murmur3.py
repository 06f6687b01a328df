"""MurmurHash3 as the fingerprint filter calls it (mmh3), against the algorithm's published test vectors."""

from __future__ import annotations

import pytest

from porttrack_logs.filters.fingerprint import murmur3_32, murmur3_x64_128

FOX = b"The quick brown fox jumps over the lazy dog"


@pytest.mark.parametrize(
    ("data", "seed", "expected"),
    [(b"", 0, 0), (b"", 1, 0x514E28B7), (b"hello", 0, 0x248BFA47), (FOX, 0, 0x2E4FF723)],
)
def test_murmur3_32_vectors(data, seed, expected):
    """x86_32 gives the published hash for each input and seed."""
    assert murmur3_32(data, seed) == expected


def test_murmur3_128_empty_is_zero():
    """x64_128 of nothing with seed 0 is all zero bytes."""
    assert murmur3_x64_128(b"") == bytes(16)


def test_murmur3_128_fox_vector():
    """x64_128 of the fox sentence gives the published digest (little-endian halves)."""
    assert murmur3_x64_128(FOX).hex() == "6c1b07bc7bbc4be347939ac4a93c437a"
