"""Batch steps: filters over a batch, conditionals, and failure isolation."""

from porttrack_logs import Event
from porttrack_logs.filters.base import Filter
from porttrack_logs.pipeline.steps import FAILURE_TAG, ConditionalStep, FilterStep, failure_of, run_steps


class Tagger(Filter):
    name = "tagger"
    __slots__ = ()

    def apply(self, event):
        return True


class Dropper(Filter):
    name = "dropper"
    __slots__ = ()

    def apply(self, event):
        event.cancel()
        return True


class Exploder(Filter):
    name = "exploder"
    __slots__ = ()

    def apply(self, event):
        if event.get("boom"):
            raise ValueError("bad value in [boom]")
        return True


def batch(*dicts):
    return [Event(d) for d in dicts]


def test_exception_fails_only_that_event_and_records_reason():
    """One event making a filter raise is tagged and explained; the others go on."""
    events = batch({"n": 1}, {"n": 2, "boom": True}, {"n": 3})
    out = run_steps([FilterStep(Exploder()), FilterStep(Tagger(add_tag=["after"]))], events)
    assert [e.get("n") for e in out] == [1, 3]
    assert all(e.tags == ["after"] for e in out)
    failed = events[1]
    assert FAILURE_TAG in failed.tags and "after" not in failed.tags
    assert "bad value in [boom]" in failure_of(failed)


def test_cancelled_events_do_not_flow_on():
    """A drop stops the event; later steps never see it."""
    events = batch({"n": 1})
    out = run_steps([FilterStep(Dropper()), FilterStep(Tagger(add_tag=["x"]))], events)
    assert out == [] and events[0].tags == []


def test_conditional_routes_each_event_to_first_true_branch():
    """if / else if / else: first branch that holds wins, else catches the rest."""
    step = ConditionalStep(
        [
            (lambda e: e.get("level") == "ERROR", [FilterStep(Tagger(add_tag=["alert"]))]),
            (lambda e: e.get("level") in ("ERROR", "WARN"), [FilterStep(Tagger(add_tag=["warn"]))]),
            (None, [FilterStep(Tagger(add_tag=["other"]))]),
        ]
    )
    events = batch({"level": "ERROR"}, {"level": "WARN"}, {"level": "INFO"})
    out = step.process(events)
    assert [e.tags for e in out] == [["alert"], ["warn"], ["other"]]


def test_conditional_keeps_batch_order_and_drops_cancelled():
    """Events leave a conditional in the order they came, minus those a branch dropped."""
    step = ConditionalStep([(lambda e: e.get("n") % 2 == 0, [FilterStep(Dropper())])])
    out = step.process(batch({"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}))
    assert [e.get("n") for e in out] == [1, 3, 5]


def test_condition_that_raises_fails_the_event_not_the_batch():
    """A condition raising on one event marks that event failed."""
    step = ConditionalStep([(lambda e: e.get("n") / e.get("d") > 1, [FilterStep(Tagger(add_tag=["big"]))])])
    events = batch({"n": 4, "d": 2}, {"n": 1, "d": 0})
    out = step.process(events)
    assert [e.get("n") for e in out] == [4]
    assert "ZeroDivisionError" in failure_of(events[1])
