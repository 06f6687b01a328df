"""check_pipeline: the filter that wrote each rejected field, the index each document goes to, and the
events that never reach Elasticsearch."""

from __future__ import annotations

from pathlib import Path

from porttrack_logs.event import Event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.templates import Mappings, check_pipeline

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = Mappings.from_directory(ROOT / "index_templates")

CONFIG = """filter {
  mutate { add_field => { "[log][offset]" => "%{stream}" } }
  if [stream] == "stderr" {
    mutate { replace => { "[log][offset]" => "oops" } }
  }
  if [drop_me] { drop { } }
}
output { elasticsearch { index => "porttrack-logs-%{[kubernetes][namespace]}" } }
"""


def events(*docs):
    return [(f"sample {i}", Event(dict(d))) for i, d in enumerate(docs, 1)]


def test_the_finding_names_the_last_filter_that_wrote_the_field(tmp_path):
    """The offset written by the second mutate (line 4, in the conditional) is the rejected field, and the
    finding names that mutate's file:line:col and the example event."""
    config = tmp_path / "p.conf"
    config.write_text(CONFIG)
    report = check_pipeline(
        Pipeline.from_config(config),
        events({"stream": "stderr", "kubernetes": {"namespace": "a"}}, {"stream": "stdout", "log": {"offset": 5}}),
        MAPPINGS,
    )
    first, second = report.documents
    assert first.rejection.field == "log.offset" and first.writer == f"mutate at {config}:4:5"
    # add_field onto an existing long makes it an array [5, "stdout"]: "stdout" is no long
    assert second.rejection.field == "log.offset" and second.writer == f"mutate at {config}:2:3"
    [finding] = [f for f in report.findings if f.writer.endswith(":4:5")]
    assert finding.count == 1 and finding.example_place == "sample 1" and b'"oops"' in finding.example
    assert "log.offset" in finding.render(2) and f"{config}:4:5" in finding.render(2)


def test_a_field_no_filter_wrote_is_blamed_on_the_input_event():
    """A bad value that came in with the event names the input, not a filter."""
    report = check_pipeline(Pipeline.from_config("filter { }"), events({"host": "n1"}), MAPPINGS)
    assert report.documents[0].writer == "the input event (no filter wrote it)"


def test_documents_are_routed_by_the_outputs_index_and_unmatched_indices_are_reported(tmp_path):
    """The output's index option is rendered per event; an index no template matches is listed."""
    config = tmp_path / "p.conf"
    config.write_text(CONFIG)
    report = check_pipeline(Pipeline.from_config(config), events({"stream": "stdout", "kubernetes": {"namespace": "a"}}), MAPPINGS)
    assert report.documents[0].index == "porttrack-logs-a"
    other = check_pipeline(Pipeline.from_config(config), events({"kubernetes": {"namespace": "b"}}), MAPPINGS, index="elsewhere-%{[kubernetes][namespace]}")
    assert other.untemplated == {"elsewhere-b"}


def test_dropped_and_failed_events_are_counted_not_judged(tmp_path):
    """A dropped event never reaches Elasticsearch; neither does one a filter failed (it goes to the DLQ)."""
    config = tmp_path / "p.conf"
    config.write_text(CONFIG)
    report = check_pipeline(Pipeline.from_config(config), events({"drop_me": True}, {"stream": "stdout"}), MAPPINGS)
    assert report.dropped == 1 and len(report.documents) == 1 and report.events_in == 2


def test_an_index_name_elasticsearch_refuses_is_a_rejection_of_the_output(tmp_path):
    """An index rendered with upper case or a forbidden character is refused as a whole item: the
    finding names the output's index option."""
    config = tmp_path / "p.conf"
    config.write_text('filter { }\noutput { elasticsearch { index => "porttrack-logs-%{[ns]}" } }\n')
    report = check_pipeline(Pipeline.from_config(config), events({"ns": "Prod"}, {"ns": "a b"}, {"ns": "ok"}), MAPPINGS)
    first, second, third = report.documents
    assert first.rejection.field == "_index" and "lowercase" in first.rejection.reason
    assert second.rejection.field == "_index" and "' '" in second.rejection.reason
    assert third.rejection is None
    assert "porttrack-logs-%{[ns]}" in first.writer
