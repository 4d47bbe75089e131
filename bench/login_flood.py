"""A login flood against a served jwt project, and what it does to a logged-in user's reads.

`uv run python bench/login_flood.py [--seconds S] [--flooders N]` renders the jwt project on
PostgreSQL, serves it with its production command (one worker, throttling set out of reach so that
every login is hashed: a flood from many addresses), and measures the latency of an authenticated
`GET /items`, one request at a time, first with no other load, then while N clients post logins
as fast as they can, with PASSWORD_HASHING_CONCURRENCY at its default and at N (hashing as
unbounded as the thread pool lets it be). It prints p50 and p99 of each, and the server's memory.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import served

FLOOD = """
import asyncio, sys, time
import httpx

async def flood(base_url, email, until):
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        while time.monotonic() < until:
            await client.post("/auth/token", data={"username": email, "password": "wrong"})

async def main(base_url, email, flooders, seconds):
    until = time.monotonic() + float(seconds)
    await asyncio.gather(*(flood(base_url, email, until) for _ in range(int(flooders))))

asyncio.run(main(*sys.argv[1:]))
"""


def latencies(base_url: str, headers: dict[str, str], seconds: float) -> tuple[list[float], int]:
    """The latencies of the answered requests, and how many were not answered 200."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        timings, failures = [], 0
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            start = time.perf_counter()
            try:
                answered = client.get("/items").status_code == 200
            except httpx.TransportError:  # the server is gone (e.g. out of memory)
                answered = False
                time.sleep(0.1)
            if answered:
                timings.append(time.perf_counter() - start)
            else:
                failures += 1
    return timings, failures


@contextmanager
def flooding(
    project: served.Project, base_url: str, flooders: int, seconds: float
) -> Iterator[None]:
    """Wrong passwords for one registered user, from `flooders` clients, in a process of its own."""
    command = [str(project.python), "-c", FLOOD, base_url, "flood@example.com"]
    flood = subprocess.Popen([*command, str(flooders), str(seconds)])
    try:
        time.sleep(1)  # the flood under way before the first measured request
        yield
    finally:
        flood.wait(timeout=seconds + 60)


def percentile(timings: list[float], fraction: float) -> float:
    return sorted(timings)[min(len(timings) - 1, int(len(timings) * fraction))] * 1000


def peak_memory(pid: int, stop: threading.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        try:
            peaks.append(served.resident_memory_mib(pid))
        except FileNotFoundError:  # the server is gone
            return
        time.sleep(0.1)


def measure(project: served.Project, concurrency: str, options: argparse.Namespace) -> None:
    limits = {
        "RATE_LIMIT_PER_ADDRESS": "1000000/minute",
        "RATE_LIMIT_PER_ACCOUNT": "1000000/minute",
    }
    with served.serve(project, PASSWORD_HASHING_CONCURRENCY=concurrency, **limits) as (server, url):
        headers = served.auth_headers(project, url)
        # The registered flood victim: logins hash a real password hash, as an attack on one does.
        httpx.post(f"{url}/users", json={"email": "flood@example.com", "password": "x" * 12})
        quiet = latencies(url, headers, options.seconds)
        peaks: list[float] = []
        stop = threading.Event()
        watcher = threading.Thread(target=peak_memory, args=(server.pid, stop, peaks))
        watcher.start()
        with flooding(project, url, options.flooders, options.seconds + 2):
            loaded = latencies(url, headers, options.seconds)
        stop.set()
        watcher.join()
    for label, (timings, failures) in [
        ("no flood", quiet),
        (f"{options.flooders} flooding", loaded),
    ]:
        figures = "no request answered"
        if timings:
            figures = (
                f"p50 {statistics.median(timings) * 1000:7.1f} ms, "
                f"p99 {percentile(timings, 0.99):7.1f} ms"
            )
        print(
            f"hashing concurrency {concurrency:>3}, {label:>12}: GET /items {figures} "
            f"({len(timings)} answered 200, {failures} not)"
        )
    print(f"  peak server memory during the flood: {max(peaks, default=0):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--flooders", type=int, default=64)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        project = served.render(Path(workdir), orm="sqlalchemy", auth="jwt")
        for concurrency in ["2", str(options.flooders)]:
            measure(project, concurrency, options)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
