"""The corpus of real-world-style configurations loads, compiles and runs on typical lines."""

from pathlib import Path

import pytest

from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.steps import FAILURE_TAG

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "configs"

#: per configuration: an input event and field values the pipeline must produce from it
CASES = {
    "01_beats_nginx_access.conf": (
        {
            "fileset": {"name": "access"},
            "message": '203.0.113.9 - ops [27/Nov/2026:06:01:02 +0000] "GET /api/v1/berths HTTP/1.1" 503 512 "-" "curl/8.5.0"',
        },
        {"[source][address]": "203.0.113.9", "[http][request][method]": "GET"},
    ),
    "03_file_syslog.conf": (
        {"type": "syslog", "message": "Nov 27 06:01:02 k8s-node-1 sshd[4242]: Accepted publickey for ops"},
        {"syslog_program": "sshd", "syslog_hostname": "k8s-node-1"},
    ),
    "05_kv_firewall.conf": (
        {"message": "Nov 27 06:01:02 fw01 src=10.0.0.5 dst=10.0.0.9 spt=51515 dpt=22 proto=tcp action=DROP"},
        {"[fw][dpt]": 22, "[fw][proto]": "TCP"},
    ),
    "10_java_app_logs.conf": (
        {
            "message": "2026-11-27 06:01:02.345  ERROR 4242 --- [  berth-pool-1] com.porttrack.berth.Scheduler  : Berth B04 conflict"
        },
        {"level": "ERROR", "thread": "berth-pool-1"},
    ),
}


def configs() -> list[Path]:
    return sorted(CONFIGS.glob("*.conf"))


def test_corpus_is_present():
    """The corpus holds a dozen configurations."""
    assert len(configs()) >= 12


@pytest.mark.parametrize("path", configs(), ids=lambda p: p.name)
def test_configuration_compiles_and_runs_without_filter_errors(path):
    """Each configuration compiles and its filters run on a mixed batch without raising."""
    pipeline = Pipeline.from_config(path)
    batch = [
        {"message": "2026-11-27T06:01:02.000Z ERROR crane QC-7 hydraulic pressure low"},
        {"message": '{"level":"info","msg":"vessel moored","eta":"2026-11-27T08:00:00Z"}'},
        {"message": "not a structured line at all"},
        {"message": ""},
    ]
    if path.name in CASES:
        batch.append(dict(CASES[path.name][0]))
    out = pipeline.process(batch)
    assert all(FAILURE_TAG not in e.tags for e in out), [e.to_dict() for e in out if FAILURE_TAG in e.tags]


@pytest.mark.parametrize("name", sorted(CASES))
def test_configuration_extracts_expected_fields(name):
    """Typical lines for each configuration come out with the fields it is written to extract."""
    event_in, expected = CASES[name]
    [event] = Pipeline.from_config(CONFIGS / name).process([dict(event_in)])
    for ref, value in expected.items():
        assert event.get(ref) == value, (ref, event.to_dict())
