"""The regex engine behind grok, hidden behind one small interface: compile, then `search` -> groups.

Two engines: PCRE2 with JIT through `pypcre` (the default, measured faster; see DESIGN.md)
and the stdlib `re` (fallback for expressions PCRE2 cannot take, and for comparison).

Bounded time. PCRE2 counts its backtracking work and stops at a match limit, in any thread.
A compiled regex gets a limit scaled to its time budget (`(*LIMIT_MATCH=n)`, calibrated once
per process against a backtracking-heavy probe, capped by PCRE2's default of 10 million);
reaching it raises `MatchTimeout`. The limit does not count the scan a failed attempt makes
at each start position, so lines longer than LONG_TEXT are searched a window of start
positions per call with the clock read in between. `re` cannot be stopped off the main
thread: in the main thread it is interrupted by a `setitimer` signal, elsewhere it runs
unbounded (it only serves expressions PCRE2 cannot compile).
"""

from __future__ import annotations

import re
import signal
import threading
import time
from functools import lru_cache
from typing import Callable, Protocol

from ..errors import MatchTimeout
from ._translate import PCRE, RE, Translated, translate

__all__ = ["CompiledRegex", "compile_regex", "ENGINES", "pcre_available"]

try:
    import pcre as _pcre

    _PCRE_FLAGS = _pcre.DOTALL | _pcre.MULTILINE
    PCRE_LIMIT_ERRORS: tuple[type[BaseException], ...] = tuple(
        getattr(_pcre, name)
        for name in ("PcreErrorMatchlimit", "PcreErrorDepthlimit", "PcreErrorHeaplimit", "PcreErrorJitStacklimit")
        if hasattr(_pcre, name)
    )
except ImportError:  # pragma: no cover - pypcre is a declared dependency
    _pcre = None
    PCRE_LIMIT_ERRORS = ()

ENGINES = ("pcre", "re")
_PCRE_DEFAULT_LIMIT = 10_000_000
_RE_FLAGS = re.DOTALL | re.MULTILINE


class CompiledRegex(Protocol):
    """What grok needs from an engine: the groups of the first match anywhere, or None."""

    engine: str
    source: str
    #: when the engine needs no bookkeeping per call (no time budget): its own search, returning a
    #: match object (`.groups()`) or None, and raising one of `limit_errors` past its backtracking limit
    raw_search: Callable[[str], object] | None
    #: the engine's own findall under the same condition (a list of group tuples), or None
    raw_findall: Callable[[str], list] | None
    #: with a time budget: the engine's own search, bounded by its match limit, valid for texts up
    #: to `LONG_TEXT` characters (longer ones need `search`); None when the engine has none
    bounded_search: Callable[[str], object] | None
    limit_errors: tuple[type[BaseException], ...]

    def search(self, text: str) -> tuple[str | None, ...] | None: ...


def pcre_available() -> bool:
    """Whether the PCRE2 engine (`pypcre`) can be used."""
    return _pcre is not None


@lru_cache(maxsize=1)
def _pcre_units_per_ms() -> float:
    """PCRE2 match-limit units per millisecond on this machine, conservatively (the slowest kind
    of backtracking measured, quartered), so a limit sized for N ms is reached in at most ~N ms."""
    probe = _pcre.compile("(*LIMIT_MATCH=400000)^(?:[a-z]+ ?)*$", _PCRE_FLAGS)
    text = "aaaa aaaa " * 5 + "!"
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        try:
            probe.search(text)
        except PCRE_LIMIT_ERRORS:
            pass
        best = min(best, time.perf_counter() - start)
    return max(20_000.0, 400_000 / (best * 1000.0) / 4.0)


def pcre_limit_for(budget_ms: float) -> int:
    """The PCRE2 match limit that stands for a time budget (0 = no budget: PCRE2's default)."""
    if budget_ms <= 0:
        return 0
    return int(max(1000, min(_PCRE_DEFAULT_LIMIT, budget_ms * _pcre_units_per_ms())))


def _fast_search(pattern: object) -> Callable[[str], object]:
    """The compiled pattern's own search, skipping pypcre's Python-level argument checks
    (about 60 ns a call) when the C object exposes one; the checked wrapper otherwise."""
    raw = getattr(getattr(pattern, "_pattern", None), "search", None)
    if raw is not None:
        try:
            probe = raw("0")
        except Exception:  # an unexpected binding: keep the public method
            raw = None
        else:
            if probe is not None and not hasattr(probe, "groups"):
                raw = None
    return raw if raw is not None else pattern.search  # type: ignore[attr-defined]


class _PcreRegex:
    __slots__ = (
        "engine", "source", "_search", "_budget_s", "_prefix", "_windows", "raw_search", "raw_findall",
        "bounded_search", "limit_errors",
    )

    def __init__(self, source: str, budget_ms: float) -> None:
        limit = pcre_limit_for(budget_ms)
        self.engine = "pcre"
        self.source = source
        self._prefix = f"(*LIMIT_MATCH={limit})" if limit else ""
        self._search = _fast_search(_pcre.compile(self._prefix + source, _PCRE_FLAGS))
        self._budget_s = budget_ms / 1000.0
        self._windows: dict[int, object] = {}
        self.raw_search = None if self._budget_s else self._search
        findall = getattr(getattr(self._search, "__self__", None), "findall", None)
        self.raw_findall = None if self._budget_s else findall
        self.bounded_search = self._search if self._budget_s else None
        self.limit_errors = PCRE_LIMIT_ERRORS

    def search(self, text: str) -> tuple[str | None, ...] | None:
        if self._budget_s and len(text) > LONG_TEXT:
            return self._search_in_windows(text)
        try:
            m = self._search(text)
        except PCRE_LIMIT_ERRORS:
            raise MatchTimeout("the match reached its backtracking limit (timeout_millis)") from None
        return None if m is None else m.groups()

    def _search_in_windows(self, text: str) -> tuple[str | None, ...] | None:
        """The same leftmost match, tried from one window of start positions per call.

        The match limit counts backtracking, not the scan a failed attempt makes at each start
        position, so one search over a long line can cost length x length steps without
        reaching it (`%{PATH} %{DATA} end$` on 40 kB of `/a`: seconds). An anchored match that
        may first skip up to `width - 1` characters covers one window per call, and the clock
        is read between calls. PCRE2's JIT handles the bounded lazy skip in quadratic time, so
        this variant runs on the interpreter.
        """
        size = len(text)
        width = _window_width(size)
        match = self._windows.get(width)
        if match is None:
            source = f"{self._prefix}(?:.{{0,{width - 1}}}?)(?:{self.source})"
            match = self._windows[width] = _pcre.compile(source, _PCRE_FLAGS | _pcre.Flag.NO_JIT).match
        deadline = time.monotonic() + self._budget_s
        pos = 0
        while pos <= size:
            try:
                m = match(text, pos)
            except PCRE_LIMIT_ERRORS:
                raise MatchTimeout("the match reached its backtracking limit (timeout_millis)") from None
            if m is not None:
                return m.groups()
            pos += width
            if time.monotonic() > deadline:
                raise MatchTimeout("the match ran past timeout_millis")
        return None


# Texts up to this length are searched in one call: their worst scanning cost (length squared
# character steps, about a nanosecond each here) stays within a few milliseconds.
LONG_TEXT = 2048
_STEPS_PER_CALL = 1 << 20


def _window_width(size: int) -> int:
    """A power of two (1..4096) so one windowed call scans at most ~_STEPS_PER_CALL characters."""
    width = 1
    while width < 4096 and width * 2 * size <= _STEPS_PER_CALL:
        width *= 2
    return width


class _Alarm(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise _Alarm


class _ReRegex:
    __slots__ = ("engine", "source", "_search", "_budget_s", "raw_search", "raw_findall", "bounded_search", "limit_errors")

    def __init__(self, source: str, budget_ms: float) -> None:
        self.engine = "re"
        self.source = source
        self._search = re.compile(source, _RE_FLAGS).search
        self._budget_s = budget_ms / 1000.0
        self.raw_search = None if self._budget_s else self._search
        self.raw_findall = None
        self.bounded_search = None  # a signal bounds `re`, set around each call by `search`
        self.limit_errors = ()

    def search(self, text: str) -> tuple[str | None, ...] | None:
        if self._budget_s <= 0 or threading.current_thread() is not threading.main_thread():
            m = self._search(text)
            return None if m is None else m.groups()
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, self._budget_s)
            try:
                m = self._search(text)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Alarm:
            raise MatchTimeout("the match ran past timeout_millis") from None
        finally:
            signal.signal(signal.SIGALRM, previous)
        return None if m is None else m.groups()


def compile_regex(onig: str, engine: str = "pcre", budget_ms: float = 0) -> tuple[CompiledRegex, Translated]:
    """Translate an Oniguruma regex and compile it; with engine "pcre", fall back to `re` for
    what PCRE2 cannot take. Raises ValueError (with the engine's reason) when neither can."""
    if engine not in ENGINES:
        raise ValueError(f"unknown regex engine {engine!r}; expected one of {', '.join(ENGINES)}")
    errors = []
    if engine == "pcre" and _pcre is not None:
        try:
            translated = translate(onig, PCRE)
            return _PcreRegex(translated.source, budget_ms), translated
        except Exception as exc:  # noqa: BLE001 - any failure means: try the other engine
            errors.append(f"PCRE2: {exc}")
    try:
        translated = translate(onig, RE)
        return _ReRegex(translated.source, budget_ms), translated
    except (re.error, ValueError) as exc:
        if not errors or str(exc) not in errors[0]:
            errors.append(f"re: {exc}")
    raise ValueError("; ".join(errors))
