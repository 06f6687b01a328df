"""Quick timing of grok engines and of the time bound (not a test; the lead's benchmarks/ is the real one).

    python3 tests/grok/grok_timing.py

Prints lines/s for stdlib re and PCRE2 on three expressions (search plus reading the groups, as
the filter does), and GrokFilter throughput with and without timeout_millis, in the same run.
"""

from __future__ import annotations

import time

from porttrack_logs.event import Event
from porttrack_logs.filters.grok import GrokFilter
from porttrack_logs.grok import Grok

LINES = {
    "porttrack": (
        "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}",
        [
            "2026-11-27T10:15:00.123Z INFO berth 7 assigned to vessel MSC AURORA",
            "2026-11-27T10:15:01.002+01:00 WARN crane 3 slow hoist: 14.2s",
            "2026-11-27 10:15:02,551 ERROR gate 2 reader timeout after 3 retries",
        ],
    ),
    "combinedapache": (
        "%{COMBINEDAPACHELOG}",
        [
            '83.149.9.216 - - [24/Feb/2015:23:13:42 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36"',
            '10.0.0.5 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
        ],
    ),
    "syslogline": (
        "%{SYSLOGLINE}",
        [
            "Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]",
            "Nov 27 10:15:00 gate-2 kernel: eth0 link up, 1000Mbps full duplex",
        ],
    ),
}
ROUNDS = 5
N = 100_000


def engine_rate(expression: str, lines: list[str], engine: str) -> float:
    grok = Grok(expression, "v1", engine=engine)
    search = grok.search
    sample = (lines * (N // len(lines) + 1))[:N]
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for line in sample:
            search(line)
        best = min(best, time.perf_counter() - start)
    return N / best


def filter_rate(grok: GrokFilter, lines: list[str]) -> float:
    events = [Event({"message": lines[i % len(lines)]}) for i in range(N // 2)]
    apply = grok.apply
    start = time.perf_counter()
    for event in events:
        apply(event)
    return len(events) / (time.perf_counter() - start)


def main() -> None:
    print(f"{'expression':16} {'re lines/s':>12} {'pcre lines/s':>13} {'pcre/re':>8}")
    for name, (expression, lines) in LINES.items():
        r = engine_rate(expression, lines, "re")
        p = engine_rate(expression, lines, "pcre")
        print(f"{name:16} {r:12,.0f} {p:13,.0f} {p / r:8.2f}")
    expression, lines = LINES["porttrack"]
    bounded = GrokFilter(match={"message": expression}, timeout_millis=30000)
    unbounded = GrokFilter(match={"message": expression}, timeout_millis=0)
    with_bound, without = [], []
    for _ in range(ROUNDS):  # interleaved so both see the same machine load
        with_bound.append(filter_rate(bounded, lines))
        without.append(filter_rate(unbounded, lines))
    b, u = max(with_bound), max(without)
    print(f"GrokFilter porttrack: timeout_millis=30000 {b:,.0f} ev/s, timeout_millis=0 {u:,.0f} ev/s, ratio {b / u:.3f}")


if __name__ == "__main__":
    main()
