"""Every case of the upstream RSpec suites (../shared/filter-upstream) holds, on the generated code and
on the step-by-step reference, on `Event(dict)` and on lazily decoded events.

A case with `env.clock` runs with the date filter's "now" frozen there (it decides a missing year).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from porttrack_logs.filters import date as date_filter
from porttrack_logs.pipeline import Pipeline

from ._filter_upstream import SKIP_REASON, SUITES, available, cases, run

#: Upstream's spec pipelines run on Logstash's default settings: several workers, so
#: `pipeline.ordered: auto` is unordered, and at each conditional a batch is handed on branch by
#: branch. Every case runs that way (`ordered=False`) and in porttrack-logs' default input order;
#: the one case whose assertions read the order runs unordered only, and its ordered counterpart
#: is `test_ordered_keeps_input_order` below.
_ORDER_READ = {"conditionals-L564"}


def _params() -> list:
    out = []
    for suite in SUITES:
        for case in cases(suite):
            for ordered in (False, True):
                if ordered and case["id"] in _ORDER_READ:
                    continue
                out.append(pytest.param(case, ordered, id=f"{case['id']}-{'ordered' if ordered else 'unordered'}"))
    return out


def test_the_cases_are_there():
    """With CI set, the upstream folder must be present (its absence is a failure, not a skip)."""
    if not available():
        if os.environ.get("CI"):
            pytest.fail(SKIP_REASON)
        pytest.skip(SKIP_REASON)
    assert sum(len(cases(s)) for s in SUITES) >= 422


@pytest.mark.parametrize("how", ["generated", "steps"])
@pytest.mark.parametrize("case,ordered", _params())
def test_upstream_case(case: dict, ordered: bool, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case's assertions hold, as upstream asserted them."""
    clock = case["env"].get("clock")
    if clock:
        frozen = datetime.fromisoformat(clock.replace("Z", "+00:00")).astimezone(timezone.utc)
        monkeypatch.setattr(date_filter, "clock", lambda: frozen)
    problems = []
    for lazy in (False, True):
        found = run(case, generate_code=how == "generated", lazy=lazy,
                    make_pipeline=lambda text, **kw: Pipeline.from_config(text, ordered=ordered, **kw))
        problems += [f"{'decode_event' if lazy else 'Event(dict)'}: {p}" for p in found]
    assert not problems, f"{case['source']['examples'][0]}\n" + "\n".join(problems)


@pytest.mark.parametrize("generate_code", [True, False])
def test_ordered_keeps_input_order(generate_code: bool) -> None:
    """conditionals-L564 in the default order: the same three events, the original first and its
    clones after it, each clone through the branch its type picks."""
    case = next((c for c in cases("conditionals") if c["id"] == "conditionals-L564"), None)
    if case is None:
        if os.environ.get("CI"):
            pytest.fail(SKIP_REASON)
        pytest.skip(SKIP_REASON)
    out = Pipeline.from_config(case["config"], generate_code=generate_code).process(case["events"])
    assert [(e.get("type"), e.get("cond1"), e.get("cond2")) for e in out] == [
        ("original", None, None), ("clone1", "true", None), ("clone2", None, "true")]
