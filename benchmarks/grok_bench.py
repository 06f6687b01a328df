"""Grok throughput: porttrack_logs.grok vs pygrok, same patterns, same lines, same run.

    python benchmarks/grok_bench.py [--rounds 5] [--lines 20000]

Prints lines/s on one core for each (pattern, matching|non-matching) row and the ratio to pygrok
measured in the same run; ratios, not absolute numbers, are what to compare across machines.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # measure this checkout, whatever is installed

from _timing import interleaved, table  # noqa: E402
from porttrack_corpus import lines as porttrack_lines  # noqa: E402

from porttrack_logs import Event  # noqa: E402
from porttrack_logs.filters.grok import GrokFilter  # noqa: E402
from porttrack_logs.grok import Grok  # noqa: E402

PORTTRACK = "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}"


def apache_lines(n: int, rng: random.Random) -> list[str]:
    paths = ["/api/v1/berths", "/api/v1/vessels/9637720", "/static/app.js", "/login?next=%2Fdashboard"]
    agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Prometheus/2.53.0"]
    out = []
    for _ in range(n):
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        out.append(
            f'{ip} - - [27/Nov/2026:06:{rng.randint(10, 59)}:{rng.randint(10, 59)} +0000] '
            f'"{rng.choice(["GET", "POST"])} {rng.choice(paths)} HTTP/1.1" {rng.choice([200, 201, 304, 404, 503])} '
            f'{rng.randint(0, 90000)} "https://porttrack.example/" "{rng.choice(agents)}"'
        )
    return out


def syslog_lines(n: int, rng: random.Random) -> list[str]:
    progs = ["sshd", "kubelet", "containerd", "CRON"]
    return [
        f"Nov 27 06:{rng.randint(10, 59)}:{rng.randint(10, 59)} k8s-node-{rng.randint(0, 3)} "
        f"{rng.choice(progs)}[{rng.randint(100, 65000)}]: Started session {rng.randint(1, 9999)} of user port-ops."
        for _ in range(n)
    ]


def non_matching(n: int, rng: random.Random) -> list[str]:
    words = ["vessel", "berth", "crane", "manifest", "gate", "queue", "timeout", "retry"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lines", type=int, default=20000)
    args = parser.parse_args()

    import pygrok

    rng = random.Random(11)
    bad = non_matching(args.lines, rng)
    cases = [
        ("PortTrack", PORTTRACK, [line for _, line in porttrack_lines(args.lines)]),
        ("%{COMBINEDAPACHELOG}", "%{COMBINEDAPACHELOG}", apache_lines(args.lines, rng)),
        ("%{SYSLOGLINE}", "%{SYSLOGLINE}", syslog_lines(args.lines, rng)),
    ]
    rows = []
    worst = None
    for label, pattern, good in cases:
        ours = Grok(pattern, ecs_compatibility="disabled")
        theirs = pygrok.Grok(pattern)
        for kind, data in (("match", good), ("no match", bad)):
            ours_match, theirs_match = ours.match, theirs.match

            def run_ours(data=data, m=ours_match) -> int:
                for line in data:
                    m(line)
                return len(data)

            def run_theirs(data=data, m=theirs_match) -> int:
                for line in data:
                    m(line)
                return len(data)

            a, b = interleaved([run_ours, run_theirs], args.rounds)
            ratio = a / b
            worst = ratio if worst is None else min(worst, ratio)
            rows.append((label, kind, f"{a:,.0f}", f"{b:,.0f}", f"{ratio:.1f}x"))

    # The price of the timeout bound: the grok filter with and without it, on the same events.
    # Captures overwrite their own fields, so every round does the same work.
    capture_rest = "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:rest}"
    overwrite = ["timestamp", "level", "rest"]
    events = [Event({"message": line}) for _, line in porttrack_lines(args.lines)]
    bounded = GrokFilter(match={"message": capture_rest}, timeout_millis=30000, overwrite=overwrite)
    unbounded = GrokFilter(match={"message": capture_rest}, timeout_millis=0, overwrite=overwrite)

    def run_filter(grok_filter: GrokFilter) -> int:
        for event in events:
            grok_filter.filter(event)
        return len(events)

    with_bound, without = interleaved([lambda: run_filter(bounded), lambda: run_filter(unbounded)], args.rounds)

    print(table(("pattern", "lines", "porttrack_logs lines/s", "pygrok lines/s", "ratio"), rows))
    print()
    print(
        f"GrokFilter on the PortTrack pattern: {with_bound:,.0f} events/s with timeout_millis=30000, "
        f"{without:,.0f} without; the bound costs {100 * (1 - with_bound / without):.1f}%"
    )
    print(f"lowest ratio to pygrok: {worst:.1f}x")


if __name__ == "__main__":
    main()
