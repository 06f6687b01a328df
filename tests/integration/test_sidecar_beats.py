"""`porttrack-logs run -f` with a beats input, as a process: Filebeat's client library (go-lumber,
tests/sources/beats/golumber) sends into it, the real Elasticsearch holds each event once, the client
is acknowledged only for what was indexed; two workers share the port (SO_REUSEPORT)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .test_sidecar_kafka import SidecarProcess, count, free_port, http_get, metric, wait_for

pytestmark = pytest.mark.integration


def send(golumber: Path, port: int, **options: object) -> dict:
    """Run the client to the end; its JSON summary with its exit code."""
    args = [str(golumber), "-addr", f"127.0.0.1:{port}", *(f"-{k}={v}" for k, v in options.items())]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    summary = json.loads(lines[-1]) if lines else {}
    summary["returncode"] = done.returncode
    summary["stderr"] = done.stderr
    return summary


BEATS_CONF = """
input {{ beats {{ host => "127.0.0.1" port => {port} }} }}
output {{ elasticsearch {{ hosts => ["{es}"] index => "{index}" manage_template => false }} }}
"""


def test_beats_into_elasticsearch_each_event_once_and_acknowledged_after_indexing(tmp_path, golumber, es_url, es_client, es_index_prefix):
    """go-lumber sends N events over 3 pipelined connections: every one acknowledged, the index
    holds N documents, /metrics counts the connections and windows; SIGTERM exits 0."""
    port, http_port = free_port(), free_port()
    index = f"{es_index_prefix}beats"
    conf = tmp_path / "b.conf"
    conf.write_text(BEATS_CONF.format(port=port, es=es_url, index=index))
    sidecar = SidecarProcess(conf, tmp_path, "--http-port", str(http_port))
    try:
        wait_for(lambda: http_get(http_port, "/readyz")[0] == 200, what="the sidecar ready")
        n = 3000
        summary = send(golumber, port, n=n, conns=3, window=200, pipelining=2, compress=3)
        assert summary["returncode"] == 0 and summary["acked"] == n, summary
        assert count(es_client, index) == n  # acknowledged means indexed: all there when the client ends
        text = wait_for(lambda: (lambda t: t if metric(t, "porttrack_events_out_total") == n else None)(http_get(http_port, "/metrics")[1]),
                        what="the metrics")
        assert metric(text, "porttrack_beats_connections_total") == 3
        assert 3 <= metric(text, "porttrack_beats_windows_total") <= n  # go-lumber sizes its windows itself
        assert metric(text, "porttrack_events_out_total", outcome="indexed") == n
        assert metric(text, "porttrack_events_in_total") == n
        assert sidecar.stop() == 0, sidecar.output()
    finally:
        sidecar.kill()
    assert count(es_client, index) == n
    assert sidecar.logged("drained and closed")["fields"]["read"] == n


def test_two_workers_share_the_beats_port_and_each_event_is_indexed_once(tmp_path, golumber, es_url, es_client, es_index_prefix):
    """--workers 2 with a beats input: both children bind the port (SO_REUSEPORT), the kernel spreads
    the client's connections, every event is acknowledged and indexed once; the parent exits 0."""
    port = free_port()
    index = f"{es_index_prefix}beatsw"
    conf = tmp_path / "b.conf"
    conf.write_text(BEATS_CONF.format(port=port, es=es_url, index=index))
    parent = SidecarProcess(conf, tmp_path, "--workers", "2")
    try:
        wait_for(lambda: len([r for r in parent.records if "running:" in r["message"]]) == 2, what="both workers running")
        n = 4000
        summary = send(golumber, port, n=n, conns=8, window=250, pipelining=2, compress=3)
        assert summary["returncode"] == 0 and summary["acked"] == n, summary
        assert count(es_client, index) == n
        assert parent.stop() == 0, parent.output()
    finally:
        parent.kill()
    finals = [r for r in parent.records if "drained and closed" in r["message"]]
    assert len(finals) == 2 and sum(r["fields"]["read"] for r in finals) == n
    assert count(es_client, index) == n


def test_a_supervisor_killed_with_sigkill_leaves_no_worker_behind(tmp_path, es_url, es_index_prefix):
    """kill -9 of the parent: each worker gets SIGTERM from the kernel (it runs in a session of its
    own, so nothing else would tell it), drains and exits."""
    import signal
    import time

    conf = tmp_path / "b.conf"
    conf.write_text(BEATS_CONF.format(port=free_port(), es=es_url, index=f"{es_index_prefix}orphans"))
    parent = SidecarProcess(conf, tmp_path, "--workers", "2")
    try:
        wait_for(lambda: len([r for r in parent.records if "running:" in r["message"]]) == 2, what="both workers running")
        pids = [r["fields"]["pid"] for r in parent.records if r["message"].startswith("worker ") and "started" in r["message"]]
        assert len(pids) == 2
        parent.process.send_signal(signal.SIGKILL)
        parent.wait(30)

        def gone(pid: int) -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            return state == "Z"  # exited, waiting for init to reap it

        wait_for(lambda: all(gone(pid) for pid in pids), timeout=60, what="the workers to exit")
        time.sleep(0.1)
    finally:
        parent.kill()
    finals = [r for r in parent.records if "drained and closed" in r["message"]]
    assert len(finals) == 2  # each drained on its own (their stderr is the same pipe)


@pytest.mark.parametrize(("ecs", "field"), [("v8", "[@metadata][input][beats][host][ip]"), ("disabled", "[@metadata][ip_address]")])
def test_enrich_source_metadata_puts_the_client_address_in_metadata(tmp_path, golumber, ecs, field):
    """enrich => source_metadata (part of the default `all`): the client's address in @metadata, at
    the ECS place or the legacy one; the events reach a file output and the client is acknowledged."""
    port = free_port()
    out = tmp_path / "events.ndjson"
    conf = tmp_path / "b.conf"
    conf.write_text(
        f'input {{ beats {{ host => "127.0.0.1" port => {port} enrich => "source_metadata" ecs_compatibility => "{ecs}" }} }}\n'
        f'filter {{ mutate {{ copy => {{ "{field}" => "peer" }} }} }}\n'
        f'output {{ file {{ path => "{out}" }} }}\n'
    )
    sidecar = SidecarProcess(conf, tmp_path)
    try:
        wait_for(lambda: sidecar.logged("running:"), what="the sidecar running")
        summary = send(golumber, port, n=20, conns=1, window=10)
        assert summary["returncode"] == 0 and summary["acked"] == 20, summary
        assert sidecar.stop() == 0, sidecar.output()
    finally:
        sidecar.kill()
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) == 20 and {e["peer"] for e in events} == {"127.0.0.1"}
