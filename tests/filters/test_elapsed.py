"""elapsed: start/end pairs by id, the match on the end event or as a new event, end without start,
expiry on periodic flushes (5 seconds of age each, as Logstash's), keep_start_event; the generated
code and the step-by-step reference give the same events, flushed ones included."""

from __future__ import annotations

import socket
import threading

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.elapsed import ElapsedFilter
from porttrack_logs.pipeline import Pipeline

from ._cases import plain

BASE = {"start_tag": "taskStarted", "end_tag": "taskTerminated", "unique_id_field": "task_id"}


def _event(tag: str | None, task: object, at: str) -> Event:
    data = {"@timestamp": at, "message": f"{tag} {task}"}
    if tag:
        data["tags"] = [tag]
    if task is not None:
        data["task_id"] = task
    return Event(data)


def _run(options: dict, script: list) -> list[dict]:
    """Run a script of ("event", tag, id, time) and ("flush",) steps through one filter; every
    event that comes out (the input ones and those made), as plain fields, in order."""
    flt = ElapsedFilter(**{**BASE, **options})
    out = []
    for step in script:
        if step[0] == "flush":
            out += [plain(e.to_dict()) for e in flt.flush()]
            continue
        _, tag, task, at = step
        event = _event(tag, task, at)
        made = flt.spawn(event)
        out.append(plain(event.to_dict()))
        out += [plain(e.to_dict()) for e in made]
    return out


START = ("event", "taskStarted", "t1", "2026-12-01T10:00:00.000Z")
END = ("event", "taskTerminated", "t1", "2026-12-01T10:00:12.250Z")


# (id, options, script, checks: [(output index, field, expected value)], number of outputs)
CASES = [
    ("match-on-end-event", {}, [START, END],
     [(1, "elapsed_time", 12.25), (1, "elapsed_timestamp_start", "2026-12-01T10:00:00.000Z"),
      (1, "tags", ["taskTerminated", "elapsed", "elapsed_match"]), (1, "task_id", "t1"), (0, "tags", ["taskStarted"])], 2),
    ("end-without-start", {}, [END],
     [(0, "tags", ["taskTerminated", "elapsed_end_without_start"]), (0, "elapsed_time", None)], 1),
    ("no-id-field-left-alone", {}, [("event", "taskStarted", None, "2026-12-01T10:00:00Z"), ("event", "taskTerminated", None, "2026-12-01T10:00:01Z")],
     [(1, "tags", ["taskTerminated"])], 2),
    ("other-id-does-not-match", {}, [START, ("event", "taskTerminated", "t2", "2026-12-01T10:00:01Z")],
     [(1, "tags", ["taskTerminated", "elapsed_end_without_start"])], 2),
    ("a-start-is-used-once", {}, [START, END, END],
     [(1, "tags", ["taskTerminated", "elapsed", "elapsed_match"]), (2, "tags", ["taskTerminated", "elapsed_end_without_start"])], 3),
    ("keep-first-start", {}, [START, ("event", "taskStarted", "t1", "2026-12-01T10:00:10Z"), END],
     [(2, "elapsed_time", 12.25)], 3),
    ("keep-last-start", {"keep_start_event": "last"}, [START, ("event", "taskStarted", "t1", "2026-12-01T10:00:10Z"), END],
     [(2, "elapsed_time", 2.25), (2, "elapsed_timestamp_start", "2026-12-01T10:00:10.000Z")], 3),
    ("negative-when-end-is-earlier", {}, [("event", "taskStarted", "t1", "2026-12-01T10:00:05Z"), ("event", "taskTerminated", "t1", "2026-12-01T10:00:04.5Z")],
     [(1, "elapsed_time", -0.5)], 2),
    ("numeric-ids", {}, [("event", "taskStarted", 7, "2026-12-01T10:00:00Z"), ("event", "taskTerminated", 7, "2026-12-01T10:00:03Z")],
     [(1, "elapsed_time", 3.0), (1, "task_id", 7)], 2),
    ("new-event-on-match", {"new_event_on_match": True}, [START, END],
     [(1, "tags", ["taskTerminated"]), (1, "elapsed_time", None), (2, "tags", ["elapsed", "elapsed_match"]),
      (2, "elapsed_time", 12.25), (2, "task_id", "t1"), (2, "host", socket.gethostname()),
      (2, "elapsed_timestamp_start", "2026-12-01T10:00:00.000Z")], 3),
    ("expires-after-timeout-flushes", {"timeout": 10}, [START, ("flush",), ("flush",), END],
     [(1, "tags", ["elapsed", "elapsed_expired_error"]), (1, "elapsed_time", 10), (1, "task_id", "t1"),
      (1, "elapsed_timestamp_start", "2026-12-01T10:00:00.000Z"), (1, "host", socket.gethostname()),
      (2, "tags", ["taskTerminated", "elapsed_end_without_start"])], 3),
    ("not-expired-before-timeout", {"timeout": 11}, [START, ("flush",), ("flush",), END],
     [(1, "elapsed_time", 12.25)], 2),
    ("default-timeout-is-1800-seconds", {}, [START] + [("flush",)] * 359 + [END], [(1, "elapsed_time", 12.25)], 2),
    ("default-timeout-expires-at-360-flushes", {}, [START] + [("flush",)] * 360, [(1, "elapsed_time", 1800)], 2),
    ("common-options-on-start-end-and-made", {"add_tag": ["seen"], "new_event_on_match": True}, [START, END],
     [(0, "tags", ["taskStarted", "seen"]), (1, "tags", ["taskTerminated", "seen"]), (2, "tags", ["elapsed", "elapsed_match", "seen"])], 3),
    ("start-tag-wins-over-end-tag", {}, [("event", "taskStarted", "t1", "2026-12-01T10:00:00Z")],
     [(0, "tags", ["taskStarted"])], 1),
]


@pytest.mark.parametrize(("options", "script", "checks", "count"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_elapsed_case(options, script, checks, count):
    out = _run(options, script)
    assert len(out) == count, out
    for index, field, expected in checks:
        assert out[index].get(field) == expected, (index, field, out[index])


def test_an_event_with_both_tags_is_a_start():
    flt = ElapsedFilter(**BASE)
    both = Event({"tags": ["taskStarted", "taskTerminated"], "task_id": "x"})
    flt.spawn(both)
    assert flt.waiting == 1 and "elapsed" not in both.tags


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"end_tag": "e", "unique_id_field": "id"}, "start_tag"),
        ({**BASE, "keep_start_event": "middle"}, "keep_start_event"),
        ({**BASE, "timeout": "soon"}, "timeout"),
    ],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        ElapsedFilter(**options)


def test_waiting_starts_are_shared_safely_across_threads():
    """Several worker threads on one filter: every start is matched exactly once."""
    flt = ElapsedFilter(**BASE)
    matched = []

    def worker(n: int) -> None:
        for i in range(200):
            task = f"{n}-{i}"
            flt.spawn(_event("taskStarted", task, "2026-12-01T10:00:00Z"))
            end = _event("taskTerminated", task, "2026-12-01T10:00:01Z")
            flt.spawn(end)
            matched.append("elapsed_match" in end.tags)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(matched) == 800 and all(matched) and flt.waiting == 0


CONFIG = """
filter {
  if [kind] == "job" {
    elapsed {
      start_tag => "taskStarted" end_tag => "taskTerminated" unique_id_field => "task_id"
      timeout => 5 new_event_on_match => true add_field => { "via" => "elapsed" }
    }
    mutate { add_tag => ["after_elapsed"] }
  }
  if "elapsed" in [tags] { mutate { add_field => { "flagged" => "%{task_id}" } } }
}
"""


@pytest.mark.parametrize("generate_code", [True, False])
def test_made_and_flushed_events_run_the_rest_of_the_section(generate_code):
    """The match event and the expired event run what follows elapsed (its branch, then the rest)."""
    pipeline = Pipeline.from_config(CONFIG, generate_code=generate_code)
    out = pipeline.process([
        {"kind": "job", "tags": ["taskStarted"], "task_id": "a", "@timestamp": "2026-12-01T10:00:00Z"},
        {"kind": "job", "tags": ["taskStarted"], "task_id": "b", "@timestamp": "2026-12-01T10:00:00Z"},
        {"kind": "job", "tags": ["taskTerminated"], "task_id": "a", "@timestamp": "2026-12-01T10:00:02Z"},
    ])
    assert [e.get("task_id") for e in out] == ["a", "b", "a", "a"]
    match = out[3]
    assert match.tags == ["elapsed", "elapsed_match", "after_elapsed"]
    assert match.get("via") == "elapsed" and match.get("flagged") == "a" and match.get("elapsed_time") == 2.0
    [expired] = pipeline.flush()
    assert expired.get("task_id") == "b" and expired.tags == ["elapsed", "elapsed_expired_error", "after_elapsed"]
    assert expired.get("flagged") == "b" and expired.get("elapsed_time") == 5
    assert pipeline.flush() == []


def test_generated_and_steps_agree_on_elapsed():
    events = lambda: [  # noqa: E731
        {"kind": "job", "tags": [tag], "task_id": task, "@timestamp": f"2026-12-01T10:00:0{i}Z"}
        for i, (tag, task) in enumerate([("taskStarted", "a"), ("taskTerminated", "z"), ("taskStarted", "b"),
                                         ("taskTerminated", "a"), ("taskStarted", "a"), ("taskTerminated", "b")])
    ]
    runs = []
    for generate_code in (True, False):
        pipeline = Pipeline.from_config(CONFIG, generate_code=generate_code)
        out = pipeline.process(events()) + pipeline.flush()
        runs.append([{k: v for k, v in plain(e.to_dict()).items() if k != "@timestamp" or "elapsed" not in e.tags}
                     for e in out])
    assert runs[0] == runs[1]
    assert len(runs[0]) == 6 + 2 + 1  # the events, two match events, one expired start
