"""Capture the real `_bulk` answers the unit tests read (tests/data/es_responses/), from real nodes.

Run by hand when the sink's `filter_path` or the Elasticsearch versions change:

    python tests/sinks/elasticsearch/capture_responses.py ES9_URL [ES8_URL]

Each answer is asked for with the sink's own `BULK_PARAMS`, so the files are exactly what the sink reads.
The 429 and 413 answers come from a throwaway node (tiny write queue, 1mb max content length).
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

import orjson

from porttrack_logs.sinks.elasticsearch.client import Connection, RequestFailed, connect
from porttrack_logs.sinks.elasticsearch.sink import BULK_PARAMS

OUT = Path(__file__).resolve().parents[2] / "data" / "es_responses"


def ndjson(*lines: dict) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def save(name: str, body: object) -> None:
    (OUT / name).write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
    print("wrote", name)


def mixed(conn: Connection, prefix: str, tag: str) -> None:
    """201, 409 (a create of an id already there), 400 (a mapping conflict), 404 (require_alias), 201."""
    index = prefix + "mixed"
    conn.request("PUT", f"/{index}", body={"mappings": {"properties": {"n": {"type": "long"}}}})
    conn.bulk(ndjson({"create": {"_index": index, "_id": "taken"}}, {"n": 1}), params={"refresh": "true"})
    body = ndjson(
        {"create": {"_index": index, "_id": "a"}}, {"n": 2},
        {"create": {"_index": index, "_id": "taken"}}, {"n": 3},
        {"create": {"_index": index, "_id": "b"}}, {"n": "not a number"},
        {"create": {"_index": prefix + "no-such-alias", "_id": "c", "require_alias": True}}, {"n": 4},
        {"index": {"_index": index, "_id": "d"}}, {"n": 5},
        {"create": {"_index": index, "_id": "e"}}, {"n": {"an": "object"}},
    )
    save(f"mixed_{tag}.json", conn.bulk(body, params=BULK_PARAMS))
    body = ndjson(*[x for i in range(3) for x in ({"create": {"_index": index, "_id": f"ok{i}"}}, {"n": i})])
    save(f"all_created_{tag}.json", conn.bulk(body, params=BULK_PARAMS))


def unavailable(conn: Connection, prefix: str, tag: str) -> None:
    """Item-level 503: the index's only shard cannot be allocated (allocation filter), the bulk times out at 1s."""
    index = prefix + "unassigned"
    conn.request(
        "PUT", f"/{index}", params={"wait_for_active_shards": "0"},
        body={"settings": {"number_of_replicas": 0, "index.routing.allocation.require._name": "nowhere"}},
    )
    body = ndjson({"create": {"_index": index, "_id": "x"}}, {"n": 1}, {"create": {"_index": index, "_id": "y"}}, {"n": 2})
    save(f"item_503_{tag}.json", conn.bulk(body, params={**BULK_PARAMS, "timeout": "1s"}))


def tiny_node(tag: str) -> None:  # noqa: C901
    """A throwaway node: write pool of 1 thread, queue of 1 (real 429s), http.max_content_length 1mb (real 413)."""
    from devservices.testing import throwaway_elasticsearch

    settings = {"thread_pool.write.size": 1, "thread_pool.write.queue_size": 1, "http.max_content_length": "1mb"}
    with tempfile.TemporaryDirectory() as directory, throwaway_elasticsearch(Path(directory), major=int(tag[-1]), settings=settings) as node:
        conn = connect(node.url, request_timeout=60)
        conn.request("PUT", "/tiny", body={"settings": {"number_of_shards": 3, "number_of_replicas": 0}})
        answers: list[dict] = []
        whole: list[dict] = []

        def hammer(worker: int) -> None:
            for round_ in range(30):
                lines = []
                for i in range(12):
                    lines += [{"create": {"_index": "tiny", "_id": f"{worker}-{round_}-{i}"}}, {"m": "x" * 200}]
                try:
                    answers.append(conn.bulk(ndjson(*lines), params=BULK_PARAMS))
                except RequestFailed as exc:  # the whole request refused (the coordinating bulk, not a shard)
                    whole.append({"status": exc.status, "error_type": exc.error_type, "reason": exc.reason})

        threads = [threading.Thread(target=hammer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        refused = [a for a in answers if a.get("errors")]
        print(f"{len(refused)} of {len(answers)} answers had errors; {len(whole)} requests refused whole")
        if whole:
            save(f"request_429_{tag}.json", whole[0])
        def statuses(answer: dict) -> set:
            return {next(iter(item.values()))["status"] for item in answer["items"]}

        partly = [a for a in refused if statuses(a) == {201, 429}]
        if partly or refused:
            save(f"item_429_{tag}.json", (partly or refused)[0])
        try:
            conn.bulk(ndjson({"create": {"_index": "tiny", "_id": "big"}}, {"m": "x" * 1_200_000}), params=BULK_PARAMS)
        except RequestFailed as exc:
            save(f"request_413_{tag}.json", {"status": exc.status, "error_type": exc.error_type, "reason": exc.reason})
        print("max_content_length read from the node:", conn.max_content_length())
        conn.close()


def main(es9: str, es8: str | None = None) -> None:
    import uuid

    OUT.mkdir(parents=True, exist_ok=True)
    for url, tag in ((es9, "es9"), (es8, "es8")):
        if url is None:
            continue
        conn = connect(url, request_timeout=60)
        prefix = f"pt-capture-{uuid.uuid4().hex[:8]}-"
        try:
            mixed(conn, prefix, tag)
            unavailable(conn, prefix, tag)
        finally:
            conn.request("DELETE", f"/{prefix}*")
            conn.close()
    tiny_node("es9")
    if es8 is not None:
        tiny_node("es8")


if __name__ == "__main__":
    main(*sys.argv[1:])
