"""`Pipeline(ordered=...)`: Logstash's `pipeline.ordered`. Ordered keeps the batch's order;
unordered hands a batch on branch by branch at each conditional, as Logstash's several workers do."""

from __future__ import annotations

import pytest

from porttrack_logs.pipeline import Pipeline

PORTTRACK = """filter {
  grok { match => { "message" => "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}" } overwrite => ["message"] }
  if [level] == "ERROR" { mutate { add_tag => ["alert"] } }
}"""

LINES = ["2026-12-01T10:00:00Z INFO a", "2026-12-01T10:00:01Z ERROR b", "2026-12-01T10:00:02Z WARN c",
         "2026-12-01T10:00:03Z ERROR d"]


@pytest.mark.parametrize("generate_code", [True, False])
def test_ordered_by_default(generate_code: bool) -> None:
    out = Pipeline.from_config(PORTTRACK, generate_code=generate_code).process([{"message": m} for m in LINES])
    assert [e.get("message") for e in out] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("generate_code", [True, False])
def test_unordered_hands_on_the_if_branch_first(generate_code: bool) -> None:
    pipeline = Pipeline.from_config(PORTTRACK, generate_code=generate_code, ordered=False)
    out = pipeline.process([{"message": m} for m in LINES])
    assert [(e.get("message"), e.get("tags")) for e in out] == [
        ("b", ["alert"]), ("d", ["alert"]), ("a", None), ("c", None)]


NESTED = """filter {
  if [n] < 3 {
    if [n] == 1 { mutate { add_tag => ["one"] } } else { mutate { add_tag => ["low"] } }
  } else if [n] < 5 {
    mutate { add_tag => ["mid"] }
  }
  if "low" in [tags] { mutate { add_tag => ["seen"] } }
}"""


@pytest.mark.parametrize("generate_code", [True, False])
def test_unordered_partitions_compose(generate_code: bool) -> None:
    """First conditional: [n<3: [n==1], [else]] then [n<5], then the rest; the second conditional
    then moves the `low` ones to the front, keeping the order among them and among the others."""
    pipeline = Pipeline.from_config(NESTED, generate_code=generate_code, ordered=False)
    out = pipeline.process([{"n": n} for n in (5, 4, 2, 1, 0, 6, 3)])
    assert [e.get("n") for e in out] == [2, 0, 1, 4, 3, 5, 6]


@pytest.mark.parametrize("generate_code", [True, False])
def test_unordered_without_conditionals_keeps_order(generate_code: bool) -> None:
    text = 'filter { clone { clones => ["x"] } mutate { add_tag => ["t"] } }'
    out = Pipeline.from_config(text, generate_code=generate_code, ordered=False).process([{"n": 1}, {"n": 2}])
    assert [(e.get("n"), e.get("tags")) for e in out] == [(1, ["t"]), (1, ["x", "t"]), (2, ["t"]), (2, ["x", "t"])]
