"""Grok throughput: porttrack_logs.grok.Grok.match vs Elasticsearch's own grok library, same lines.

    python benchmarks/grok_vs_es.py [--quick] [--lines 2000] [--rounds 3] [--ours-only | --coercion]

Elasticsearch's grok (`org.elasticsearch:elasticsearch-grok`, joni underneath) runs in a small Java
harness of ours (`benchmarks/grok_vs_es/GrokBench.java`), compiled with the JDK under /usr/lib/jvm;
the jar and its dependencies (joni, jcodings, at the versions its POM names) are fetched from Maven
Central with devservices' helper into its cache and checked against their checksums. One thread each,
in the same run: each pattern/mode pair is warmed up on both sides (the JVM's JIT, our caches), then
measured in alternation, best of `--rounds`. Before timing, the captures of both are compared on a
sample of the lines (a correctness guard: a pair that disagrees is reported and fails the run).
Prints lines/s of each, the ratio, the geometric mean of the ratios and the worst pair.
`--coercion` runs no Java either: ECS v1's `:int` coercion measured in place (see `coercion_ab`).
`--ours-only` runs no Java: ECS v1 against legacy on our side, in CPU time, with the regex alone
beside each mode (how much of the gap is the regex, how much the result building) and the ratio ECS
v1 would have if it cost no more than legacy beyond its result's dict display (its floor).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))  # measure this checkout, whatever is installed

from _timing import table  # noqa: E402
from porttrack_corpus import lines as porttrack_lines  # noqa: E402

from devservices.maven import Artifact, fetch, fetch_all  # noqa: E402
from devservices.settings import Settings  # noqa: E402
from porttrack_logs import Event  # noqa: E402
from porttrack_logs.grok import Grok  # noqa: E402
from porttrack_logs.pipeline import Pipeline  # noqa: E402
from porttrack_logs.grok import _grok  # noqa: E402
from porttrack_logs.grok._grok import _MatcherSource  # noqa: E402
from porttrack_logs.event import to_i  # noqa: E402

ES_GROK = Artifact("org.elasticsearch", "elasticsearch-grok", "9.2.0")
HARNESS = HERE / "grok_vs_es" / "GrokBench.java"
JDKS = ("temurin-25-jdk-amd64", "java-17-openjdk-amd64", "java-1.17.0-openjdk-amd64")
MODES = (("disabled", False), ("v1", True))
SAMPLE = 100  # lines per pair whose captures both sides must agree on

# -- the lines: 17 kinds, generated -------------------------------------------------------------
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
LEVELS = ["INFO", "WARN", "ERROR", "DEBUG"]
WORDS = ["vessel", "berth", "crane", "manifest", "gate", "queue", "timeout", "retry", "container", "yard"]
HOSTS = ["k8s-node-0", "k8s-node-1", "gw.porttrack.example", "10.20.0.7"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Prometheus/2.53.0"]
PATHS = ["/api/v1/berths", "/api/v1/vessels/9637720", "/static/app.js", "/login?next=%2Fdashboard"]


def _ip(r: random.Random) -> str:
    return ".".join(str(r.randint(1, 254)) for _ in range(4))


def _hms(r: random.Random) -> str:
    return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def _iso(r: random.Random) -> str:
    return f"2026-11-{r.randint(10, 28)}T{_hms(r)}.{r.randint(0, 999):03d}Z"


def _text(r: random.Random, low: int = 2, high: int = 9) -> str:
    return " ".join(r.choice(WORDS) for _ in range(r.randint(low, high)))


def _httpdate(r: random.Random) -> str:
    return f"{r.randint(10, 28)}/{r.choice(MONTHS)}/2026:{_hms(r)} +0000"


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "syslog": lambda r: f"{r.choice(MONTHS)} {r.randint(1, 28):2d} {_hms(r)} {r.choice(HOSTS)} "
    f"{r.choice(['sshd', 'kubelet', 'containerd', 'CRON'])}[{r.randint(100, 65000)}]: {_text(r)}",
    "bgl": lambda r: f"{r.randint(10**9, 2 * 10**9)} R{r.randint(0, 77):02d}-M{r.randint(0, 1)}-N{r.randint(0, 15)} "
    f"{r.choice(['KERNEL', 'APP', 'MMCS'])} {r.choice(['RAS', 'INFO', 'FATAL'])} {r.randint(10**9, 2 * 10**9)} "
    f"{r.randint(0, 1)} {_text(r)}",
    "hdfs": lambda r: f"0811{r.randint(10, 30)} {r.randint(100000, 235959)} {r.randint(1, 40000)} {r.choice(LEVELS)} "
    f"dfs.{r.choice(['DataNode$PacketResponder', 'FSNamesystem', 'DataNode$DataXceiver'])}: {_text(r)} "
    f"blk_{r.randint(10**15, 10**16)}",
    "ten": lambda r: " ".join(
        [f"id-{r.randint(1, 9999)}", r.choice(WORDS), f"{r.choice(HOSTS)}", r.choice(LEVELS), f"/{r.choice(WORDS)}",
         r.choice(WORDS), f"k={r.randint(1, 99)}", r.choice(WORDS), str(r.randint(0, 99999)), f"t{r.randint(1, 9)}"]
    ),
    "combined": lambda r: f'{_ip(r)} - - [{_httpdate(r)}] "{r.choice(["GET", "POST"])} {r.choice(PATHS)} HTTP/1.1" '
    f'{r.choice([200, 201, 304, 404, 503])} {r.randint(0, 90000)} "https://porttrack.example/" "{r.choice(AGENTS)}"',
    "common": lambda r: f'{_ip(r)} - {r.choice(["-", "ops", "frank"])} [{_httpdate(r)}] '
    f'"{r.choice(["GET", "PUT"])} {r.choice(PATHS)} HTTP/1.1" {r.choice([200, 404])} {r.randint(0, 90000)}',
    "classic": lambda r: f"{_ip(r)} {r.choice(['GET', 'POST'])} {r.choice(PATHS)} {r.randint(0, 90000)} "
    f"{r.randint(0, 5)}.{r.randint(0, 999):03d}",
    "zookeeper": lambda r: f"2026-11-27 {_hms(r)},{r.randint(0, 999):03d} [myid:{r.randint(1, 5)}] - {r.choice(LEVELS)} "
    f"[{r.choice(['main', 'QuorumPeer[myid=1]/0.0.0.0:2181', 'SyncThread:0'])}] - {_text(r)}",
    "nested": lambda r: f'{_ip(r)} - {r.choice(["ops", "frank", "-"])} [{_httpdate(r)}] '
    f'"{r.choice(["GET", "DELETE"])} {r.choice(PATHS)}" {r.choice([200, 500])} {r.randint(0, 90000)}',
    "syslog5424": lambda r: f"<{r.randint(1, 191)}>1 {_iso(r)} {r.choice(HOSTS)} {r.choice(WORDS)} {r.randint(1, 9999)} "
    f"ID{r.randint(1, 99)} - {_text(r)}",
    "javastack": lambda r: f"\tat com.porttrack.{r.choice(WORDS)}.{r.choice(WORDS).title()}Service."
    f"{r.choice(WORDS)}({r.choice(WORDS).title()}Service.java:{r.randint(1, 900)})",
    "timed": lambda r: f"{_iso(r)} {_ip(r)} {r.choice(['GET', 'POST'])} /api/{r.choice(WORDS)} {r.randint(0, 900)}.{r.randint(0, 99)}ms",
    "nginxerror": lambda r: f"2026/11/{r.randint(10, 28)} {_hms(r)} [{r.choice(['error', 'warn', 'notice'])}] "
    f"{r.randint(1, 65000)}#{r.randint(0, 8)}: *{r.randint(1, 99999)} {_text(r)}",
    "tomcat": lambda r: f"{r.randint(10, 28)}-{r.choice(MONTHS)}-2026 {_hms(r)}.{r.randint(0, 999):03d} {r.choice(LEVELS)} "
    f"[{r.choice(['main', 'http-nio-8080-exec-3'])}] org.apache.catalina.{r.choice(['startup.Catalina', 'core.StandardService'])} {_text(r)}",
    "request": lambda r: f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-{r.getrandbits(16):04x}-{r.getrandbits(16):04x}-"
    f"{r.getrandbits(48):012x} {_ip(r)} {r.choice([200, 404, 503])} {r.randint(0, 9)}.{r.randint(0, 999):03d} \"{r.choice(AGENTS)}\"",
    "postgres": lambda r: f"2026-11-27 {_hms(r)} UTC [{r.randint(1, 65000)}] {r.choice(['LOG', 'ERROR', 'FATAL'])}:  {_text(r)}",
}

PORTTRACK = "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}"
# (label, lines kind, pattern): the shapes of issue 12 first
PATTERNS: list[tuple[str, str, str]] = [
    ("PortTrack", "porttrack", PORTTRACK),
    ("SYSLOGLINE", "syslog", "%{SYSLOGLINE}"),
    ("seven, two :int", "bgl", "%{INT:logid} %{NOTSPACE:node} %{NOTSPACE:component} %{NOTSPACE:state} "
     "%{INT:epoch:int} %{INT:flag:int} %{GREEDYDATA:msg}"),
    ("INT/JAVACLASS", "hdfs", "%{INT:date} %{INT:time} %{INT:pid:int} %{LOGLEVEL:level} %{JAVACLASS:class}: %{GREEDYDATA:msg}"),
    ("ten NOTSPACE/WORD, one :int", "ten", "%{NOTSPACE:a} %{WORD:b} %{NOTSPACE:c} %{WORD:d} %{NOTSPACE:e} %{WORD:f} "
     "%{NOTSPACE:g} %{WORD:h} %{INT:i:int} %{NOTSPACE:j}"),
    ("COMBINEDAPACHELOG", "combined", "%{COMBINEDAPACHELOG}"),
    ("COMMONAPACHELOG", "common", "%{COMMONAPACHELOG}"),
    ("IP/URIPATHPARAM :int :float", "classic", "%{IP:client} %{WORD:method} %{URIPATHPARAM:request} %{NUMBER:bytes:int} "
     "%{NUMBER:duration:float}"),
    ("zookeeper", "zookeeper", r"%{TIMESTAMP_ISO8601:timestamp} \[myid:%{INT:myid}?\] - %{LOGLEVEL:level} "
     r"\[%{DATA:thread}\] - %{GREEDYDATA:msg}"),
    ("nested [a][b] :int", "nested", r'%{IPORHOST:[source][address]} - %{USER:[user][name]} \[%{HTTPDATE:timestamp}\] '
     r'"%{WORD:[http][request][method]} %{NOTSPACE:[url][original]}" %{INT:[http][response][status_code]:int} '
     r"%{INT:[http][response][body][bytes]:int}"),
    ("SYSLOG5424LINE", "syslog5424", "%{SYSLOG5424LINE}"),
    ("JAVASTACKTRACEPART", "javastack", "%{JAVASTACKTRACEPART}"),
    ("nested + :float", "timed", "%{TIMESTAMP_ISO8601:timestamp} %{IPV4:[client][ip]} %{WORD:verb} %{URIPATH:path} "
     "%{NUMBER:[event][duration]:float}ms"),
    ("nginx error :int", "nginxerror", r"%{DATA:time} \[%{LOGLEVEL:level}\] %{POSINT:pid:int}#%{NUMBER:tid:int}: "
     r"%{GREEDYDATA:message}"),
    ("tomcat, unnamed parts", "tomcat", r"%{MONTHDAY}-%{MONTH}-%{YEAR} %{TIME} %{LOGLEVEL:level} \[%{NOTSPACE:thread}\] "
     r"%{JAVACLASS:logger} %{GREEDYDATA:msg}"),
    ("UUID/QS :int :float", "request", "%{UUID:[trace][id]} %{IP:[client][ip]} %{NUMBER:status:int} "
     "%{NUMBER:latency:float} %{QS:agent}"),
    ("postgres", "postgres", r"%{TIMESTAMP_ISO8601:timestamp} %{TZ:tz} \[%{POSINT:pid:int}\] %{WORD:level}:  "
     r"%{GREEDYDATA:message}"),
]


def make_lines(kind: str, n: int, seed: int) -> list[str]:
    """n lines of one kind, the same on every run."""
    if kind == "porttrack":
        return [line for _, line in porttrack_lines(n, seed)]
    rng = random.Random(f"{kind}-{seed}")
    return [GENERATORS[kind](rng) for _ in range(n)]


# -- the Java side --------------------------------------------------------------------------------
def java_home() -> Path:
    """The newest JDK (with javac) under /usr/lib/jvm, or JAVA_HOME."""
    candidates = [Path(os.environ["JAVA_HOME"])] if os.environ.get("JAVA_HOME") else []
    candidates += [Path("/usr/lib/jvm") / name for name in JDKS]
    for home in candidates:
        if (home / "bin" / "javac").is_file():
            return home
    raise SystemExit("no JDK with javac found under /usr/lib/jvm (temurin-25 or 17); set JAVA_HOME")


def es_grok_classpath() -> list[Path]:
    """The grok jar and the dependencies its POM names, fetched (verified) into devservices' cache."""
    downloads = Settings.from_env().downloads
    pom = fetch(Artifact(ES_GROK.group, ES_GROK.name, ES_GROK.version, "pom"), downloads)
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    deps = [
        Artifact(d.findtext("m:groupId", namespaces=ns), d.findtext("m:artifactId", namespaces=ns),
                 d.findtext("m:version", namespaces=ns))
        for d in ET.parse(pom).getroot().iterfind("m:dependencies/m:dependency", ns)
        if d.findtext("m:scope", "compile", ns) in ("compile", "runtime")
    ]
    return fetch_all([ES_GROK, *deps], downloads)


class JavaGrok:
    """The harness process: patterns loaded once, timed on request."""

    def __init__(self, workdir: Path) -> None:
        home = java_home()
        classpath = os.pathsep.join(str(p) for p in es_grok_classpath())
        classes = workdir / "classes"
        subprocess.run([str(home / "bin" / "javac"), "-d", str(classes), "-cp", classpath, str(HARNESS)], check=True)
        self.version = subprocess.run([str(home / "bin" / "java"), "-version"], capture_output=True, text=True).stderr.split("\n")[0]
        self.proc = subprocess.Popen(
            [str(home / "bin" / "java"), "-XX:+UseParallelGC", "-Xms256m", "-Xmx256m", "-XX:ActiveProcessorCount=1",
             "-cp", os.pathsep.join([str(classes), classpath]), "GrokBench"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )

    def _ask(self, *fields: object) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write("\t".join(str(f) for f in fields) + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().rstrip("\n")

    def load(self, ecs: bool, pattern: str, lines_file: Path) -> int:
        answer = self._ask("LOAD", int(ecs), pattern, lines_file)
        if not answer.startswith("OK\t"):
            raise RuntimeError(f"Elasticsearch grok refused {pattern!r}: {answer}")
        return int(answer.split("\t")[1])

    def rate(self, grok_id: int, seconds: float) -> float:
        answer = self._ask("RUN", grok_id, int(seconds * 1000))
        if not answer.startswith("RATE\t"):
            raise RuntimeError(answer)
        return float(answer.split("\t")[1])

    def captures(self, grok_id: int, n: int) -> list[Any]:
        first = self._ask("CAP", grok_id, n)
        out = []
        line = first
        while line != "END":
            if not line.startswith("J\t"):
                raise RuntimeError(line)
            out.append(json.loads(line[2:]))
            line = self.proc.stdout.readline().rstrip("\n")  # type: ignore[union-attr]
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            self._ask("QUIT")
            self.proc.wait(timeout=10)


# -- ours, and the comparison -------------------------------------------------------------------
def python_rate(match: Callable[[str], Any], lines: list[str], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    while True:
        for line in lines:
            match(line)
        done += len(lines)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Our nested result in Elasticsearch's dotted keys (`{"host": {"name": x}}` -> `host.name`)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(flatten(item, name + "."))
        else:
            out[name] = item
    return out


def same_captures(ours: Any, theirs: Any) -> bool:
    """Ours and Elasticsearch's captures are the same values under the same (dotted) names;
    Elasticsearch hands a bracketed name of the expression (`[a][b]`) back as written."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    ours = flatten(ours)
    theirs = {k[1:-1].replace("][", ".") if k.startswith("[") else k: v for k, v in theirs.items()}
    if ours.keys() != theirs.keys():
        return False
    for key, a in ours.items():
        b = theirs[key]
        if isinstance(a, float) or isinstance(b, float):
            if not (isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-6)):
                return False
        elif a != b:
            return False
    return True


def _cpu_rate(run: Callable[[str], Any], lines: list[str]) -> float:
    start = time.process_time()
    for line in lines:
        run(line)
    return len(lines) / (time.process_time() - start)


def _dicts(value: Any) -> int:
    return 1 + sum(_dicts(v) for v in value.values() if isinstance(v, dict)) if isinstance(value, dict) else 0


# -- the :int coercion in place: today's int() against a table of small ints' texts in front of it --
# Each variant is a way to write the Python expression for a group the regex guarantees to be a
# signed run of ASCII digits (`body_kind` "digits": INT, POSINT, NONNEGINT); every other group keeps
# today's code. "text kept" is no coercion at all: not a valid matcher, the floor of the coercion.
COERCION_TABLES = (256, 1024, 65536)


@lru_cache(maxsize=None)
def _small_ints(n: int) -> dict[str, int]:
    """str(i) -> i for 0 <= i < n: only a canonical spelling is found, any other text goes to int()."""
    return {str(i): i for i in range(n)}


def _coercion_writer(variant: str) -> Callable[..., str] | None:
    """A stand-in for `_grok.fast_coercion` writing `variant` for digit groups (None: today's)."""
    if variant == "int()":
        return None
    today = _grok.fast_coercion
    ints = _small_ints(int(variant.split()[1])) if variant.startswith("table") else {}

    def write(coercion: Any, value: str, k: Callable[[Any], str], kind: str = "", scratch: str = "_v") -> str:
        if coercion is not to_i or kind != "digits":
            return today(coercion, value, k, kind, scratch)
        if variant == "text kept":
            return value
        return f"({scratch} if ({scratch} := {k(ints)}.get({value})) is not None else int({value}))"

    return write


@contextmanager
def _coercion(variant: str):
    """Matchers compiled (and their displays learnt) inside this block coerce digit groups as `variant` does."""
    write = _coercion_writer(variant)
    today = _grok.fast_coercion
    if write is not None:
        _grok.fast_coercion = write
    try:
        yield
    finally:
        _grok.fast_coercion = today


def coercion_variants() -> tuple[str, ...]:
    """The ways to write a digit group's `:int` that `--coercion` compares, today's first."""
    return ("int()", *(f"table {n}" for n in COERCION_TABLES), "text kept")


def v1_matcher(pattern: str, variant: str, lines: list[str]) -> Callable[[str], Any]:
    """ECS v1's `match` for `pattern` with `variant`'s coercion, run once over `lines` inside the
    variant so the displays it learns for groups left out are written the same way."""
    with _coercion(variant):
        match = Grok(pattern, ecs_compatibility="v1").match
        for line in lines:
            match(line)
    return match


def coerced_patterns(patterns: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The patterns whose ECS v1 expression has an `:int` capture on a digit group."""
    chosen = []
    for label, kind, pattern in patterns:
        grok = Grok(pattern, ecs_compatibility="v1")
        bodies = _grok.group_bodies(grok.compiled.source)
        if any(c.coerce is to_i and _grok.body_kind(bodies[c.group - 1]) == "digits" for c in grok.captures):
            chosen.append((label, kind, pattern))
    return chosen


def coercion_ab(patterns: list[tuple[str, str, str]], n: int, rounds: int) -> None:
    """ECS v1's `:int` coercion in place, one process, CPU time, alternated: `Grok.match` of legacy
    and of ECS v1 written with each coercion variant, on the same lines. A table variant must give
    exactly today's results (checked first); "text kept" gives the floor (what v1 costs with no
    coercion at all). Only patterns with an `:int` capture on a digit group are run."""
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)
    variants = coercion_variants()
    rows = []
    for label, kind, pattern in coerced_patterns(patterns):
        lines = make_lines(kind, n, 7)
        runs = {"legacy": Grok(pattern, ecs_compatibility="disabled").match}
        runs.update((v, v1_matcher(pattern, v, lines)) for v in variants)
        want = [runs["int()"](line) for line in lines]
        for v in variants:
            if v.startswith("table") and [runs[v](line) for line in lines] != want:
                raise SystemExit(f"{label}: the {v} coercion gives other results than int()")
        best = dict.fromkeys(runs, 0.0)
        for _ in range(rounds):
            for name, run in runs.items():
                best[name] = max(best[name], _cpu_rate(run, lines))
        ns = {name: 1e9 / rate for name, rate in best.items()}
        rows.append((label, f"{ns['legacy']:.0f}",
                     *(f"{ns[v]:.0f} ({ns[v] / ns['legacy']:.2f}x, {ns[v] - ns['int()']:+.0f})" for v in variants)))
    print(f"ECS v1's :int coercion in place, ns/line, CPU time, best of {rounds} alternated passes over {n} lines; "
          f"Python {sys.version.split()[0]}")
    print("each v1 cell: ns/line (legacy/v1, ns/line against int()); 'table N' = a dict of str(i) -> i for i < N "
          "looked up before int(); 'text kept' = no coercion (the floor, not a valid result)")
    print(table(("pattern", "legacy ns/line", *(f"v1 {v}" for v in variants)), rows))


def ours_only(patterns: list[tuple[str, str, str]], n: int, rounds: int) -> None:
    """ECS v1 against legacy on our side alone, CPU time, alternated: `Grok.match` and the regex
    alone (the engine's search and its groups) per mode, so the gap splits into the regex's part
    and the result building's (match minus regex, per line); beside it the result's dict display
    alone (a function returning it from groups in hand): what the result's shape costs at least;
    and the grok filter's generated code per mode (`overwrite => ["message"]`), on fresh events,
    with the garbage collector set as `porttrack-logs` runs (`runtime.batch_job`: frozen, high threshold)."""
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)
    rows = []
    for label, kind, pattern in patterns:
        lines = make_lines(kind, n, 7)
        runs: dict[str, Callable[[str], Any]] = {}
        shapes, displays = {}, {}
        for mode, _ in MODES:
            grok = Grok(pattern, ecs_compatibility=mode)
            raw = grok.compiled.raw_search
            runs[mode] = grok.match
            runs[mode + " regex"] = (lambda line, raw=raw: (m := raw(line)) is not None and m.groups())
            sample = next((r for r in map(grok.match, lines) if r is not None), {})
            shapes[mode] = (_dicts(sample), len(grok.captures))
            # the floor of the result's shape: its dict display alone, on groups in hand (a group
            # that took no part filled with "1", valid text for every coercion)
            writer = _MatcherSource(grok.captures, grok.compiled.source)
            source = f"def shown(g):\n    return {writer.display()}\n"
            scope = dict(writer.names)  # after `display`, which names what it calls
            exec(source, scope)  # noqa: S102 - our own generated code
            filled = [tuple(x or "1" for x in m.groups()) for m in map(raw, lines) if m is not None]
            displays[mode] = (scope["shown"], filled)
        filters = {
            mode: Pipeline.from_config("filter { grok { match => { \"message\" => '" + pattern + "' } "
                                       f'ecs_compatibility => "{mode}" overwrite => ["message"] }} }}')._run
            for mode, _ in MODES
        }
        best = dict.fromkeys(runs, 0.0)
        shown = dict.fromkeys(displays, 0.0)
        filtered = dict.fromkeys(filters, 0.0)
        for _ in range(rounds):
            for name, run in runs.items():
                best[name] = max(best[name], _cpu_rate(run, lines))
            for name, (display, filled) in displays.items():
                shown[name] = max(shown[name], _cpu_rate(display, filled))  # type: ignore[arg-type]
            for name, run_filter in filters.items():  # fresh events each pass: captures land in empty ones
                events = [Event({"message": line}) for line in lines]
                start = time.process_time()
                run_filter(events)
                filtered[name] = max(filtered[name], len(events) / (time.process_time() - start))
        build = {m: 1e9 / best[m] - 1e9 / best[m + " regex"] for m, _ in MODES}
        # ECS v1 at its floor: its own regex and dict display, and legacy's cost beyond its display
        floor = 1e9 / best["v1 regex"] + build["disabled"] - 1e9 / shown["disabled"] + 1e9 / shown["v1"]
        rows.append((
            label, f"{best['disabled']:,.0f}", f"{best['v1']:,.0f}", f"{best['disabled'] / best['v1']:.2f}x",
            f"{best['disabled regex'] / best['v1 regex']:.2f}x", f"{build['disabled']:.0f} / {build['v1']:.0f}",
            f"{1e9 / shown['disabled']:.0f} / {1e9 / shown['v1']:.0f}", f"{floor * best['disabled'] / 1e9:.2f}x",
            f"{filtered['disabled']:,.0f} / {filtered['v1']:,.0f}", f"{filtered['disabled'] / filtered['v1']:.2f}x",
            f"{shapes['disabled'][0]} / {shapes['v1'][0]}", f"{shapes['disabled'][1]} / {shapes['v1'][1]}",
        ))
    print(f"ours only, CPU time, best of {rounds} alternated passes over {n} lines; Python {sys.version.split()[0]}")
    print("build = match minus regex alone; display alone = the result's dict display from groups in hand;")
    print("floor = legacy/v1 if v1 cost its own regex and display plus legacy's build beyond its display")
    print(table(("pattern", "legacy lines/s", "ECS v1 lines/s", "legacy/v1", "regex alone legacy/v1",
                 "build ns/line legacy / v1", "display alone ns legacy / v1", "floor legacy/v1",
                 "grok filter events/s legacy / v1",
                 "filter legacy/v1", "dicts per result", "captures"), rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours-only", action="store_true",
                        help="no Java: ECS v1 against legacy on our side, the regex alone beside each")
    parser.add_argument("--coercion", action="store_true",
                        help="no Java: ECS v1's :int coercion in place, int() against a small-ints table")
    parser.add_argument("--quick", action="store_true", help="the six shapes of issue 12 only, shorter timings")
    parser.add_argument("--lines", type=int, default=2000, help="lines per kind")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per side (best is kept)")
    parser.add_argument("--seconds", type=float, default=0.2, help="length of one timed round")
    args = parser.parse_args()
    patterns = PATTERNS[:6] if args.quick else PATTERNS
    rounds, seconds = (2, 0.15) if args.quick else (args.rounds, args.seconds)
    if args.coercion:
        coercion_ab(patterns, args.lines, max(rounds * 10, 20))
        return 0
    if args.ours_only:
        ours_only(patterns, args.lines, max(rounds * 5, 10))
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="grok_vs_es-"))
    java = JavaGrok(workdir)
    try:
        rows, ratios, problems = [], [], []
        pairs = []
        for label, kind, pattern in patterns:
            lines = make_lines(kind, args.lines, 7)
            lines_file = workdir / f"{kind}.txt"
            lines_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            for mode, ecs in MODES:
                ours = Grok(pattern, ecs_compatibility=mode)
                theirs = java.load(ecs, pattern, lines_file)
                sample = java.captures(theirs, SAMPLE)
                bad = [(line, ours.match(line), es) for line, es in zip(lines, sample) if not same_captures(ours.match(line), es)]
                matched = sum(ours.match(line) is not None for line in lines)
                if bad:
                    problems.append(f"{label} ({mode}): {len(bad)}/{len(sample)} sample lines differ; first: {bad[0]!r}")
                pairs.append((label, mode, ours.match, theirs, lines, matched))
        for _, _, match, theirs, lines, _ in pairs:  # warm-up, both sides: the JIT compiles the hot loop
            python_rate(match, lines, seconds / 2)
            java.rate(theirs, 3 * seconds)
        for label, mode, match, theirs, lines, matched in pairs:
            python_rate(match, lines, seconds / 2)  # warm again: the caches now hold this pair
            java.rate(theirs, seconds)
            best_ours = best_es = 0.0
            for _ in range(rounds):  # alternated, so the machine's noise hits both alike
                best_ours = max(best_ours, python_rate(match, lines, seconds))
                best_es = max(best_es, java.rate(theirs, seconds))
            ratio = best_ours / best_es
            ratios.append((ratio, label, mode))
            rows.append((label, mode, f"{matched}/{len(lines)}", f"{best_ours:,.0f}", f"{best_es:,.0f}", f"{ratio:.2f}x"))
        # ECS v1 against legacy, ours only: the two modes of one pattern alternated, as above
        modes: dict[str, list] = {}
        for label, mode, match, _, lines, _ in pairs:
            modes.setdefault(label, []).append((match, lines))
        slowdowns = []
        for label, ((legacy, lines), (v1, _)) in modes.items():
            best_legacy = best_v1 = 0.0
            for _ in range(rounds):
                best_legacy = max(best_legacy, python_rate(legacy, lines, seconds / 2))
                best_v1 = max(best_v1, python_rate(v1, lines, seconds / 2))
            slowdowns.append((best_legacy / best_v1, label))
    finally:
        java.close()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"Elasticsearch grok {ES_GROK.version} on {java.version}; Python {sys.version.split()[0]}; one thread each")
    print(table(("pattern", "ecs", "matched", "porttrack_logs lines/s", "ES grok lines/s", "ratio"), rows))
    geo = math.exp(sum(math.log(r) for r, _, _ in ratios) / len(ratios))
    worst = min(ratios)
    print(f"\ngeo-mean ratio over {len(ratios)} pattern/mode pairs: {geo:.2f}x")
    print(f"worst pair: {worst[1]} ({worst[2]}) at {worst[0]:.2f}x")
    print("ours, legacy lines/s over ECS v1 lines/s (alternated): "
          + ", ".join(f"{label} {x:.2f}x" for x, label in sorted(slowdowns, reverse=True)))
    if problems:
        print("\ncaptures differ from Elasticsearch's:\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
