"""`porttrack-logs run -f` with an elasticsearch output on the real node, routed by the output
section's conditionals; a second run of the same files adds no document (ids from the files)."""

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from porttrack_logs.cli.defaults import DEFAULT_SAMPLES

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
input {{ file {{ path => "{samples}" mode => "read" file_completed_action => "log" sincedb_path => "/dev/null" }} }}
filter {{
  grok {{ match => {{ "message" => "^%{{TIMESTAMP_ISO8601:[@metadata][t]}}\\s+%{{LOGLEVEL:[log][level]}}\\s+%{{GREEDYDATA:message}}$" }} overwrite => ["message"] }}
  date {{ match => ["[@metadata][t]", "ISO8601"] }}
}}
output {{
  if [log][level] in ["ERROR", "FATAL"] {{
    elasticsearch {{ hosts => ["{es}"] index => "{prefix}alerts-%{{+yyyy.MM.dd}}" manage_template => false }}
  }} else {{
    file {{ path => "{out}" }}
  }}
}}
"""


def run(conf: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "porttrack_logs.cli", "run", "-f", str(conf), "--dead-letters", str(cwd / "dlq.ndjson")],
        cwd=cwd, env=env, capture_output=True, timeout=300,
    )


@pytest.mark.integration
def test_run_f_routes_alerts_to_elasticsearch_and_the_rest_to_a_file_exactly_once(tmp_path, es_url, es_client, es_index_prefix):
    """ERROR and FATAL events are indexed, every other event is in the file; together they are the
    sample logs, none twice. Run again: every alert is a duplicate (same ids), the index holds the same."""
    samples = [orjson.loads(line) for line in DEFAULT_SAMPLES.read_bytes().splitlines()]
    alerts = sum(1 for e in samples if e["message"].split()[1:2] in (["ERROR"], ["FATAL"]))
    out = tmp_path / "rest.ndjson"
    conf = tmp_path / "route.conf"
    conf.write_text(CONFIG.format(samples=DEFAULT_SAMPLES, es=es_url, prefix=es_index_prefix, out=out))

    first = run(conf, tmp_path)
    assert first.returncode == 0, first.stderr
    es_client.indices.refresh(index=f"{es_index_prefix}*")
    indexed = es_client.count(index=f"{es_index_prefix}*")["count"]
    in_file = len(out.read_bytes().splitlines())
    assert indexed == alerts > 0
    assert indexed + in_file == len(samples)
    err = first.stderr.decode()
    assert f"output elasticsearch@9:5: indexed {alerts}" in err

    second = run(conf, tmp_path)
    assert second.returncode == 0, second.stderr
    es_client.indices.refresh(index=f"{es_index_prefix}*")
    assert es_client.count(index=f"{es_index_prefix}*")["count"] == alerts
    assert f"output elasticsearch@9:5: duplicate {alerts}" in second.stderr.decode()
    hits = es_client.search(index=f"{es_index_prefix}*", size=alerts)["hits"]["hits"]
    assert all(h["_source"]["log"]["level"] in ("ERROR", "FATAL") for h in hits)
