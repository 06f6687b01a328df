"""`porttrack-logs reprocess` into the real Elasticsearch: a generated archive (Docker and CRI files,
some gzipped, partial lines) on 2 processes, kill -9 of the whole process tree twice mid-run and
resumed: exactly one document per logical line, joined correctly; reprocessed again from scratch:
still one copy, every event a duplicate."""

import importlib.util
import os
import subprocess
from collections import Counter
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("reprocess_bench", ROOT / "benchmarks" / "reprocess_bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

FILES, LINES = 50, 30_000


def stored(text: str) -> str:
    """The message the pipeline leaves: the rest after the level when grok matched, else the line."""
    stamp, level, rest = text.split(" ", 2)
    return text if level == "NOTICE-ish" else rest


@pytest.mark.integration
def test_reprocess_killed_twice_and_resumed_indexes_each_logical_line_once(tmp_path, es_url, es_client, es_index_prefix):
    archive = tmp_path / "archive"
    messages = bench.make_archive(archive, FILES, LINES)
    assert len(messages) == LINES and len(set(messages)) == LINES
    total = bench.content_bytes(archive)
    index = f"{es_index_prefix}archive"
    conf = tmp_path / "reprocess.conf"
    conf.write_text(bench.CONFIG.format(es=es_url, index=index))
    state, log = tmp_path / "state", tmp_path / "reprocess.log"

    seen = []
    for share in (0.2, 0.55):
        proc = bench.start(bench.command(archive, conf, state, 2), log)
        assert bench.kill_when(proc, state, int(total * share)), log.read_text()
        done, complete = bench.recorded(state)
        seen.append(done)
        assert done < total and complete < FILES  # killed mid-run, the record whole (it loads)
    assert seen[0] < seen[1]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    final = subprocess.run(bench.command(archive, conf, state, 2), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert "resumed at byte" in final.stderr or "done before" in final.stderr
    record = orjson.loads((state / "offsets.json").read_bytes())["files"]
    assert len(record) == FILES and all(f["complete"] for f in record.values())

    es_client.indices.refresh(index=index)
    assert es_client.count(index=index)["count"] == LINES
    from elasticsearch.helpers import scan

    docs = [h["_source"]["message"] for h in scan(es_client, index=index, _source=["message"], size=5000)]
    assert Counter(docs) == Counter(stored(m) for m in messages)  # each line once, pieces joined

    again = subprocess.run(
        [*bench.command(archive, conf, tmp_path / "fresh-state", 2)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert again.returncode == 0, again.stderr
    es_client.indices.refresh(index=index)
    assert es_client.count(index=index)["count"] == LINES
    assert f"duplicate {LINES:,}" in again.stderr
    assert "parse failures: " in again.stderr and "NOTICE-ish" in again.stderr
    assert "failed at column" in again.stderr  # grok --explain's reason for the samples
