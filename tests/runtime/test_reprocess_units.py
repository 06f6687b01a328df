"""The parts of `runtime.reprocess` a run is made of: files found, split by bytes, parse failures
sampled and explained as `grok --explain` explains them."""

import pytest

from porttrack_logs import Event
from porttrack_logs.errors import ConfigError
from porttrack_logs.grok import build_patterns, explain
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.runtime.reprocess import (
    _split, _Timed, _TimedPipeline, explain_samples, find_files, grok_fields,
)
from porttrack_logs.sinks.base import PROVENANCE

CONFIG = """
filter {
  grok { id => "line" match => { "message" => "^%{TIMESTAMP_ISO8601:t} %{LOGLEVEL:level} %{GREEDYDATA:rest}$" } }
}
"""


def test_files_are_found_in_name_order_once_and_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/2.log", "a/1.log.gz", "a/b/3.log", "a/skip.txt"):
        (tmp_path / name).write_bytes(b"x\n")
    found = find_files([f"{tmp_path}/a/*.log*", f"{tmp_path}/**/*.log"])
    assert found == [f"{tmp_path}/a/1.log.gz", f"{tmp_path}/a/2.log", f"{tmp_path}/a/b/3.log"]
    with pytest.raises(ConfigError, match="matches no file"):
        find_files([f"{tmp_path}/none/*.log"])


def test_files_are_split_across_workers_by_the_bytes_left():
    """Largest remaining first to the least loaded: every file once, loads within one file's size."""
    files = [(f"f{i}", 0, size) for i, size in enumerate([900, 100, 500, 400, 300, 300, 200, 100])]
    files.append(("resumed", 700, 800))  # 100 bytes left
    shares = _split(files, 3)
    assert sorted(f for share in shares for f in share) == sorted(files)
    loads = [sum(size - start for _, start, size in share) for share in shares]
    assert max(loads) - min(loads) <= 900
    assert _split(files[:2], 5) == [[files[0]], [files[1]]]  # never an empty share


def test_parse_failures_are_sampled_with_the_grok_fields_and_grouped_by_where_grok_stopped():
    pipeline = Pipeline.from_config(CONFIG)
    timed = _Timed()
    sampler = _TimedPipeline(pipeline, timed, grok_fields(pipeline))
    lines = [
        "2026-11-27T06:00:00Z INFO fine",
        "2026-11-27T06:00:00Z NOTICE-ish a",  # stops after the level
        "2026-11-27T06:00:01Z NOTICE-ish b",
        "27/11/2026 INFO c",  # stops at once
    ]
    events = []
    for i, line in enumerate(lines):
        event = Event({"message": line})
        event.metadata[PROVENANCE] = {"place": f"f@{i}"}
        events.append(event)
    sampler.process(events)
    assert sampler.failures == 3 and timed.filters > 0
    assert [s["values"]["message"] for s in sampler.samples] == lines[1:]
    groups = explain_samples(pipeline, sampler.samples, top=5)
    assert [n for n, _, _ in groups] == [2, 1]
    grok = pipeline.filters[0].groks[0][1][0]
    patterns = build_patterns("v8", {}, [], "*")
    count, reason, sample = groups[0]
    assert sample["place"] == "f@1"
    assert reason == f"grok line at <string>:3:3 on [message]: {explain(grok, lines[1], patterns)}"
    assert "failed at column" in reason


def test_the_default_offsets_record_is_one_per_job(tmp_path):
    """The same configuration, paths and destination: the same record (a restarted job resumes); a
    corrected pipeline or another destination: another (it reprocesses everything)."""
    from porttrack_logs.runtime.reprocess import ReprocessOptions, job_offsets

    conf = tmp_path / "p.conf"
    conf.write_text(CONFIG)
    options = ReprocessOptions(paths=["/archive/*.log"], config=str(conf), output="out.ndjson")
    same = job_offsets(options)
    assert job_offsets(ReprocessOptions(paths=["/archive/*.log"], config=str(conf), output="out.ndjson", processes=7)) == same
    assert job_offsets(options.model_copy(update={"output": "other.ndjson"})) != same
    conf.write_text(CONFIG.replace("GREEDYDATA", "DATA"))
    assert job_offsets(options) != same
    assert same.startswith("out/reprocess/job-") and same.endswith(".json")
