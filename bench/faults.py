"""Writes under load and faults: no acknowledged write lost, no stall, a clean shutdown.

Usage: uv run python bench/faults.py [--duration S] [--orm ORM ...] [--auth AUTH]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); loopback only.

For each ORM, renders the project on PostgreSQL, starts it with its Dockerfile's command (one
worker) and runs clients that each POST /items in a loop:
  (a) at 64 and at 256 connections: rows written must equal the 2xx responses; the slowest
      request shows whether anything stalled (the pool timeout bounds waiting; then 503);
  (b) at 64 connections, every server-side connection of the service is killed mid-load
      (pg_terminate_backend): time until the next 2xx, and still rows == 2xx;
  (c) at 64 connections, SIGTERM mid-load: requests the server accepted all get their response
      (rows == 2xx), and the process exits by itself.
"""

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import served

BODY = {"title": "Fault", "description": "Written by bench/faults.py"}


@dataclass
class Load:
    """What the clients saw."""

    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    slowest: float = 0.0
    first_ack_after: dict[str, float] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)

    def mark(self, event: str) -> None:
        self.marks[event] = time.monotonic()

    def record(self, outcome: str, started: float) -> None:
        now = time.monotonic()
        self.statuses[outcome] += 1
        self.slowest = max(self.slowest, now - started)
        if outcome == "201":
            self.acknowledged += 1
            for event, at in self.marks.items():
                if started > at and event not in self.first_ack_after:
                    self.first_ack_after[event] = now - at


async def client_loop(
    client: httpx.AsyncClient, headers: dict[str, str], load: Load, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            response = await client.post("/items", json=BODY, headers=headers)
            load.record(str(response.status_code), started)
        except httpx.ConnectError:
            load.record("connection refused", started)
            await asyncio.sleep(0.05)
        except httpx.TransportError as error:
            load.record(type(error).__name__, started)


async def write_load(
    base_url: str,
    headers: dict[str, str],
    connections: int,
    duration: float,
    fault: "Fault | None" = None,
) -> Load:
    load, stop = Load(), asyncio.Event()
    # Idle connections expire before the server's keep-alive timeout (5 s), so that the client
    # never sends on one the server is closing (that race would look like a request cut off).
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=1.0
    )
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        clients = [
            asyncio.create_task(client_loop(client, headers, load, stop))
            for _ in range(connections)
        ]
        if fault is not None:
            await asyncio.sleep(fault.after)
            load.mark(fault.name)
            await asyncio.to_thread(fault.action)
            await asyncio.sleep(duration - fault.after)
        else:
            await asyncio.sleep(duration)
        stop.set()  # every client finishes the request it has in flight
        await asyncio.gather(*clients)
    return load


@dataclass
class Fault:
    name: str
    after: float
    action: Callable[[], object]


def count_rows(project: served.Project) -> int:
    return int(
        served.psql("SELECT count(*) FROM items", database=project.database_url.rsplit("/", 1)[1])
    )


CUT_OFF = ("ReadError", "RemoteProtocolError", "ReadTimeout")
# A request slower than this stalled: the pool timeout (3 s) and load shedding should bound it.
STALL_SECONDS = 10.0


def report(label: str, load: Load, rows: int, *, exact: bool) -> None:
    """`exact`: every row written was acknowledged and no request was cut off. Otherwise (faults)
    a write that committed just before its connection died may be answered 5xx: only
    acknowledged writes must exist. Any run with a stalled request fails."""
    outcomes = ", ".join(f"{status}: {n}" for status, n in sorted(load.statuses.items()))
    lost = load.acknowledged - rows
    cut_off = sum(load.statuses[name] for name in CUT_OFF)
    stalled = load.slowest > STALL_SECONDS
    complete = rows == load.acknowledged and cut_off == 0
    verdict = "ok" if lost <= 0 and not stalled and (not exact or complete) else "FAILED"
    print(f"  {label}")
    print(f"    responses {outcomes}; slowest request {load.slowest:.2f} s")
    print(
        f"    rows written {rows}, 2xx {load.acknowledged}, acknowledged writes lost "
        f"{max(lost, 0)}, requests cut off {cut_off}: {verdict}"
    )
    for event, delay in load.first_ack_after.items():
        print(f"    first 2xx of a request sent after {event}: {delay:.2f} s later")


def run_project(project: served.Project, duration: float) -> None:
    print(f"{project.name} (PostgreSQL, one worker)")
    database = project.database_url.rsplit("/", 1)[1]
    with served.serve(project) as (server, base_url):
        headers = served.auth_headers(project, base_url)
        for connections in (64, 256):
            before = count_rows(project)
            load = asyncio.run(write_load(base_url, headers, connections, duration))
            report(
                f"(a) {connections} connections, {duration:.0f} s",
                load,
                count_rows(project) - before,
                exact=True,
            )

        def kill_connections() -> None:
            served.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            )

        before = count_rows(project)
        fault = Fault("the connections were killed", duration / 4, kill_connections)
        load = asyncio.run(write_load(base_url, headers, 64, duration, fault))
        report(
            "(b) 64 connections, every database connection killed mid-load",
            load,
            count_rows(project) - before,
            exact=False,
        )

        before = count_rows(project)
        fault = Fault("SIGTERM", duration / 4, lambda: server.send_signal(signal.SIGTERM))
        started = time.monotonic()
        load = asyncio.run(write_load(base_url, headers, 64, duration, fault))
        report(
            "(c) 64 connections, SIGTERM mid-load", load, count_rows(project) - before, exact=True
        )
        try:
            server.wait(timeout=60)
            print(
                f"    the server exited by itself ({server.returncode}) within {time.monotonic() - started:.1f} s of the load's start"
            )
        except subprocess.TimeoutExpired:
            print("    THE SERVER DID NOT EXIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds per load (default 20)")
    parser.add_argument("--orm", action="append", help="only these ORMs (default: every choice)")
    parser.add_argument("--auth", default="none", help="auth choice (default none)")
    options = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    with tempfile.TemporaryDirectory() as workdir:
        for orm in options.orm or served.orm_choices():
            run_project(served.render(Path(workdir), orm=orm, auth=options.auth), options.duration)


if __name__ == "__main__":
    main()
