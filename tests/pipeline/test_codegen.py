"""The generated pipeline function gives exactly the events the step-by-step reference gives."""

import copy
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs import Event
from porttrack_logs.codec import decode_event
from porttrack_logs.filters.base import Filter
from porttrack_logs.pipeline import Pipeline, compiler
from porttrack_logs.pipeline.steps import FAILURE_TAG, failure_of

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "tests" / "data" / "configs").glob("*.conf")) + sorted((ROOT / "pipelines").glob("*.conf"))

EVENTS = [
    {"message": "2026-11-27T06:01:02.000Z ERROR crane QC-7 hydraulic pressure low"},
    {"message": "2026-11-27 06:01:02 INFO gate 4 open", "tags": ["beats_input"]},
    {"message": '{"level":"info","msg":"vessel moored","eta":"2026-11-27T08:00:00Z"}'},
    {"message": "Nov 27 06:01:02 k8s-node-1 sshd[4242]: Accepted publickey for ops", "type": "syslog"},
    {"message": '203.0.113.9 - ops [27/Nov/2026:06:01:02 +0000] "GET /api HTTP/1.1" 503 512 "-" "curl/8"',
     "fileset": {"name": "access"}},
    {"message": "Nov 27 06:01:02 fw01 src=10.0.0.5 dst=10.0.0.9 spt=51515 dpt=22 proto=tcp action=DROP"},
    {"message": ["2026-11-27T06:01:02Z WARN first", "second"], "service": "api", "http": {"status": 503}},
    {"message": 403, "level": "ERROR", "log": {"level": "DEBUG"}, "env": "prod"},
    {"message": "", "kubernetes": {"namespace": "porttrack"}, "event": {"original": "kept"}},
    {"message": None, "url": {"path": "/healthz"}},
    {"no_message": True},
]


def _run(pipeline: Pipeline, events: list) -> list:
    out = pipeline.process([Event(copy.deepcopy(e)) for e in events])
    return [(e.to_dict(), e.metadata, e.cancelled) for e in out]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_generated_equals_steps_on_every_config(path):
    """Every configuration of the corpus and pipelines/: same events out, same fields, same tags."""
    generated = Pipeline.from_config(path)
    reference = Pipeline.from_config(path, generate_code=False)
    events = [dict(e, **{"@timestamp": "2026-11-27T00:00:00Z"}) for e in EVENTS]
    assert _run(generated, events) == _run(reference, events)


@pytest.mark.parametrize("path", [ROOT / "pipelines" / "porttrack.conf"], ids=lambda p: p.name)
def test_generated_equals_steps_on_lazily_decoded_events(path):
    """With undecoded JSON values the two paths still agree, to the bytes they would write."""
    generated = Pipeline.from_config(path)
    reference = Pipeline.from_config(path, generate_code=False)
    raw = [orjson.dumps(dict(e, **{"@timestamp": "2026-11-27T00:00:00Z"})) for e in EVENTS]
    a = generated.process([decode_event(r) for r in raw])
    b = reference.process([decode_event(r) for r in raw])
    assert [e.to_dict() for e in a] == [e.to_dict() for e in b]


INLINED = """
filter {
  grok { match => { "message" => "^%{WORD:[log][level]} %{DATA:[@metadata][t]}\\|%{GREEDYDATA:rest}$" } add_tag => ["g", "g"] }
  date { match => ["[@metadata][t]", "ISO8601", "yyyy-MM-dd HH:mm:ss", "dd/MMM/yyyy"] tag_on_failure => ["_d1", "_d2", "_d1"] }
  mutate { uppercase => ["[log][level]"] lowercase => ["rest"] add_tag => ["a", "b", "a"] }
}
"""


@settings(max_examples=200, deadline=None)
@given(
    level=st.sampled_from(["info", "ERROR", "x"]),
    stamp=st.sampled_from(["2026-11-27T06:00:00.332Z", "2026-11-27 06:00:00", "27/Nov/2026", "2026-11-27T06:00:00.123456Z",
                           "2026-W48-5T06:00:00Z", "never", "2026-11-27T24:00:00Z"]),
    tags=st.sampled_from([None, [], ["a"], ["b", "g"], "a", "z", 7]),
    log=st.sampled_from([None, {}, {"level": "debug"}, {"level": ["warn", 3]}, "flat", {"file": {"path": "/x"}}]),
    lazy=st.booleans(),
)
def test_inlined_tags_dates_and_parents_agree_with_steps(level, stamp, tags, log, lazy):
    """Constant tags added inline (duplicates, a lone string, a non-list), dates tried pattern by
    pattern, and [log][level] written through its parent: the same as the reference, decoded or not."""
    doc = {"@timestamp": "2026-11-27T00:00:00Z", "message": f"{level} {stamp}|Rest Of Line"}
    for key, value in (("tags", tags), ("log", log)):
        if value is not None:
            doc[key] = value
    generated = Pipeline.from_config(INLINED)
    reference = Pipeline.from_config(INLINED, generate_code=False)
    if lazy:
        a, b = generated.process([decode_event(orjson.dumps(doc))]), reference.process([decode_event(orjson.dumps(doc))])
    else:
        a, b = generated.process([Event(copy.deepcopy(doc))]), reference.process([Event(copy.deepcopy(doc))])
    assert [(e.to_dict(), e.metadata) for e in a] == [(e.to_dict(), e.metadata) for e in b]


levels = st.sampled_from(["INFO", "ERROR", "error", "FATAL", "WARN", "NOTICE", "Crit", "", "???"])
stamps = st.sampled_from(["2026-11-27T06:00:00.332Z", "2026-11-27 06:00:00", "2026-11-27 06:00:00,5", "27/Nov/2026", ""])
texts = st.text(alphabet=st.sampled_from("ab =:\n-\t0"), max_size=12)


@settings(max_examples=150, deadline=None)
@given(stamp=stamps, level=levels, rest=texts, has_original=st.booleans(), tags=st.sampled_from([None, [], ["x"], "x"]))
def test_generated_equals_steps_for_porttrack_lines(stamp, level, rest, has_original, tags):
    """Random PortTrack-ish lines, with or without [event][original] and tags: the same event out."""
    event = {"message": f"{stamp} {level} {rest}", "@timestamp": "2026-11-27T00:00:00Z"}
    if has_original:
        event["event"] = {"original": "shipped"}
    if tags is not None:
        event["tags"] = tags
    path = ROOT / "pipelines" / "porttrack.conf"
    assert _run(Pipeline.from_config(path), [event]) == _run(Pipeline.from_config(path, generate_code=False), [event])


class Exploder(Filter):
    """A filter that raises on events whose `boom` field is set."""

    name = "explode"
    __slots__ = ()

    def apply(self, event):
        if event.get("boom"):
            raise RuntimeError("exploded on purpose")
        return True


@pytest.mark.parametrize("generate_code", [True, False])
def test_a_raising_filter_fails_only_its_event_in_both_paths(monkeypatch, generate_code):
    """The failing event is tagged with the reason naming the filter; the others run every filter."""
    original = compiler.filter_class
    monkeypatch.setattr(compiler, "filter_class", lambda name: Exploder if name == "explode" else original(name))
    text = 'filter { explode {} mutate { add_tag => ["after"] } if [n] == "2" { drop {} } }'
    pipeline = Pipeline.from_config(text, generate_code=generate_code)
    out = pipeline.process([{"n": "1"}, {"n": "x", "boom": True}, {"n": "2"}, {"n": "3"}])
    assert [e.get("n") for e in out] == ["1", "x", "3"]
    failed = out[1]
    assert FAILURE_TAG in failed.tags and "after" not in failed.tags
    assert "filter explode" in failure_of(failed) and "exploded on purpose" in failure_of(failed)
    assert out[0].tags == ["after"] and out[2].tags == ["after"]


def test_generated_source_is_kept_for_debugging():
    """The generated function's source is available on the pipeline."""
    pipeline = Pipeline.from_config('filter { if [a] == "b" { mutate { add_tag => ["t"] } } }')
    assert pipeline.source is not None and "def run(events):" in pipeline.source


# Pathological lines for a single-pattern grok (the shape the generated code writes out itself).
# (expression, pathological line, a normal line, the normal line's tags)
TIMEOUT_CASES = [
    ("^(?:%{PATH})+$", "/a" * 40 + '/a"', "/usr/local/bin", []),  # exponential: every split into paths
    ("%{DATA:a} %{DATA:b} %{DATA:c} %{DATA:d} %{DATA:e} end$", "x " * 3000 + "and", "a b c d e end", []),
]


@pytest.mark.parametrize("generate_code", [True, False])
@pytest.mark.parametrize("expression, line, normal, normal_tags", TIMEOUT_CASES)
def test_grok_timeout_in_a_pipeline_tags_only_groktimeout_and_goes_on(generate_code, expression, line, normal, normal_tags):
    """A pathological line is tagged _groktimeout (not _grokparsefailure); the next one matches."""
    text = (
        'filter { grok { match => { "message" => "' + expression.replace("\\", "\\\\") + '" } '
        'timeout_millis => 50 } }'
    )
    pipeline = Pipeline.from_config(text, generate_code=generate_code)
    bad, good = pipeline.process([{"message": line}, {"message": normal}])
    assert bad.tags == ["_groktimeout"]
    assert good.tags == normal_tags


def test_failure_inside_a_branch_names_the_filter_that_raised(monkeypatch):
    """In generated code the failing line names its statement, however deep the branch."""
    original = compiler.filter_class
    monkeypatch.setattr(compiler, "filter_class", lambda name: Exploder if name == "explode" else original(name))
    text = """filter {
  mutate { add_field => { "seen" => "yes" } }
  if [n] == "x" {
    if [boom] { explode { id => "deep" } }
  } else {
    mutate { add_tag => ["other"] }
  }
}"""
    [failed, other] = Pipeline.from_config(text).process([{"n": "x", "boom": True}, {"n": "y"}])
    assert failure_of(failed).startswith("filter explode (id deep) raised RuntimeError")
    assert failed.get("seen") == "yes" and other.tags == ["other"]


CONDITIONS = [
    "[a]", "![a]", "[a][b]", "![a][b]", "[@metadata][m]",
    '[a] == "x"', '[a] != "x"', '"x" == [a]', '[a][b] == "1"', "[a] == 1", "[a] == [c]",
    '[a] =~ /^x/', '[a] !~ /^x/', '[a][b] =~ "1"',
    '[a] in ["x", "1", "true"]', '[a] not in ["x", "1"]', '[a][b] in ["1", 2]',
    '"x" in [tags]', '"x" not in [tags]', '"x" in [a]', '[a] in [c]',
    '[a] and [c]', '[a] or ![c]', '([a] == "x" or [c]) and !([a][b] == "1")', "[a] > 1", "[a] < [c]",
]
VALUES = [None, "x", "1", "", "false", 1, 1.0, True, False, ["x"], [], {"b": "1"}, {"b": 1}, "xy"]


@settings(max_examples=400, deadline=None)
@given(
    condition=st.sampled_from(CONDITIONS),
    a=st.sampled_from(VALUES),
    c=st.sampled_from(VALUES),
    tags=st.sampled_from([None, ["x"], ["y"], "x"]),
    meta=st.sampled_from([None, "", "v"]),
)
def test_generated_conditions_agree_with_compiled_ones(condition, a, c, tags, meta):
    """Every shape of condition the generator writes as an expression decides as the closure does."""
    text = f'filter {{ if {condition} {{ mutate {{ add_tag => ["yes"] }} }} else {{ mutate {{ add_tag => ["no"] }} }} }}'
    event = {"@timestamp": "2026-11-27T00:00:00Z"}
    for key, value in (("a", a), ("c", c), ("tags", tags)):
        if value is not None:
            event[key] = copy.deepcopy(value)
    if meta is not None:
        event["@metadata"] = {"m": meta}
    generated = Pipeline.from_config(text).process([Event(copy.deepcopy(event))])
    reference = Pipeline.from_config(text, generate_code=False).process([Event(copy.deepcopy(event))])
    assert [e.tags for e in generated] == [e.tags for e in reference]


def test_the_writer_alone_names_the_generated_locals():
    """Filters and conditions write through the CodeWriter: renaming its locals changes no event."""
    from porttrack_logs.pipeline.codegen import SourceWriter, generate

    class Renamed(SourceWriter):
        event, fields, meta, ok = "the_event", "the_fields", "the_meta", "the_outcome"

    pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")
    run, source = generate(pipeline.compiled.filters, Renamed())
    assert "the_outcome" in source and not any(f" {name} " in source for name in ("ev", "d", "m", "_ok"))
    lines = [
        '{"@timestamp":"2026-11-27T06:00:01.000Z","message":"2026-11-27T06:00:01Z ERROR crane QC-7 down"}',
        '{"@timestamp":"2026-11-27T06:00:02.000Z","message":"no level here","tags":["x"]}',
    ]
    renamed = [decode_event(line) for line in lines]
    run(renamed)
    expected = pipeline.process([decode_event(line) for line in lines])
    assert [e.to_dict() for e in renamed if not e.cancelled] == [e.to_dict() for e in expected]
