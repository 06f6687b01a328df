"""Timing helpers shared by the benchmarks: best-of-N rounds, interleaved with the baseline."""

from __future__ import annotations

import time
from typing import Callable, Sequence


def rate(run: Callable[[], int], rounds: int, min_seconds: float = 0.2) -> float:
    """Best items/second over `rounds` rounds; `run()` processes a batch and returns its size."""
    best = 0.0
    for _ in range(rounds):
        done = 0
        start = time.perf_counter()
        while True:
            done += run()
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = max(best, done / elapsed)
    return best


def interleaved(runs: Sequence[Callable[[], int]], rounds: int, min_seconds: float = 0.2) -> list[float]:
    """Best rate of each callable, measured in alternation so machine noise hits them alike."""
    best = [0.0] * len(runs)
    for _ in range(rounds):
        for i, run in enumerate(runs):
            best[i] = max(best[i], rate(run, 1, min_seconds))
    return best


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, columns padded."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])
