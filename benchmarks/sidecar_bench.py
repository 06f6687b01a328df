"""The sidecar process end to end: events/s and CPU µs per event, beside the obvious-way baseline, in one run.

    PORTTRACK_KAFKA_BOOTSTRAP=127.0.0.1:19092 PORTTRACK_ES_URL=http://127.0.0.1:19200 \\
        python benchmarks/sidecar_bench.py [--events 100000] [--minutes 1] [--only kafka,scale,beats,es,baseline,rss]
        python benchmarks/sidecar_bench.py --only instructions [--instructions-events 10000]   # callgrind

Every row runs `porttrack-logs run -f CONFIG` as its own process on `pipelines/porttrack.conf`'s filters
(grok, date, mutate, the ERROR -> alert tag) and measures that process from outside: CPU is utime +
stime from /proc/PID/stat (every thread; summed over its child processes when it has workers), peak
RSS is VmHWM from /proc/PID/status, and start-up (imports, compiling the pipeline, joining the group)
is left out of both clocks:

- `kafka -> bulk bytes`: the sidecar joins its group on an empty 3-partition topic and goes idle; it is
  stopped (SIGSTOP), M PortTrack events (benchmarks/porttrack_corpus.py, Filebeat's JSON) are produced,
  and it is continued (SIGCONT): the clocks run from there until the group's committed offsets cover all
  M, i.e. until every event is through the pipeline, in a bulk body, acknowledged and committed. The
  output is `elasticsearch_discard` (benchmarks/_sidecar_discard.py, registered in every process the
  benchmark starts by benchmarks/_discard_site/sitecustomize.py): the `elasticsearch` output's own
  sink building its `_bulk` bodies, handed to a connection that drops them, so no server is in the timing.
  Both Kafka backends; the confluent one again with 2 processes of one group (and with `--workers 2`).
- `beats -> bulk bytes`: go-lumber (tests/sources/beats/golumber, Filebeat's client library) sends M
  events over 2 connections, windows of 2048, zlib 3, 2 windows pipelined; the clocks stop when the
  client has every acknowledgement (the sidecar acknowledges after the output answered).
- `kafka -> Elasticsearch`: the same as the first row into a fresh index of the local node.
- `baseline`: benchmarks/_baseline_consumer.py, kafka-python + `json.loads` + pygrok + `helpers.bulk`,
  over the same topic, into bulk bytes and into the node; it times itself from its first record.
- `rss`: one sidecar under a steady produced load (`--rate` events/s) for `--minutes`; its peak RSS at
  each minute.
- `instructions` (not in the default set): the confluent row's sidecar under valgrind's callgrind,
  instrumented only from SIGCONT to the last commit: instructions an event over every thread, which the
  host's load does not move (timed CPU on these shared cores moves by a third between runs). Slow: use
  `--instructions-events` (10000) events.

The machine has 2 cores shared with other work: the load average is printed beside each row (before →
after), and "one core" is events per CPU second (1e6 / CPU µs per event): what one core running only
this would take, which the load disturbs much less than the wall-clock events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from porttrack_corpus import filebeat_ndjson  # noqa: E402

DISCARD_SITE = HERE / "_discard_site"  # its sitecustomize registers `elasticsearch_discard` in every process started
BASELINE = HERE / "_baseline_consumer.py"
GOLUMBER_SOURCE = ROOT / "tests" / "sources" / "beats" / "golumber"
TICK = os.sysconf("SC_CLK_TCK")


# -- the process from outside ----------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and its live descendants (all their threads)."""
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return total / TICK


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread of `pid` and its descendants, keyed `pid/tid name`."""
    found = {}
    for p in tree(pid):
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                name = (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[f"{p}/{task.name} {name}"] = (int(fields[11]) + int(fields[12])) / TICK
    return found


THREADS = False  # --threads: print where each row's CPU went, per thread


def print_threads(before: dict[str, float], after: dict[str, float], events: int) -> None:
    if not THREADS:
        return
    spent = sorted(((after[k] - before.get(k, 0.0), k) for k in after), reverse=True)
    print("    per thread: " + ", ".join(f"{k.split(' ', 1)[1]} {cpu / events * 1e6:.1f} µs" for cpu, k in spent if cpu > 0.005), flush=True)


def memory_kib(pid: int, key: str) -> int:
    """VmRSS or VmHWM (peak) of `pid` and its descendants, summed, in KiB."""
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def wait(condition: Callable[[], bool], what: str, timeout: float = 300, poll: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"sidecar_bench: gave up waiting for {what}")
        time.sleep(poll)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sidecar:
    """One `python -m porttrack_logs.cli run` process, with `elasticsearch_discard` registered (DISCARD_SITE)."""

    def __init__(self, config: str, workdir: Path, name: str, extra: list[str] | None = None, prefix: list[str] | None = None) -> None:
        path = workdir / f"{name}.conf"
        path.write_text(config)
        self.log = workdir / f"{name}.log"
        args = (prefix or []) + [sys.executable, "-m", "porttrack_logs.cli", "run", "-f", str(path), "--dead-letters",
                                 str(workdir / f"dlq-{name}"), "--log-format", "json"]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(args + (extra or []), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            env=dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{DISCARD_SITE}"))

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        if self.process.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
            raise SystemExit(f"sidecar_bench: the sidecar exited ({self.process.returncode}):\n{tail}")
        return True

    def idle(self, quiet: float = 0.05, span: float = 0.5) -> bool:
        """True once its CPU grows less than `quiet` seconds over `span` (start-up over)."""
        self.alive()
        before = cpu_seconds(self.pid)
        time.sleep(span)
        return cpu_seconds(self.pid) - before < quiet

    def signal(self, sig: int) -> None:
        for p in tree(self.pid):
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


# -- Kafka -----------------------------------------------------------------------------------------


class Kafka:
    def __init__(self, bootstrap: str) -> None:
        from confluent_kafka.admin import AdminClient

        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        self.topics: list[str] = []

    def topic(self, partitions: int = 3) -> str:
        from confluent_kafka.admin import NewTopic

        name = f"bench-sidecar-{uuid.uuid4().hex[:10]}"
        self.admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=60)
        self.topics.append(name)
        return name

    def produce(self, topic: str, values: list[bytes], partitions: int = 3) -> None:
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 20, "batch.num.messages": 10000,
                             "queue.buffering.max.messages": 1000000, "queue.buffering.max.kbytes": 1048576})
        for i, value in enumerate(values):
            while True:
                try:
                    producer.produce(topic, value, partition=i % partitions)
                    break
                except BufferError:
                    producer.poll(0.05)
        assert producer.flush(120) == 0, "not every event was produced"

    def members(self, group: str) -> list[set[int]]:
        try:
            found = self.admin.describe_consumer_groups([group])[group].result(timeout=30)
        except Exception:
            return []
        if str(found.state).rsplit(".", 1)[-1] != "STABLE":
            return []
        return [{tp.partition for tp in m.assignment.topic_partitions} for m in found.members]

    def committed(self, group: str, topic: str, partitions: int = 3) -> int:
        from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

        request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(partitions)])
        try:
            answer = self.admin.list_consumer_group_offsets([request])[group].result(timeout=30)
        except Exception:
            return 0
        return sum(tp.offset for tp in answer.topic_partitions if tp.offset >= 0)

    def close(self) -> None:
        if self.topics:
            for future in self.admin.delete_topics(self.topics).values():
                try:
                    future.result(timeout=60)
                except Exception:
                    pass


def filters() -> str:
    text = (ROOT / "pipelines" / "porttrack.conf").read_text()
    start = text.index("\nfilter {")
    return text[start : text.index("\noutput {", start)]


def config(inputs: str, output: str) -> str:
    return "input {\n" + inputs + "\n}\n" + filters() + "\noutput {\n" + output + "\n}\n"


def kafka_input(bootstrap: str, topic: str, group: str, backend: str) -> str:
    return (f'kafka {{ bootstrap_servers => "{bootstrap}" topics => ["{topic}"] group_id => "{group}" backend => "{backend}" '
            'auto_offset_reset => "earliest" auto_commit_interval_ms => 50 session_timeout_ms => 45000 }')


DISCARD = 'elasticsearch_discard { index => "porttrack-logs-%{+yyyy.MM.dd}" }'


def result(name: str, events: int, seconds: float, cpu: float, rss_kib: int, loads: str, processes: int = 1) -> dict:
    row = {"row": name, "events": events, "seconds": round(seconds, 3), "events_per_s": round(events / seconds),
           "cpu_us_per_event": round(cpu / events * 1e6, 2), "one_core_events_per_s": round(events / cpu) if cpu else None,
           "peak_rss_mib": round(rss_kib / 1024, 1), "load": loads, "processes": processes}
    print(f"  {name:<48} {row['events_per_s']:>9,} ev/s  {row['cpu_us_per_event']:>6.2f} µs CPU/ev "
          f"(one core: {row['one_core_events_per_s'] or 0:>9,} ev/s)  "
          f"peak RSS {row['peak_rss_mib']:>6.1f} MiB  load {loads}", flush=True)
    return row


def kafka_run(kafka: Kafka, values: list[bytes], backend: str, workdir: Path, name: str, *, processes: int = 1,
              workers: int = 1, output: str = DISCARD) -> tuple[dict, str]:
    """M events through `processes` sidecars of one group (each with `workers`); the row and its topic."""
    topic, group = kafka.topic(), f"bench-{uuid.uuid4().hex[:10]}"
    text = config(kafka_input(kafka.bootstrap, topic, group, backend), output)
    extra = ["--workers", str(workers)] if workers > 1 else []
    sidecars = [Sidecar(text, workdir, f"{name}-{i}", extra) for i in range(processes)]
    try:
        members = processes * workers

        def joined() -> bool:
            held = kafka.members(group)
            return len(held) == members and set().union(*held) == {0, 1, 2} and all(s.alive() for s in sidecars)

        wait(joined, f"{members} members of {group} holding the partitions", timeout=180, poll=0.3)
        wait(lambda: all(s.idle() for s in sidecars), "the sidecars to go idle", timeout=120, poll=0)
        for s in sidecars:
            s.signal(signal.SIGSTOP)
        kafka.produce(topic, values)
        loads = load()
        threads0 = {k: v for s in sidecars for k, v in thread_cpu(s.pid).items()}
        cpu0 = sum(cpu_seconds(s.pid) for s in sidecars)
        started = time.perf_counter()
        for s in sidecars:
            s.signal(signal.SIGCONT)
        wait(lambda: kafka.committed(group, topic) >= len(values), "every offset committed", timeout=600, poll=0.02)
        seconds = time.perf_counter() - started
        cpu = sum(cpu_seconds(s.pid) for s in sidecars) - cpu0
        print_threads(threads0, {k: v for s in sidecars for k, v in thread_cpu(s.pid).items()}, len(values))
        rss = sum(memory_kib(s.pid, "VmHWM") for s in sidecars)
        return result(name, len(values), seconds, cpu, rss, loads + " → " + load(), processes * workers), topic
    finally:
        for s in sidecars:
            s.signal(signal.SIGCONT)
            s.stop()


def instructions_run(kafka: Kafka, values: list[bytes], backend: str, workdir: Path) -> dict:
    """Instructions an event of the sidecar (all threads) by callgrind, counted from SIGCONT to the last commit."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("sidecar_bench: the instructions row needs valgrind (callgrind_control)")
    out = workdir / "callgrind"
    out.mkdir(exist_ok=True)
    topic, group = kafka.topic(), f"bench-{uuid.uuid4().hex[:10]}"
    prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.%p"]
    sidecar = Sidecar(config(kafka_input(kafka.bootstrap, topic, group, backend), DISCARD), workdir, "callgrind", prefix=prefix)
    try:
        wait(lambda: len(kafka.members(group)) == 1 and sidecar.alive(), "the sidecar under callgrind to join", timeout=600, poll=0.5)
        time.sleep(3)  # past the first fetches of an empty topic
        sidecar.signal(signal.SIGSTOP)
        kafka.produce(topic, values)
        sidecar.signal(signal.SIGCONT)
        for command in (["-z"], ["-i", "on"]):
            subprocess.run(["callgrind_control", *command, str(sidecar.pid)], capture_output=True, check=True, timeout=120)
        wait(lambda: kafka.committed(group, topic) >= len(values), "every offset committed", timeout=1800, poll=0.2)
        subprocess.run(["callgrind_control", "-d", str(sidecar.pid)], capture_output=True, check=True, timeout=120)
    finally:
        sidecar.signal(signal.SIGCONT)
        sidecar.stop()
    total = 0
    for dump in out.glob("cg.*"):
        text = dump.read_text(errors="replace")
        if "Trigger: dump" in text:  # the dump asked for above, not the one at exit
            total += sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("summary:"))
    row = {"row": f"instructions ({backend})", "events": len(values), "instructions_per_event": round(total / len(values))}
    print(f"  kafka -> bulk bytes ({backend}) under callgrind: {row['instructions_per_event']:,} instructions an event "
          f"(every thread, {len(values):,} events)", flush=True)
    return row


def baseline_run(kafka: Kafka, topic: str, events: int, mode: str, name: str, es_url: str | None = None, index: str | None = None) -> dict:
    args = [sys.executable, str(BASELINE), kafka.bootstrap, topic, str(events), mode] + ([es_url, index] if mode == "es" else [])
    loads = load()
    done = subprocess.run(args, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"sidecar_bench: the baseline failed:\n{done.stderr[-3000:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return result(name, got["events"], got["seconds"], got["cpu_seconds"], got.get("peak_rss_kib", 0), loads + " → " + load())


def golumber_binary(workdir: Path) -> Path:
    go = shutil.which("go")
    if go is None:
        raise SystemExit("sidecar_bench: go is needed for the Beats row (it builds tests/sources/beats/golumber)")
    binary = workdir / "golumber"
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=GOLUMBER_SOURCE, check=True, timeout=600)
    return binary


def beats_run(events: int, workdir: Path) -> dict:
    port = free_port()
    sidecar = Sidecar(config(f'beats {{ host => "127.0.0.1" port => {port} }}', DISCARD), workdir, "beats")
    try:
        binary = golumber_binary(workdir)

        def listening() -> bool:
            sidecar.alive()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False

        wait(listening, "the Beats port", timeout=120, poll=0.2)
        wait(sidecar.idle, "the sidecar to go idle", timeout=120, poll=0)
        loads = load()
        threads0 = thread_cpu(sidecar.pid)
        cpu0 = cpu_seconds(sidecar.pid)
        started = time.perf_counter()
        client = subprocess.run([str(binary), "-addr", f"127.0.0.1:{port}", "-n", str(events), "-conns", "2", "-window", "2048",
                                 "-pipelining", "2", "-compress", "3", "-shape", "porttrack", "-timeout", "60s", "-deadline", "600s"],
                                capture_output=True, text=True, timeout=900)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(sidecar.pid) - cpu0
        print_threads(threads0, thread_cpu(sidecar.pid), events)
        summary = json.loads(client.stdout.strip().splitlines()[-1])
        if client.returncode != 0 or summary["acked"] != events:
            raise SystemExit(f"sidecar_bench: go-lumber did not finish: {summary} {client.stderr[-2000:]}")
        return result("beats -> bulk bytes (go-lumber, 2 connections)", events, seconds, cpu, memory_kib(sidecar.pid, "VmHWM"),
                      loads + " → " + load())
    finally:
        sidecar.stop()


def rss_run(kafka: Kafka, minutes: float, rate: int, workdir: Path) -> dict:
    """A steady `rate` of events for `minutes`; the sidecar's peak RSS at each minute (flat is the target)."""
    topic, group = kafka.topic(), f"bench-{uuid.uuid4().hex[:10]}"
    values = filebeat_ndjson(20000, seed=11)
    sidecar = Sidecar(config(kafka_input(kafka.bootstrap, topic, group, "confluent"), DISCARD), workdir, "rss")
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": kafka.bootstrap, "linger.ms": 20})
    stop = threading.Event()
    sent = [0]

    def produce() -> None:
        started = time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - started) * rate)
            while sent[0] < due:
                try:
                    producer.produce(topic, values[sent[0] % len(values)], partition=sent[0] % 3)
                    sent[0] += 1
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            time.sleep(0.01)
        producer.flush(60)

    try:
        wait(lambda: len(kafka.members(group)) == 1 and sidecar.alive(), "the sidecar to join", timeout=180, poll=0.3)
        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        started, peaks, cpu0 = time.monotonic(), [], cpu_seconds(sidecar.pid)
        minute = 1
        while minute <= minutes:
            time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
            sidecar.alive()
            peaks.append(round(memory_kib(sidecar.pid, "VmHWM") / 1024, 1))
            print(f"  rss: minute {minute}: peak RSS {peaks[-1]} MiB, RSS now {memory_kib(sidecar.pid, 'VmRSS') / 1024:.1f} MiB, "
                  f"{sent[0]:,} events sent, committed {kafka.committed(group, topic):,}, load {load()}", flush=True)
            minute += 1
        stop.set()
        thread.join()
        wait(lambda: kafka.committed(group, topic) >= sent[0], "the steady load to drain", timeout=300, poll=0.2)
        cpu = cpu_seconds(sidecar.pid) - cpu0
        return {"row": "rss", "rate": rate, "minutes": minutes, "peak_rss_mib_by_minute": peaks, "events": sent[0],
                "cpu_us_per_event": round(cpu / max(sent[0], 1) * 1e6, 2)}
    finally:
        sidecar.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100000, help="events per Kafka row (default 100000)")
    parser.add_argument("--beats-events", type=int, default=50000)
    parser.add_argument("--es-events", type=int, default=30000)
    parser.add_argument("--baseline-events", type=int, default=20000)
    parser.add_argument("--minutes", type=float, default=1, help="steady load for the RSS row (10 for the long check)")
    parser.add_argument("--rate", type=int, default=5000, help="events/s of the steady load")
    parser.add_argument("--only", default="kafka,scale,beats,es,baseline,rss")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--threads", action="store_true", help="print each row's CPU per thread")
    parser.add_argument("--instructions-events", type=int, default=10000, help="events of the instructions row (callgrind)")
    args = parser.parse_args()
    global THREADS
    THREADS = args.threads
    only = set(args.only.split(","))
    bootstrap = os.environ.get("PORTTRACK_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    es_url = os.environ.get("PORTTRACK_ES_URL", "http://127.0.0.1:19200")
    print(f"sidecar_bench: {os.cpu_count()} cores, load {load()}, kafka {bootstrap}, elasticsearch {es_url}", flush=True)
    kafka = Kafka(bootstrap)
    rows: list[dict] = []
    workdir = Path(tempfile.mkdtemp(prefix="sidecar-bench-"))
    values = filebeat_ndjson(args.events) if only - {"beats", "rss", "instructions"} else []
    if values:
        print(f"  {len(values):,} PortTrack events, {sum(map(len, values)) / len(values):.0f} bytes each on average", flush=True)
    index = f"bench-sidecar-{uuid.uuid4().hex[:8]}"
    try:
        one_confluent = topic = None
        if only & {"kafka", "scale", "baseline"}:
            one_confluent, topic = kafka_run(kafka, values, "confluent", workdir, "kafka -> bulk bytes (confluent, 1 process)")
            rows.append(one_confluent)
        if "kafka" in only:
            rows.append(kafka_run(kafka, values, "kafka-python", workdir, "kafka -> bulk bytes (kafka-python, 1 process)")[0])
        if "scale" in only:
            two = kafka_run(kafka, values, "confluent", workdir, "kafka -> bulk bytes (confluent, 2 processes)", processes=2)[0]
            rows.append(two)
            print(f"  2 processes / 1: {two['events_per_s'] / one_confluent['events_per_s']:.2f}x events/s", flush=True)
            try:
                workers = kafka_run(kafka, values, "confluent", workdir, "kafka -> bulk bytes (confluent, --workers 2)", workers=2)[0]
                rows.append(workers)
                print(f"  --workers 2 / 1: {workers['events_per_s'] / one_confluent['events_per_s']:.2f}x events/s", flush=True)
            except SystemExit as exc:
                print(f"  --workers 2: not measured ({str(exc).splitlines()[0]})", flush=True)
        if "beats" in only:
            rows.append(beats_run(args.beats_events, workdir))
        if "es" in only:
            output = f'elasticsearch {{ hosts => ["{es_url}"] index => "{index}-%{{+yyyy.MM.dd}}" manage_template => false }}'
            rows.append(kafka_run(kafka, values[: args.es_events], "confluent", workdir, "kafka -> Elasticsearch (confluent)", output=output)[0])
            from elasticsearch import Elasticsearch

            client = Elasticsearch(es_url, request_timeout=60)
            client.indices.refresh(index=f"{index}-*")
            indexed = client.count(index=f"{index}-*")["count"]
            client.close()
            print(f"  documents in {index}-*: {indexed:,} of {min(args.es_events, len(values)):,}", flush=True)
        if "baseline" in only:
            m = min(args.baseline_events, len(values))
            base_bytes = baseline_run(kafka, topic, m, "bytes", "baseline: kafka-python+json+pygrok -> bulk bytes")
            rows.append(base_bytes)
            print(f"  CPU per event, baseline / ours (bulk bytes): {base_bytes['cpu_us_per_event'] / one_confluent['cpu_us_per_event']:.1f}x "
                  "(confluent)", flush=True)
            kp = next((r for r in rows if "kafka-python, 1" in r["row"]), None)
            if kp:
                print(f"  CPU per event, baseline / ours (bulk bytes): {base_bytes['cpu_us_per_event'] / kp['cpu_us_per_event']:.1f}x "
                      "(kafka-python)", flush=True)
            if "es" in only:
                base_es = baseline_run(kafka, topic, m, "es", "baseline: ... -> helpers.bulk -> Elasticsearch", es_url, f"{index}-baseline")
                rows.append(base_es)
                ours_es = next(r for r in rows if r["row"].startswith("kafka -> Elasticsearch"))
                print(f"  CPU per event, baseline / ours (into Elasticsearch): {base_es['cpu_us_per_event'] / ours_es['cpu_us_per_event']:.1f}x",
                      flush=True)
        if "instructions" in only:
            rows.append(instructions_run(kafka, values[: args.instructions_events] or filebeat_ndjson(args.instructions_events),
                                         "confluent", workdir))
        if "rss" in only:
            rows.append(rss_run(kafka, args.minutes, args.rate, workdir))
            print(f"  rss: peak by minute {rows[-1]['peak_rss_mib_by_minute']} MiB at {args.rate:,} events/s", flush=True)
    finally:
        kafka.close()
        try:
            from elasticsearch import Elasticsearch

            client = Elasticsearch(es_url)
            client.indices.delete(index=f"{index}*", allow_no_indices=True, expand_wildcards="all")
            client.close()
        except Exception as exc:
            print(f"sidecar_bench: could not delete the benchmark indices {index}*: {exc}", flush=True)
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
