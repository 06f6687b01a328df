"""`python3 -m devservices start|stop|status|logs|reset|env|lock [es|es8|kafka|all]`: run the development services.

start: fetch (once) and start, wait until healthy; stop: SIGTERM, wait, SIGKILL; status: exit 3 if stopped;
logs: last lines of the server log; reset: stop and delete data; env: export lines for the test variables;
lock kafka: re-resolve the broker's classpath with Maven.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

from devservices.errors import ServiceError
from devservices.registry import FIXTURE_VARIABLES, select
from devservices.service import Service
from devservices.settings import ENVIRONMENT, Settings

T = TypeVar("T")


def _each(services: list[Service], action: Callable[[Service], T]) -> list[T | ServiceError]:
    """Run `action` on every service concurrently; errors come back in place of results."""

    def guarded(service: Service) -> T | ServiceError:
        try:
            return action(service)
        except ServiceError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
        return list(pool.map(guarded, services))


def cmd_start(services: list[Service], args: argparse.Namespace) -> int:
    began = time.monotonic()
    failed = False
    for outcome in _each(services, lambda s: s.start()):
        if isinstance(outcome, ServiceError):
            print(f"error: {outcome}", file=sys.stderr)
            failed = True
        else:
            print(outcome.describe())
    print(f"total {time.monotonic() - began:.1f}s")
    return 1 if failed else 0


def _report(services: list[Service], action: Callable[[Service], T], describe: Callable[[Service, T], str]) -> int:
    """Run `action` on every service at once; print each outcome or error; 1 if any failed."""
    failed = False
    for service, outcome in zip(services, _each(services, action)):
        if isinstance(outcome, ServiceError):
            print(f"error: {outcome}", file=sys.stderr)
            failed = True
        else:
            print(describe(service, outcome))
    return 1 if failed else 0


def cmd_stop(services: list[Service], args: argparse.Namespace) -> int:
    return _report(
        services, lambda s: s.stop(), lambda s, stopped: f"{s.name}: {'stopped' if stopped else 'was not running'}"
    )


def cmd_reset(services: list[Service], args: argparse.Namespace) -> int:
    return _report(
        services,
        lambda s: s.reset(),
        lambda s, stopped: f"{s.name}: {'stopped and ' if stopped else ''}data deleted ({s.process.directory})",
    )


def cmd_status(services: list[Service], args: argparse.Namespace) -> int:
    stopped = False
    for service in services:
        state = service.status()
        if state is None:
            stopped = True
            print(f"{service.name}: stopped")
        else:
            health = "healthy" if service.healthy() else "NOT answering"
            print(f"{service.name} {service.version}: running at {state['endpoint']} (pid {state['pid']}, since {state['started_at']}), {health}; log {state['log']}")
    return 3 if stopped else 0


def cmd_logs(services: list[Service], args: argparse.Namespace) -> int:
    for service in services:
        print(f"==> {service.process.log_file} <==")
        print(service.process.tail(args.lines))
    return 0


def cmd_env(services: list[Service], args: argparse.Namespace) -> int:
    for service in services:
        print(f"export {FIXTURE_VARIABLES[service.name]}={service.endpoint}")
    print("# settings read by the tool:", file=sys.stderr)
    for variable, meaning in ENVIRONMENT.items():
        print(f"#   {variable}: {meaning}", file=sys.stderr)
    return 0


def cmd_lock(services: list[Service], args: argparse.Namespace) -> int:
    from devservices.kafka import regenerate_lock

    if [s.name for s in services] != ["kafka"]:
        raise ServiceError("only `lock kafka` exists: each Elasticsearch is one pinned zip")
    print(f"wrote {regenerate_lock()}")
    return 0


COMMANDS = {"start": cmd_start, "stop": cmd_stop, "reset": cmd_reset, "status": cmd_status, "logs": cmd_logs, "env": cmd_env, "lock": cmd_lock}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 failure, 3 `status` found a stopped service)."""
    parser = argparse.ArgumentParser(prog="python3 -m devservices", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("service", nargs="?", default="all", help="es (9.x), es8 (8.x), kafka or all (default: the three)")
    parser.add_argument("-n", "--lines", type=int, default=40, help="lines of log for `logs` (default 40)")
    args = parser.parse_args(argv)
    try:
        services = select(args.service, Settings.from_env())
        return COMMANDS[args.command](services, args)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
