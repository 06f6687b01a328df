"""Deterministic PortTrack-style container logs, as Filebeat ships them from Kubernetes.

Used for the committed sample (`pipelines/samples/`) and, at larger sizes, by the benchmarks.
`python benchmarks/porttrack_corpus.py N > FILE` writes N Filebeat-shaped NDJSON events.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone

import orjson

SERVICES = {
    "berth-scheduler": [
        "Berth {berth} assigned to vessel {vessel} (IMO {imo}) ETA {eta}",
        "Berth {berth} released by vessel {vessel} after {hours}h alongside",
        "Tide window for berth {berth} recalculated: draft limit {draft}m",
        "Conflict on berth {berth}: vessel {vessel} overlaps next booking by {minutes} min",
    ],
    "vessel-tracker": [
        "AIS position vessel={vessel} lat={lat} lon={lon} sog={sog}kn",
        "Vessel {vessel} entered port limits, pilot boarding at {eta}",
        "AIS feed gap for vessel {vessel}: no report for {minutes} min",
        "Lost connection to AIS receiver rx-{rx}: timeout after {ms} ms",
    ],
    "cargo-manifest": [
        "Manifest {manifest} validated: {containers} containers, {teu} TEU",
        "Container {container} discharged from {vessel} to yard block {block}",
        "Customs hold on container {container}: declaration {manifest} incomplete",
        "Failed to persist manifest {manifest}: deadlock detected, retrying ({attempt}/3)",
    ],
    "crew-roster": [
        "Shift {shift} started with {crew} crew at gate {gate}",
        "Crane operator {person} clocked in on crane QC-{crane}",
        "Crew certificate for {person} expires in {days} days",
    ],
    "gate-api": [
        "GET /api/v1/gates/{gate}/queue 200 {ms}ms",
        "POST /api/v1/trucks/{truck}/checkin 201 {ms}ms",
        "POST /api/v1/trucks/{truck}/checkin 503 {ms}ms upstream cargo-manifest unavailable",
    ],
}
LEVELS = ["INFO"] * 30 + ["DEBUG"] * 8 + ["WARN"] * 5 + ["ERROR"] * 3 + ["FATAL", "TRACE"]
VESSELS = ["MAERSK-ELBA", "MSC-AURORA", "CMA-CGM-RHONE", "EVERGREEN-EVER-ACE", "HAPAG-BERLIN", "ONE-HARMONY"]


def _fields(rng: random.Random, now: datetime) -> dict[str, object]:
    return {
        "berth": f"B{rng.randint(1, 24):02d}",
        "vessel": rng.choice(VESSELS),
        "imo": rng.randint(9_000_000, 9_999_999),
        "eta": (now + timedelta(hours=rng.randint(1, 48))).strftime("%Y-%m-%dT%H:%MZ"),
        "hours": rng.randint(6, 72),
        "draft": round(rng.uniform(9.5, 16.5), 1),
        "minutes": rng.randint(2, 180),
        "lat": round(rng.uniform(36.0, 36.2), 5),
        "lon": round(rng.uniform(-5.5, -5.3), 5),
        "sog": round(rng.uniform(0, 14), 1),
        "rx": rng.randint(1, 4),
        "ms": rng.randint(3, 30000),
        "manifest": f"MNF-{rng.randint(100000, 999999)}",
        "containers": rng.randint(10, 4000),
        "teu": rng.randint(20, 8000),
        "container": f"{rng.choice(['MSKU', 'MSCU', 'CMAU', 'HLXU'])}{rng.randint(1000000, 9999999)}",
        "block": f"{rng.choice('ABCDEFGH')}{rng.randint(1, 40)}",
        "attempt": rng.randint(1, 3),
        "shift": rng.choice(["morning", "afternoon", "night"]),
        "crew": rng.randint(12, 90),
        "gate": rng.randint(1, 9),
        "person": f"EMP{rng.randint(1000, 9999)}",
        "crane": rng.randint(1, 14),
        "days": rng.randint(1, 90),
        "truck": f"TRK-{rng.randint(1000, 9999)}",
    }


def lines(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """n (service, raw log line) pairs; about 3% are stack-trace or unstructured lines."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc)
    out = []
    for _ in range(n):
        now += timedelta(milliseconds=rng.randint(1, 900))
        service = rng.choice(list(SERVICES))
        roll = rng.random()
        if roll < 0.02:
            out.append((service, f"\tat com.porttrack.{service.replace('-', '')}.Worker.run(Worker.java:{rng.randint(10, 400)})"))
            continue
        if roll < 0.03:
            out.append((service, "Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75"))
            continue
        level = rng.choice(LEVELS)
        message = rng.choice(SERVICES[service]).format(**_fields(rng, now))
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        out.append((service, f"{stamp} {level} {message}"))
    return out


def filebeat_event(service: str, line: str, i: int) -> dict[str, object]:
    """The event Filebeat's container input ships for one line of a Kubernetes pod."""
    pod = f"{service}-7d9f{i % 3}c5b6-x{i % 5}q"
    return {
        "@timestamp": "2026-11-27T06:00:00.000Z",
        "message": line,
        "stream": "stdout",
        "input": {"type": "container"},
        "log": {"file": {"path": f"/var/log/containers/{pod}_porttrack_{service}-0123.log"}, "offset": i * 160},
        "container": {"id": f"{i % 7:064x}", "image": {"name": f"registry.porttrack.io/{service}:1.4.2"}, "runtime": "containerd"},
        "kubernetes": {"namespace": "porttrack", "pod": {"name": pod}, "container": {"name": service}, "labels": {"app": service}},
        "host": {"name": f"k8s-node-{i % 3}"},
        "agent": {"type": "filebeat", "version": "8.15.0"},
        "ecs": {"version": "8.0.0"},
    }


def filebeat_ndjson(n: int, seed: int = 7) -> list[bytes]:
    return [orjson.dumps(filebeat_event(s, line, i)) for i, (s, line) in enumerate(lines(n, seed))]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sys.stdout.buffer.write(b"\n".join(filebeat_ndjson(count)) + b"\n")
