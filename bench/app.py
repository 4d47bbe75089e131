"""Throughput and latency of the generated service, next to two baselines measured in the same run.

Usage: uv run python bench/app.py [--duration S] [--rounds N] [--connections N] [--orm ORM ...]
       [--auth AUTH ...]
Needs wrk (Debian: `apt-get install wrk`) and PostgreSQL on 127.0.0.1:5432 (user postgres).

For each ORM on PostgreSQL, with auth=jwt and auth=none: render the project, migrate a database of
its own, start it with its Dockerfile's command (one worker), seed 100 items, and load each endpoint
with wrk on loopback. Its baseline is served beside it the same way: for `GET /health/live`, a
FastAPI app answering the same JSON from memory; for the item endpoints, a FastAPI app running one
`SELECT 1` through an asyncpg pool (bench/baselines.py). The endpoint and its baseline take turns,
ROUNDS times each (baseline first in even rounds, last in odd ones), and each ratio compares two
loads run one after the other: the machine's speed drifts over minutes, by more than a change to
the service moves it. Prints the median of the rounds' requests/s, p50 and p99 latency, and the
median ratio with the lowest and highest; then the service's resident memory after the load.
"""

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import machine
import served

BENCH = Path(__file__).resolve().parent
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"title": "Bench", "description": "Written by bench/app.py"}'
wrk.headers["Content-Type"] = "application/json"
"""
# (label, method and path, baseline, target ratio)
ENDPOINTS = [
    ("GET /health/live", "/health/live", "memory", 0.8),
    ("GET /items/{id}", "/items/{id}", "select1", 0.5),
    ("GET /items?limit=50", "/items?limit=50", "select1", 0.25),
    ("POST /items", "POST /items", "select1", None),
]


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    failed: int  # non-2xx responses and socket errors
    requests: int = 0  # responses received
    non_2xx: int = 0
    socket_errors: int = 0
    max_ms: float = 0.0

    def row(self, label: str) -> str:
        line = (
            f"  {label:22} {self.requests_per_second:9.0f} req/s"
            f"  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms"
        )
        return line + (f"  FAILED {self.failed}" if self.failed else "")


def median_figures(runs: list[Figures]) -> Figures:
    """The median of each figure over the runs, and every failure of any of them."""
    return Figures(
        statistics.median(run.requests_per_second for run in runs),
        statistics.median(run.p50_ms for run in runs),
        statistics.median(run.p99_ms for run in runs),
        sum(run.failed for run in runs),
    )


def ratio_column(ratios: list[float], target: float) -> str:
    median = statistics.median(ratios)
    verdict = "met" if median >= target else "MISSED"
    spread = f" ({min(ratios):.2f}-{max(ratios):.2f})" if len(ratios) > 1 else ""
    return f"  {median:5.2f}x baseline{spread}, target {target}x: {verdict}"


def wrk(
    url: str,
    *,
    duration: int,
    connections: int,
    headers: dict[str, str],
    script: str = "",
    timeout: int = 10,
) -> Figures:
    """Load `url` with wrk; a request unanswered after `timeout` seconds counts as a socket error."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["--timeout", f"{timeout}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        output = served.run([*command, "-s", lua.name, url], cwd=BENCH)
    return parse_wrk(output)


def parse_wrk(output: str) -> Figures:
    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        assert match, output
        return float(match[1]) * UNITS[match[2]]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    assert rate, output
    requests = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    assert requests, output
    slowest = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\s", output, re.MULTILINE)
    assert slowest, output
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    refused = int(non_2xx[1]) if non_2xx else 0
    socket_errors = sum(int(n) for n in errors.groups()) if errors else 0
    return Figures(
        float(rate[1]),
        latency("50"),
        latency("99"),
        refused + socket_errors,
        requests=int(requests[1]),
        non_2xx=refused,
        socket_errors=socket_errors,
        max_ms=float(slowest[1]) * UNITS[slowest[2]],
    )


@contextmanager
def baseline(project: served.Project, app: str) -> Iterator[str]:
    port = served.free_port()
    command = [str(project.python), "-m", "uvicorn", f"baselines:{app}", "--app-dir", str(BENCH)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-server-header"]
    env = served.environment(project)
    probe = "/health/live" if app == "memory" else "/select1"
    with served.serving(command, BENCH, env, port, probe):
        yield f"http://127.0.0.1:{port}"


BASELINE_PATHS = {"memory": "/health/live", "select1": "/select1"}


def paired_loads(
    load: Callable[[], Figures], load_baseline: Callable[[], Figures], rounds: int
) -> tuple[list[Figures], list[float]]:
    """The endpoint's figures of each round, and its ratio to the baseline loaded next to it."""
    runs, ratios = [], []
    for number in range(rounds):
        if number % 2 == 0:
            base = load_baseline()
            figures = load()
        else:
            figures = load()
            base = load_baseline()
        runs.append(figures)
        ratios.append(figures.requests_per_second / base.requests_per_second)
    return runs, ratios


def measure_project(project: served.Project, options: argparse.Namespace) -> None:
    print(f"{project.name} (PostgreSQL, one worker)")
    load = {"duration": options.duration, "connections": options.connections}
    with (
        baseline(project, "memory") as memory_url,
        baseline(project, "select1") as select1_url,
        served.serve(project) as (server, base_url),
    ):
        baseline_urls = {"memory": memory_url, "select1": select1_url}
        headers = served.auth_headers(project, base_url)
        item_id = served.seed_items(base_url, headers, count=100)[0]
        for label, target_path, base, target in ENDPOINTS:
            post = target_path.startswith("POST ")
            path = target_path.removeprefix("POST ").replace("{id}", str(item_id))
            script = POST_SCRIPT if post else ""

            def endpoint(path: str = path, script: str = script) -> Figures:
                return wrk(base_url + path, headers=headers, script=script, **load)

            if target is None:  # no baseline to compare with: one load
                print(endpoint().row(label))
                continue

            def baseline_load(base: str = base) -> Figures:
                return wrk(baseline_urls[base] + BASELINE_PATHS[base], headers={}, **load)

            runs, ratios = paired_loads(endpoint, baseline_load, options.rounds)
            print(median_figures(runs).row(label) + ratio_column(ratios, target))
        print(f"  resident memory after the load: {served.resident_memory_mib(server.pid):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per load (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="loads per endpoint and baseline")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--orm", action="append", help="only these ORMs (default: every choice)")
    parser.add_argument("--auth", action="append", help="only these (default: jwt and none)")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    print(machine.description())
    print(
        f"wrk: 1 thread, {options.connections} connections, {options.duration} s per load, "
        f"{options.rounds} rounds of the endpoint and its baseline\n"
    )
    with tempfile.TemporaryDirectory() as workdir:
        projects = [
            served.render(Path(workdir), orm=orm, auth=auth)
            for orm in options.orm or served.orm_choices()
            for auth in options.auth or ["jwt", "none"]
        ]
        for project in projects:
            measure_project(project, options)


if __name__ == "__main__":
    main()
