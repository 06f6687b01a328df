"""Throwaway Elasticsearch nodes for fault tests: extra settings take effect, kill -9 and restart keep the data.

Each test starts its own node on free ports in tmp_path (never the shared ones), tied to this process.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from devservices.process import group_members
from devservices.service import port_open
from devservices.testing import throwaway_elasticsearch

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("major", [9, 8], ids=["es9", "es8"])
def test_killed_node_restarts_on_its_data_with_the_document(tmp_path, major):
    """Index with refresh, kill -9 the whole group, start again: same URL, same version, the document is there."""
    node = throwaway_elasticsearch(tmp_path, major=major).start()
    try:
        es = node.client()
        es.index(index="logs", id="evt-1", document={"message": "reefer 42 unplugged"}, refresh=True)
        url, launcher = node.url, node.service.process._popen
        killed = node.kill()
        after_kill = (launcher.returncode, group_members(killed[0]), port_open("127.0.0.1", node.ports[0]), node.running())

        node.start()
        es.indices.refresh(index="logs")
        found = (node.url, es.get(index="logs", id="evt-1")["_source"], es.count(index="logs")["count"])
        es.close()
    finally:
        node.stop()

    assert (len(killed), after_kill, found) == (2, (-9, [], False, False), (url, {"message": "reefer 42 unplugged"}, 1))


def _node_settings(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_nodes/_local/settings?flat_settings=true", timeout=10) as response:
        nodes = json.loads(response.read())["nodes"]
    return next(iter(nodes.values()))["settings"]


def test_extra_settings_reach_the_node_and_the_block_stops_it(tmp_path):
    """Tiny limits given as settings apply (an oversized request is a 413, an over-budget bulk a 429); leaving
    the `with` block stops the node."""
    from elasticsearch import ApiError

    tight = {
        "thread_pool.write.size": 1,
        "thread_pool.write.queue_size": 1,
        "indexing_pressure.memory.limit": "1kb",
        "http.max_content_length": "1mb",
    }
    with throwaway_elasticsearch(tmp_path, major=9, settings=tight) as node:
        applied = {k: v for k, v in _node_settings(node.url).items() if k in tight}
        es = node.client()
        statuses = []
        for size in (2 << 20, 8 << 10):  # a 2 MiB request, then an 8 KiB bulk (over the 1 KiB indexing budget)
            try:
                es.bulk(operations=[{"index": {"_index": "logs"}}, {"message": "x" * size}])
                statuses.append(200)
            except ApiError as exc:
                statuses.append(exc.status_code)
        es.close()
        pid = node.pid

    assert (applied, statuses, group_members(pid), node.running()) == (
        {"thread_pool.write.size": "1", "thread_pool.write.queue_size": "1", "indexing_pressure.memory.limit": "1kb", "http.max_content_length": "1mb"},
        [413, 429],
        [],
        False,
    )


def test_unknown_major_is_refused(tmp_path):
    """Only the two releases the tool carries can be asked for; the message names them."""
    with pytest.raises(ValueError, match=r"\[8, 9\]"):
        throwaway_elasticsearch(tmp_path, major=7)
