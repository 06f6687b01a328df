"""A server run as a detached process group, tracked by a state file so that later commands find it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

from devservices.errors import ServiceError


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is [0], pgrp [2], start time [19])."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw[raw.rfind(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    """Start time of a live process in clock ticks since boot; None when it is gone or a zombie."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def _threads_alive(pid: int) -> bool:
    """Whether any thread of `pid` still runs: after SIGKILL the main thread turns zombie first while the others
    are still tearing down (and still hold the process's sockets and file locks)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    for task in tasks:
        try:
            raw = Path(f"/proc/{pid}/task/{task}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if raw[raw.rfind(")") + 2 :].split()[0] not in ("Z", "X"):
            return True
    return False


def group_members(pgid: int, not_before: int = 0) -> list[int]:
    """Live processes of process group `pgid` started at or after tick `not_before` (guards against pid reuse)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if not fields or int(fields[2]) != pgid or int(fields[19]) < not_before:
            continue
        if fields[0] not in ("Z", "X") or _threads_alive(int(entry.name)):
            members.append(int(entry.name))
    return members


def _kill_me_with_parent() -> None:
    """In the forked child: ask Linux for SIGKILL when the parent thread dies (prctl PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG


class ServerProcess:
    """Launch, find, stop one server; its state (pid, start tick, endpoint) lives in `<dir>/state.json`."""

    __slots__ = ("name", "directory", "state_file", "log_file", "_popen")

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = directory
        self.state_file = directory / "state.json"
        self.log_file = directory / "server.log"
        self._popen: subprocess.Popen[bytes] | None = None

    def read_state(self) -> dict | None:
        """The recorded state, or None when there is no (readable) state file."""
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def running(self) -> dict | None:
        """State of the live server, or None; a stale state file (dead or reused pid) is removed on the way."""
        state = self.read_state()
        if state is None:
            return None
        if self._popen is not None:
            self._popen.poll()  # reap our own child so that a dead one is not mistaken for a live zombie
        if start_ticks(state["pid"]) == state["ticks"]:
            return state
        if not group_members(state["pid"], state["ticks"]):
            self.state_file.unlink(missing_ok=True)
        return None

    def stale(self) -> bool:
        """True when a state file exists but its process is gone (what `running()` cleans up)."""
        state = self.read_state()
        return state is not None and start_ticks(state["pid"]) != state["ticks"]

    def launch(self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, endpoint: str, die_with_caller: bool = False) -> dict:
        """Start `argv` in its own session with output to the log file; record and return its state.

        With `die_with_caller` the kernel kills the server when the calling thread ends (a test run that is
        killed cannot tear its fixtures down); servers started from the command line outlive the command.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.log_file.exists():
            os.replace(self.log_file, self.log_file.with_suffix(".log.1"))
        with self.log_file.open("wb") as log:
            try:
                popen = subprocess.Popen(
                    list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_kill_me_with_parent if die_with_caller else None,
                )
            except OSError as exc:
                raise ServiceError(f"cannot run {argv[0]}: {exc}", service=self.name) from exc
        self._popen = popen
        ticks = start_ticks(popen.pid)
        state = {
            "service": self.name,
            "pid": popen.pid,
            "ticks": ticks,
            "endpoint": endpoint,
            "log": str(self.log_file),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "argv": list(argv),
        }
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2))
        os.replace(temporary, self.state_file)
        return state

    def alive(self, state: dict) -> bool:
        """Whether the process recorded in `state` still runs."""
        if self._popen is not None:
            self._popen.poll()
        return start_ticks(state["pid"]) == state["ticks"]

    def stop(self, grace: float = 30.0) -> bool:
        """SIGTERM the whole process group, wait up to `grace` seconds, then SIGKILL; True if anything was running."""
        state = self.read_state()
        if state is None:
            return False
        pgid, since = state["pid"], state["ticks"] or 0
        members = group_members(pgid, since)
        had_members = bool(members)
        self._signal(members, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while members and time.monotonic() < deadline:
            time.sleep(0.2)
            if self._popen is not None:
                self._popen.poll()
            members = group_members(pgid, since)
        if members:
            self._signal(members, signal.SIGKILL)
            deadline = time.monotonic() + 10.0
            while members and time.monotonic() < deadline:
                time.sleep(0.1)
                members = group_members(pgid, since)
        if self._popen is not None:
            self._popen.poll()
            self._popen = None
        if members:
            raise ServiceError(f"processes {members} survived SIGKILL; state kept in {self.state_file}", service=self.name)
        self.state_file.unlink(missing_ok=True)
        return had_members

    def kill(self, timeout: float = 10.0) -> list[int]:
        """SIGKILL every process of the group at once, no SIGTERM first (a crash, for fault tests); the pids killed.

        Waits until they are gone (ours reaped), then removes the state file, so `start` can run again at once.
        """
        state = self.read_state()
        if state is None:
            return []
        pgid, since = state["pid"], state["ticks"] or 0
        killed = members = group_members(pgid, since)
        self._signal(members, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while members and time.monotonic() < deadline:
            time.sleep(0.05)
            if self._popen is not None:
                self._popen.poll()
            members = group_members(pgid, since)
        if members:
            raise ServiceError(f"processes {members} survived SIGKILL; state kept in {self.state_file}", service=self.name)
        if self._popen is not None:
            self._popen.poll()
            self._popen = None
        self.state_file.unlink(missing_ok=True)
        return killed

    @staticmethod
    def _signal(pids: list[int], signum: int) -> None:
        for pid in pids:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def tail(self, lines: int = 40) -> str:
        """The last `lines` lines of the server log ('' when there is none)."""
        try:
            with self.log_file.open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - 256 * 1024))
                data = handle.read()
        except FileNotFoundError:
            return ""
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])
