"""The baseline of benchmarks/sidecar_bench.py: a Kafka-to-Elasticsearch consumer written the obvious way.

    python benchmarks/_baseline_consumer.py BOOTSTRAP TOPIC EVENTS es URL INDEX
    python benchmarks/_baseline_consumer.py BOOTSTRAP TOPIC EVENTS bytes

kafka-python's KafkaConsumer (a new group, from the earliest offset, auto commit), `json.loads` per
value, pygrok with PortTrack's pattern and the ERROR -> alert tag, and `elasticsearch.helpers.bulk` per
1000 documents (`create` actions, ids `topic-partition-offset`); with `bytes` the same actions are
serialized as `helpers.bulk` serializes them (the client's JSON serializer, action line and source
line) and the body thrown away, so that no server is in the timing. Prints one JSON line: events,
seconds and CPU seconds (getrusage of this process, all threads) from the first record to the last,
and its peak RSS.
pygrok is a benchmark dependency only.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import uuid

from kafka import KafkaConsumer
from pygrok import Grok

PATTERN = "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    bootstrap, topic, events, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if mode == "es":
        from elasticsearch import Elasticsearch, helpers

        url, index = sys.argv[5], sys.argv[6]
        client = Elasticsearch(url, request_timeout=120)

        def flush(actions: list[dict]) -> None:
            helpers.bulk(client, actions, chunk_size=1000)

    else:
        from elasticsearch.serializer import JsonSerializer

        index = "porttrack-logs-baseline"
        dumps = JsonSerializer().dumps

        def flush(actions: list[dict]) -> None:
            lines = []
            for action in actions:
                source = action.pop("_source")
                op = action.pop("_op_type")
                lines.append(dumps({op: action}))
                lines.append(dumps(source))
            body = b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n"
            assert body

    grok = Grok(PATTERN)
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"baseline-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest",
    )
    actions: list[dict] = []
    done = 0
    started = cpu_started = 0.0
    for record in consumer:
        if done == 0:
            started, cpu_started = time.perf_counter(), cpu()
        doc = json.loads(record.value)
        fields = grok.match(doc.get("message", ""))
        if fields:
            doc.update(fields)
            if fields["level"] == "ERROR":
                doc.setdefault("tags", []).append("alert")
        else:
            doc.setdefault("tags", []).append("_grokparsefailure")
        actions.append({"_op_type": "create", "_index": index, "_id": f"{record.topic}-{record.partition}-{record.offset}", "_source": doc})
        done += 1
        if len(actions) >= 1000 or done == events:
            flush(actions)
            actions = []
        if done == events:
            break
    seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
    consumer.close()
    print(json.dumps({"events": done, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


if __name__ == "__main__":
    main()
