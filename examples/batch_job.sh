#!/usr/bin/env bash
# A batch job over the sample files: run examples/batch.conf (file input in read mode, PortTrack's rule,
# alerts and the rest into separate daily NDJSON files), then count what landed where.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out/examples
porttrack-logs run -f examples/batch.conf --dead-letters out/examples/dead_letter_queue
for file in out/examples/*.ndjson; do
    echo "$file: $(wc -l < "$file") events"
done
