#!/usr/bin/env bash
# The grok debugger: captures as JSON for lines that match, and with --explain, why a line does not.
set -euo pipefail
pattern='%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}'
printf '%s\n' '2026-11-27T06:00:00Z WARN crane QC-1 slowing' | porttrack-logs grok "$pattern"
# a line that does not match: the reason on stdout, exit status 1 (so a script can tell)
printf '%s\n' '2026-11-27T06:00:00Z NOTICE-ish crane stalled' | porttrack-logs grok "$pattern" --explain \
    || echo "(exit status $?: a line did not match)"
