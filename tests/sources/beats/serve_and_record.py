"""A Beats server process for the kill -9 test: records every event it is handed, then settles it.

    python serve_and_record.py PORT RECORD_FILE

Each line of RECORD_FILE is `id n`, a batch's lines written in one write call (so a kill -9 never
leaves half a line) before the batch is settled DELIVERED, as a sink would index before
acknowledging. Prints "listening" once bound.
"""

from __future__ import annotations

import os
import sys

from porttrack_logs.acks import DELIVERED
from porttrack_logs.sinks.base import provenance
from porttrack_logs.sources.base import batches
from porttrack_logs.sources.beats import BeatsServer
from tests.sources._record_file import end_torn_line


def main() -> None:
    port, record = int(sys.argv[1]), sys.argv[2]
    server = BeatsServer(host="127.0.0.1", port=port, keepalive_interval=1.0)
    server.start()
    print("listening", flush=True)
    fd = os.open(record, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    end_torn_line(fd)
    try:
        for batch in batches(server):
            os.write(fd, "".join(f"{provenance(e)['id']} {e.get('n')}\n" for e in batch.events).encode("ascii"))
            batch.ack.settle(0, len(batch), DELIVERED)
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
