"""Writes under load and faults: no acknowledged write lost, no stall, a clean shutdown.

Usage: uv run python bench/faults.py [--duration S] [--orm ORM ...] [--auth AUTH]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); loopback only.

For each ORM, renders the project on PostgreSQL, starts it with its Dockerfile's command (one
worker) and POSTs /items in a loop:
  (a) with wrk at 64 and at 256 connections: no request may stall (admission control and the
      pool timeout bound waiting; then 503), and no 2xx may be lost. wrk stops with requests in
      flight, whose rows are written but whose answers it never reads: rows written must be the
      2xx responses plus at most one request per connection;
  (b) with Python clients at 64 connections, every server-side connection of the service is killed mid-load
      (pg_terminate_backend): time until the next 2xx, and still rows == 2xx;
  (c) at 64 connections, SIGTERM mid-load: requests the server accepted all get their response
      (rows == 2xx), and the process exits by itself.
"""

import argparse
import asyncio
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import app
import httpx
import machine
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


def report(label: str, load: Load, rows: int, *, exact: bool, at_shutdown: bool = False) -> None:
    """`exact`: every row written was acknowledged and no request was cut off. Otherwise (faults)
    a write that committed just before its connection died may be answered 5xx: only
    acknowledged writes must exist. Any run with a stalled request fails. `at_shutdown`: a
    request sent on a keep-alive connection as the server closes it is cut off before the
    application sees it; rows == 2xx shows that none of them had written anything."""
    outcomes = ", ".join(f"{status}: {n}" for status, n in sorted(load.statuses.items()))
    lost = load.acknowledged - rows
    cut_off = sum(load.statuses[name] for name in CUT_OFF)
    stalled = load.slowest > STALL_SECONDS
    complete = rows == load.acknowledged and (at_shutdown or cut_off == 0)
    verdict = "ok" if lost <= 0 and not stalled and (not exact or complete) else "FAILED"
    print(f"  {label}")
    print(f"    responses {outcomes}; slowest request {load.slowest:.2f} s")
    print(
        f"    rows written {rows}, 2xx {load.acknowledged}, acknowledged writes lost "
        f"{max(lost, 0)}, requests cut off {cut_off}: {verdict}"
    )
    for event, delay in load.first_ack_after.items():
        print(f"    first 2xx of a request sent after {event}: {delay:.2f} s later")


def settled_rows(project: served.Project) -> int:
    """The row count once the requests still in flight have been served."""
    rows = count_rows(project)
    while True:
        time.sleep(1)
        now = count_rows(project)
        if now == rows:
            return rows
        rows = now


def report_wrk(label: str, figures: app.Figures, rows: int, connections: int) -> None:
    acknowledged = figures.requests - figures.non_2xx
    stalled = figures.max_ms / 1000 > STALL_SECONDS
    in_flight = rows - acknowledged
    exact = 0 <= in_flight <= connections and figures.socket_errors == 0
    print(f"  {label}")
    print(
        f"    responses {figures.requests} ({figures.non_2xx} non-2xx), socket errors "
        f"{figures.socket_errors}; p50 {figures.p50_ms:.0f} ms, p99 {figures.p99_ms:.0f} ms, "
        f"slowest {figures.max_ms / 1000:.2f} s"
    )
    print(
        f"    rows written {rows}, 2xx {acknowledged}, in flight at the end {in_flight}, "
        f"acknowledged writes lost {max(-in_flight, 0)}: {'ok' if exact and not stalled else 'FAILED'}"
    )


def run_project(project: served.Project, duration: float) -> None:
    print(f"{project.name} (PostgreSQL, one worker)")
    database = project.database_url.rsplit("/", 1)[1]
    with served.serve(project) as (server, base_url):
        headers = served.auth_headers(project, base_url)
        for connections in (64, 256):
            before = count_rows(project)
            figures = app.wrk(
                f"{base_url}/items",
                duration=round(duration),
                connections=connections,
                headers=headers,
                script=app.POST_SCRIPT,
                timeout=round(STALL_SECONDS * 3),
            )
            report_wrk(
                f"(a) {connections} connections, {duration:.0f} s (wrk)",
                figures,
                settled_rows(project) - before,
                connections,
            )

        def kill_connections() -> None:
            served.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            )

        def faulted_load(label: str, fault: Fault, **verdict: bool) -> None:
            before = count_rows(project)
            load = asyncio.run(write_load(base_url, headers, 64, duration, fault))
            report(label, load, count_rows(project) - before, **verdict)

        faulted_load(
            "(b) 64 connections, every database connection killed mid-load",
            Fault("the connections were killed", duration / 4, kill_connections),
            exact=False,
        )
        started = time.monotonic()
        faulted_load(
            "(c) 64 connections, SIGTERM mid-load",
            Fault("SIGTERM", duration / 4, lambda: server.send_signal(signal.SIGTERM)),
            exact=True,
            at_shutdown=True,
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
    print(machine.description() + "\n")
    with tempfile.TemporaryDirectory() as workdir:
        for orm in options.orm or served.orm_choices():
            run_project(served.render(Path(workdir), orm=orm, auth=options.auth), options.duration)


if __name__ == "__main__":
    main()
