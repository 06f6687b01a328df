"""The compiled tree: conditions compiled once and shared by generated code, steps and output routing."""

from __future__ import annotations

import porttrack_logs.pipeline.conditions as conditions
from porttrack_logs.event import Event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.compiler import CompiledIf, CompiledPlugin

CONFIG = """
filter { if [a] =~ /^x/ { mutate { add_tag => ["x"] } } }
output {
  if [level] == "ERROR" { stdout { } }
  else if "audit" in [tags] { file { path => "/tmp/audit.ndjson" } }
  stdout { }
}
"""


def test_each_condition_is_compiled_once_for_generated_code_and_steps(monkeypatch) -> None:
    """Building the pipeline, generating its code and running it step by step compiles the regex once."""
    calls = []
    real = conditions.ruby_regex
    monkeypatch.setattr(conditions, "ruby_regex", lambda *a, **k: calls.append(a) or real(*a, **k))
    pipeline = Pipeline.from_config(CONFIG)
    assert pipeline.source is not None and len(calls) == 1
    [event] = pipeline.steps[0].process([Event({"a": "xy"})])  # the steps reuse the same compiled test
    assert "x" in event.tags and len(calls) == 1


def route(nodes, event: Event) -> list[CompiledPlugin]:
    """Logstash's output routing over a compiled section: every plugin, each if's first true branch."""
    found = []
    for node in nodes:
        if isinstance(node, CompiledPlugin):
            found.append(node)
            continue
        branch = next((b for b in node.branches if b.condition is None or b.condition.test(event)), None)
        found.extend(route(branch.body, event) if branch else [])
    return found


def test_output_conditions_come_compiled_for_routing() -> None:
    """The output section's conditions are compiled with the rest: the runtime routes with them."""
    outputs = Pipeline.from_config(CONFIG).compiled.outputs
    assert isinstance(outputs[0], CompiledIf) and outputs[0].branches[0].condition is not None

    def names(fields: dict) -> list[str]:
        return [p.node.name for p in route(outputs, Event(fields))]

    assert names({"level": "ERROR", "tags": ["audit"]}) == ["stdout", "stdout"]
    assert names({"level": "INFO", "tags": ["audit"]}) == ["file", "stdout"]
    assert names({"level": "INFO"}) == ["stdout"]
