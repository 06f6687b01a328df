"""timeout_millis bounds a pathological match: the event is tagged `_groktimeout` and the next
event is processed normally, in the main thread and in a worker thread. No timed asserts."""

from __future__ import annotations

import threading

import pytest

from porttrack_logs.event import Event
from porttrack_logs.filters.grok import GrokFilter
from porttrack_logs.grok import Grok, MatchTimeout

# Repeated %{PATH} over a run of path segments that ends in a character no path takes:
# every split of the run into paths is tried before the match fails.
PATH_EXPRESSION = "^(?:%{PATH})+$"
PATH_LINE = "/a" * 40 + '/a"'
# Chained DATA with an anchor that never matches: every placement of the separators is tried.
DATA_EXPRESSION = "%{DATA:a} %{DATA:b} %{DATA:c} %{DATA:d} %{DATA:e} end$"
DATA_LINE = "x " * 3000 + "and"
# A long line where every start position costs a scan to its end: quadratic with no
# backtracking for PCRE2's match limit to count, so only the windowed search bounds it.
LONG_EXPRESSION = "%{PATH:p} %{DATA:x} end$"
LONG_LINE = "/a" * 30000 + " b c d"
NORMAL_LINE = "/usr/local/bin ok"  # fails the first expression, so the second one must capture
NORMAL_PATH = "/usr/local/bin"


CASES = [(PATH_EXPRESSION, PATH_LINE), (DATA_EXPRESSION, DATA_LINE), (LONG_EXPRESSION, LONG_LINE)]


def _run_pair(expression: str, bad_line: str, **options) -> tuple[Event, Event]:
    grok = GrokFilter(match={"message": [expression, "%{PATH:path}"]}, timeout_millis=50, **options)
    bad = Event({"message": bad_line})
    good = Event({"message": NORMAL_LINE})
    grok.filter(bad)
    grok.filter(good)
    return bad, good


@pytest.mark.parametrize("expression,line", CASES)
def test_pathological_line_is_tagged_groktimeout(expression: str, line: str) -> None:
    """The catastrophic line returns, tagged _groktimeout only (no _grokparsefailure)."""
    bad, _ = _run_pair(expression, line)
    assert bad.tags == ["_groktimeout"]


@pytest.mark.parametrize("expression,line", CASES)
def test_next_line_after_a_timeout_is_processed_normally(expression: str, line: str) -> None:
    """After a timed-out event the same filter matches the next event as usual."""
    _, good = _run_pair(expression, line)
    assert good.get("path") == NORMAL_PATH
    assert good.tags == []


@pytest.mark.parametrize("expression,line", CASES)
def test_timeout_works_in_a_worker_thread(expression: str, line: str) -> None:
    """The bound holds off the main thread (where no signal can interrupt a match)."""
    results: dict[str, Event] = {}

    def work() -> None:
        results["bad"], results["good"] = _run_pair(expression, line)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the worker never returned"
    assert results["bad"].tags == ["_groktimeout"]
    assert results["good"].get("path") == NORMAL_PATH


def test_custom_tag_on_timeout_is_used() -> None:
    """tag_on_timeout names the tag a timed-out event receives."""
    bad, _ = _run_pair(PATH_EXPRESSION, PATH_LINE, tag_on_timeout="slow")
    assert bad.tags == ["slow"]


def test_event_scope_also_bounds_the_event() -> None:
    """With timeout_scope => event the pathological event is still cut off and tagged."""
    bad, good = _run_pair(DATA_EXPRESSION, DATA_LINE, timeout_scope="event")
    assert bad.tags == ["_groktimeout"]
    assert good.get("path") == NORMAL_PATH


def test_grok_match_raises_match_timeout() -> None:
    """The compiler's own API reports a timeout as MatchTimeout, not as a miss."""
    grok = Grok(DATA_EXPRESSION, timeout_millis=20)
    with pytest.raises(MatchTimeout):
        grok.match(DATA_LINE)


def test_generous_timeout_lets_a_heavy_but_finite_match_finish() -> None:
    """Backtracking that stays well inside the budget is not mistaken for a timeout
    (Logstash's own spec: 21 patterns on one line under a 750 ms pattern-scoped budget)."""
    grok = GrokFilter(match={"message": ["(.*a){25}", "(.*a){20}"]}, timeout_millis=750)
    event = Event({"message": "bbbbbbbbbbbbbbbcccccccccccccccdddddddddddddddeeeeeeeeeeeeeee aaaaaaaaaaaaaaaaaaaa"})
    grok.filter(event)
    assert event.tags == []


def test_re_fallback_is_interrupted_in_the_main_thread() -> None:
    """On the stdlib re engine (fallback) the main thread's match is cut off by a timer signal."""
    grok = Grok(DATA_EXPRESSION, engine="re", timeout_millis=20)
    with pytest.raises(MatchTimeout):
        grok.match(DATA_LINE)
