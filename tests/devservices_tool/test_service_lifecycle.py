"""The services tool's lifecycle (start, status, stop, stale state) on a tiny stand-in server: no Java needed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

import pytest

from devservices.errors import ServiceError
from devservices.process import group_members, start_ticks
from devservices.service import Service, port_open
from devservices.settings import Settings

# A server that answers TCP on its port; with IGNORE_TERM it ignores SIGTERM, with CHILD it forks a helper.
SERVER = """
import os, signal, socket, subprocess, sys, time
if os.environ.get("IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.environ.get("CHILD"):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen()
print("listening", flush=True)
while True:
    listener.accept()[0].close()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandIn(Service):
    """A `Service` whose server is the Python script above (or any argv a test gives)."""

    name = "standin"
    version = "0"

    def __init__(self, settings: Settings, port: int, argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> None:
        super().__init__(settings, die_with_caller=True)
        self.port = port
        self.argv = argv or [sys.executable, "-c", SERVER, str(port)]
        self.extra_env = dict(env or {})
        self.installs = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ports(self) -> Sequence[int]:
        return (self.port,)

    def install(self) -> None:
        self.installs += 1

    def prepare(self) -> tuple[list[str], Mapping[str, str], Path]:
        return self.argv, {**os.environ, **self.extra_env}, self.process.directory

    def healthy(self) -> bool:
        return port_open("127.0.0.1", self.port)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", run_dir=tmp_path / "run", start_timeout=30)


@pytest.fixture
def standin(settings: Settings):
    service = StandIn(settings, free_port())
    yield service
    service.process.stop(grace=2)


def test_start_twice_is_a_no_op(standin):
    """The second start finds the running server and returns its pid without launching another."""
    first = standin.start()
    second = standin.start()

    assert (first.started, second.started, second.pid, standin.installs) == (True, False, first.pid, 1)


def test_stop_twice_is_harmless(standin):
    """Stopping a stopped service reports False and raises nothing."""
    standin.start()

    assert (standin.stop(), standin.stop()) == (True, False)


def test_status_of_a_never_started_service_is_none(standin):
    """With no state file, status is None (stopped)."""
    assert standin.status() is None


def test_status_after_start_records_endpoint_and_pid(standin):
    """The state file written at start carries the endpoint and a live pid."""
    result = standin.start()
    state = standin.status()

    assert (state["endpoint"], state["pid"], start_ticks(state["pid"]) is not None) == (standin.endpoint, result.pid, True)


def test_stop_leaves_no_process_and_frees_the_port(standin):
    """After stop, the process group is empty and nothing listens on the port any more."""
    result = standin.start()
    standin.stop()

    assert (group_members(result.pid), port_open("127.0.0.1", standin.port)) == ([], False)


def test_stale_state_file_of_a_dead_process_is_removed(standin):
    """A state file whose pid has exited reads as stopped and is deleted."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    standin.process.directory.mkdir(parents=True)
    standin.process.state_file.write_text(json.dumps({"pid": dead.pid, "ticks": 1, "endpoint": "x", "log": "x", "started_at": "x"}))

    assert (standin.status(), standin.process.state_file.exists()) == (None, False)


def test_start_proceeds_after_a_stale_state_file(standin):
    """A stale state file does not block a fresh start."""
    standin.process.directory.mkdir(parents=True)
    standin.process.state_file.write_text(json.dumps({"pid": 999_999_999, "ticks": 1, "endpoint": "x", "log": "x", "started_at": "x"}))

    assert standin.start().started is True


def test_reused_pid_is_not_mistaken_for_the_server(standin):
    """A state file naming a live pid with another start time (pid reuse) is stale, and stop never signals it."""
    standin.process.directory.mkdir(parents=True)
    me = os.getpid()
    standin.process.state_file.write_text(json.dumps({"pid": me, "ticks": start_ticks(me) - 1, "endpoint": "x", "log": "x", "started_at": "x"}))

    assert (standin.status(), standin.stop()) == (None, False)


def test_server_dying_at_start_fails_with_its_log_tail(settings):
    """A server that exits during start-up raises ServiceError quoting the last lines of its log."""
    crashing = StandIn(settings, free_port(), argv=[sys.executable, "-c", "print('fatal: bad setting x.y'); raise SystemExit(3)"])

    with pytest.raises(ServiceError, match="fatal: bad setting x.y"):
        crashing.start()


def test_failed_start_leaves_no_state_file(settings):
    """After a failed start the service reads as stopped, ready for another attempt."""
    crashing = StandIn(settings, free_port(), argv=[sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(ServiceError):
        crashing.start()

    assert crashing.process.state_file.exists() is False


def test_never_healthy_server_times_out_and_is_killed(tmp_path):
    """A server that never turns healthy fails the start after the timeout, and is not left running."""
    settings = Settings(cache_dir=tmp_path / "c", run_dir=tmp_path / "r", start_timeout=1)
    silent = StandIn(settings, free_port(), argv=[sys.executable, "-c", "import time; print('still booting', flush=True); time.sleep(600)"])

    with pytest.raises(ServiceError, match="not healthy after 1s") as failure:
        silent.start()

    assert ("still booting" in str(failure.value), silent.process.state_file.exists()) == (True, False)


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(settings):
    """A server ignoring SIGTERM is killed after the grace period."""
    stubborn = StandIn(settings, free_port(), env={"IGNORE_TERM": "1"})
    pid = stubborn.start().pid

    stopped = stubborn.process.stop(grace=0.5)

    assert (stopped, group_members(pid)) == (True, [])


def test_stop_also_ends_children_of_the_server(settings):
    """Children of the server (like Elasticsearch's server JVM under its launcher) are stopped with it."""
    parent = StandIn(settings, free_port(), env={"CHILD": "1"})
    pid = parent.start().pid
    members_running = len(group_members(pid))

    parent.stop()

    assert (members_running, group_members(pid)) == (2, [])


def test_start_refuses_a_port_held_by_a_foreign_process(standin):
    """If another program listens on the service's port, start fails naming the port instead of launching."""
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", standin.port))
        squatter.listen()
        with pytest.raises(ServiceError, match=str(standin.port)):
            standin.start()

    assert standin.process.state_file.exists() is False


def test_server_tied_to_its_caller_dies_with_it(settings, tmp_path):
    """A server started with die_with_caller goes away when the starting process is killed, with no teardown."""
    port = free_port()
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from pathlib import Path
from devservices.settings import Settings
from test_service_lifecycle import StandIn
service = StandIn(Settings(cache_dir=Path({str(tmp_path)!r}) / "c", run_dir=Path({str(tmp_path)!r}) / "r"), {port})
print(service.start().pid, flush=True)
import time; time.sleep(600)
"""
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server_pid = int(owner.stdout.readline())
    owner.kill()
    owner.wait()
    for _ in range(100):
        if not group_members(server_pid):
            break
        __import__("time").sleep(0.05)

    assert group_members(server_pid) == []


def test_reset_stops_the_server_and_deletes_its_files(standin):
    """`reset` ends a running server and empties its state directory (log, state file)."""
    pid = standin.start().pid

    was_running = standin.reset()

    left = sorted(p.name for p in standin.process.directory.iterdir())
    assert (was_running, group_members(pid), left) == (True, [], [".lock"])


def test_concurrent_starts_launch_one_server(standin):
    """Two threads starting the same service at once end with one server: one starts, the other finds it."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: standin.start(), range(2)))

    assert (sorted(r.started for r in results), results[0].pid == results[1].pid) == ([False, True], True)


def test_kill_is_sigkill_of_the_group_and_frees_the_port_for_a_restart(settings):
    """`kill` sends SIGKILL at once (a SIGTERM-ignoring server and its helper child die too), waits until the
    port is free, and a second start on the same port works."""
    service = StandIn(settings, free_port(), env={"IGNORE_TERM": "1", "CHILD": "1"})
    try:
        first = service.start()
        launcher = service.process._popen
        killed = service.kill()
        after = (launcher.returncode, group_members(first.pid), port_open("127.0.0.1", service.port), service.status())
        second = service.start()
    finally:
        service.process.stop(grace=2)

    assert (len(killed), after, second.started, second.pid != first.pid) == (2, (-9, [], False, None), True, True)


def test_a_process_whose_main_thread_exited_counts_while_other_threads_run():
    """After SIGKILL a JVM's main thread is a zombie before its other threads are gone (still holding its
    sockets): such a process is still a member of its group, so stop/kill wait for it."""
    code = "import ctypes, threading, time\nthreading.Thread(target=time.sleep, args=(30,)).start()\nctypes.CDLL(None).pthread_exit(None)\n"
    child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z" and time.monotonic() < deadline:
            time.sleep(0.05)
        zombie_leader = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        members = group_members(child.pid)
    finally:
        child.kill()
        child.wait()

    assert (zombie_leader, members, group_members(child.pid)) == ("Z", [child.pid], [])
