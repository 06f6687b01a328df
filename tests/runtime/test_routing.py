"""Output routing by the output section's plugins and conditionals, as Logstash routes."""

from porttrack_logs import Event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.routing import compile_routes

CONFIG = """
filter { }
output {
  file { id => "all" path => "/tmp/all" }
  if [level] == "ERROR" {
    file { id => "errors" path => "/tmp/errors" }
  } else if [level] in ["WARN", "INFO"] {
    file { id => "notable" path => "/tmp/notable" }
    if "audit" in [tags] { file { id => "audit" path => "/tmp/audit" } }
  } else {
    file { id => "rest" path => "/tmp/rest" }
  }
}
"""


def router():
    compiled = Pipeline.from_config(CONFIG).compiled
    return compile_routes(compiled.outputs, lambda plugin: plugin.instance.id)


def routed(events):
    r = router()
    buckets, failed = r.route(events)
    assert failed == []
    return {name: [e.get("n") for e in bucket] for name, bucket in zip(r.outputs, buckets)}


def test_outputs_are_built_in_source_order():
    """Every output plugin is built once, in the order the section names them."""
    assert router().outputs == ("all", "errors", "notable", "audit", "rest")


def test_each_event_goes_to_every_plugin_at_its_level_and_the_first_branch_that_holds():
    """`all` gets everything; the if / else if / else picks one branch; a nested if inside a branch."""
    events = [
        Event({"n": 1, "level": "ERROR"}),
        Event({"n": 2, "level": "WARN", "tags": ["audit"]}),
        Event({"n": 3, "level": "INFO"}),
        Event({"n": 4, "level": "DEBUG"}),
        Event({"n": 5}),
    ]
    assert routed(events) == {
        "all": [1, 2, 3, 4, 5],
        "errors": [1],
        "notable": [2, 3],
        "audit": [2],
        "rest": [4, 5],
    }


def test_a_section_without_conditionals_sends_every_event_everywhere():
    """Two plain outputs both get the whole batch, in order."""
    compiled = Pipeline.from_config('output { stdout { id => "a" } stdout { id => "b" } }').compiled
    r = compile_routes(compiled.outputs, lambda plugin: plugin.instance.id)
    events = [Event({"n": i}) for i in range(3)]
    buckets, failed = r.route(events)
    assert [[e.get("n") for e in b] for b in buckets] == [[0, 1, 2], [0, 1, 2]] and failed == []


def test_a_condition_that_raises_fails_that_event_only():
    """An event whose routing raises is returned as failed with the reason and sent nowhere,
    not even to the outputs an earlier plugin at its level named; the others route."""
    from porttrack_logs.runtime.routing import Router

    def condition(event):
        if event.get("n") == 2:
            raise RuntimeError("cannot compare")
        return True

    r = Router(["first", "guarded"], (0, ((condition, (1,)),)))
    events = [Event({"n": 1}), Event({"n": 2}), Event({"n": 3})]
    buckets, failed = r.route(events)
    assert [[e.get("n") for e in b] for b in buckets] == [[1, 3], [1, 3]]
    [(event, reason)] = failed
    assert event is events[1] and "RuntimeError: cannot compare" in reason
