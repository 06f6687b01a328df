"""porttrack-logs as a library inside a service: compile the pipeline once at start-up, then hand it
batches of events (plain dicts) and read the results. No I/O, no threads: the service decides where
lines come from and where events go.

Run from the checkout: python examples/library_service.py
"""

from __future__ import annotations

from pathlib import Path

from porttrack_logs import Pipeline
from porttrack_logs.pipeline import BATCH_SIZE

ROOT = Path(__file__).resolve().parents[1]

# Once, at start-up: a bad configuration fails here, naming file:line:col.
pipeline = Pipeline.from_config(ROOT / "pipelines" / "porttrack.conf")


def handle(lines: list[str]) -> list[dict]:
    """What a service's handler would do with a batch of log lines: run them, keep the results as dicts."""
    events = pipeline.process([{"message": line} for line in lines])
    return [event.to_dict() for event in events]


if __name__ == "__main__":
    batch = [
        "2026-11-27T06:00:01.250Z ERROR Lost AIS receiver rx-2",
        "2026-11-27T06:00:02.000Z INFO Vessel MAERSK-ELBA moored at berth B07",
        "crane QC-3 telemetry gap",  # no timestamp: grok does not match, the event is tagged
    ]
    assert len(batch) <= BATCH_SIZE  # batches of about BATCH_SIZE (125) events run fastest
    for event in handle(batch):
        level = event.get("log", {}).get("level", "-")
        print(f"{event['@timestamp']}  {level:<5}  {','.join(event.get('tags', [])) or '-':<18}  {event['message']}")
