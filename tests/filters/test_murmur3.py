"""MurmurHash3 against the algorithm's published test vectors (and mmh3, when it is installed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.filters._murmur3 import murmur3_32, murmur3_x64_128

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


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=40), st.integers(min_value=0, max_value=2**32 - 1))
def test_agrees_with_mmh3(data, seed):
    """Every length of tail and block agrees with the mmh3 C library (skipped when not installed)."""
    mmh3 = pytest.importorskip("mmh3", reason="mmh3 not installed; the published vectors above still run")
    assert murmur3_32(data, seed) == mmh3.hash(data, seed, signed=False)
    assert murmur3_x64_128(data, seed) == mmh3.hash_bytes(data, seed)
