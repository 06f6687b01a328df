"""A Beats server process for the kill -9 test: records every event it is handed, then settles it.

    python serve_and_record.py PORT RECORD_FILE

Each line of RECORD_FILE is `id n`, written (and flushed to the kernel) before the batch is settled
DELIVERED, as a sink would index before acknowledging. Prints "listening" once bound.
"""

from __future__ import annotations

import sys

from porttrack_logs.acks import DELIVERED
from porttrack_logs.sinks.base import provenance
from porttrack_logs.sources.base import batches
from porttrack_logs.sources.beats import BeatsServer


def main() -> None:
    port, record = int(sys.argv[1]), sys.argv[2]
    server = BeatsServer(host="127.0.0.1", port=port, keepalive_interval=1.0)
    server.start()
    print("listening", flush=True)
    with open(record, "a", encoding="ascii") as out:
        for batch in batches(server):
            out.write("".join(f"{provenance(e)['id']} {e.get('n')}\n" for e in batch.events))
            out.flush()
            batch.ack.settle(0, len(batch), DELIVERED)


if __name__ == "__main__":
    main()
