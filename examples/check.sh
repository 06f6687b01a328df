#!/usr/bin/env bash
# `check`: validate a pipeline as Logstash's --config.test_and_exit would, plus the warnings Logstash
# does not give; then predict, offline, which documents the index templates would reject.
set -euo pipefail
cd "$(dirname "$0")/.."
porttrack-logs check -f pipelines/porttrack-seed.conf       # the plan's rule: OK, with a warning about [message]
porttrack-logs check -f pipelines/porttrack.conf --strict   # PortTrack's rule: no warnings
porttrack-logs check -f pipelines/porttrack.conf --template index_templates --sample pipelines/samples/porttrack-containers.ndjson
