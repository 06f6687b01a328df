"""A Kafka consumer process for the kill -9 tests (and, later, the sidecar's): records every event, then settles it.

    python consume_and_record.py BOOTSTRAP TOPIC GROUP BACKEND RECORD_FILE [key=value ...]

Each line of RECORD_FILE is `id place`, written and fsynced before the batch is settled DELIVERED,
as a sink indexes before acknowledging. Extra `key=value` arguments are `kafka` input options
(`auto_offset_reset=earliest` is the default here), except `pause_ms=N`: a pause after each batch,
so a consumer that reads a prefetched topic faster than a test can look is still killed mid-stream. Prints "started" once subscribed, then
"assigned N" whenever its assignment changes. Ends on SIGTERM (committing what is settled).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from porttrack_logs.acks import DELIVERED
from porttrack_logs.sinks.base import id_of, place_of, provenance
from porttrack_logs.sources.base import SourceContext
from porttrack_logs.sources.kafka import KafkaInput
from tests.sources._record_file import end_torn_line


def main() -> None:
    bootstrap, topic, group, backend, record = sys.argv[1:6]
    options: dict[str, object] = {"auto_offset_reset": "earliest", "auto_commit_interval_ms": 200}
    for pair in sys.argv[6:]:
        key, _, value = pair.partition("=")
        options[key] = value
    pause = float(options.pop("pause_ms", 0)) / 1000
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = KafkaInput(bootstrap_servers=bootstrap, topics=[topic], group_id=group, backend=backend, **options)
    source = settings.build(SourceContext(plugin_id="kafka@test"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    source.start()
    print("started", flush=True)
    seen: list[tuple[str, int]] = []
    fd = os.open(record, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    end_torn_line(fd)
    try:
        while not stop.is_set():
            now = source.assignment()
            if now != seen:
                seen = now
                print(f"assigned {len(now)}", flush=True)
            batch = source.poll(0.2)
            if batch is None:
                continue
            lines = "".join(f"{id_of(provenance(e))} {place_of(provenance(e))}\n" for e in batch.events)
            os.write(fd, lines.encode("ascii"))
            os.fsync(fd)
            batch.ack.settle(0, len(batch), DELIVERED)
            if pause:
                stop.wait(pause)
    finally:
        source.close()
        os.close(fd)


if __name__ == "__main__":
    main()
