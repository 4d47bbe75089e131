"""Throughput and latency of the generated service, next to baselines measured in the same run.

Usage: uv run python bench/app.py [--duration S] [--rounds N] [--connections N] [--orm ORM ...]
       [--auth AUTH ...] [--compare REF ...]
Needs wrk (Debian: `apt-get install wrk`) and PostgreSQL on 127.0.0.1:5432 (user postgres).

For each ORM on PostgreSQL, with auth=jwt and auth=none: render the project, migrate a database of
its own, start it with its Dockerfile's command (one worker), seed 100 items, and load each endpoint
with wrk on loopback. Its baselines (bench/baselines.py) are served beside it by the project's own
`serve` command (bench/serve_like.py: same protocol, limits and worker count), each a minimal
FastAPI app: for `GET /health/live`, the same JSON from memory; for the item endpoints, the same
ORM read through the same pool (the project's `open_database`, models and service; no auth,
middleware, dependencies or response schemas), and, for reference, one `SELECT 1` through an
asyncpg pool. With `--compare REF` the template at the git ref REF is rendered, seeded and served
too, and loaded in the same rounds. The endpoint and its baselines take turns, ROUNDS times each
(the project last in even rounds, first in odd ones), after one untimed second of each; each
ratio compares loads run one after the other: the machine's speed drifts over minutes, by more
than a change to the service moves it. Prints the median of the rounds' requests/s, p50 and p99
latency and their ratio, and the median ratio with the lowest and highest; then the service's
resident memory after the load, and a table of it all.
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import machine
import served

BENCH = Path(__file__).resolve().parent
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"title": "Bench", "description": "Written by bench/app.py"}'
wrk.headers["Content-Type"] = "application/json"
"""
# (label, method and path)
ENDPOINTS = [
    ("GET /health/live", "/health/live"),
    ("GET /items/{id}", "/items/{id}"),
    ("GET /items?limit=50", "/items?limit=50"),
    ("POST /items", "POST /items"),
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


@dataclass(frozen=True)
class Target:
    """A server under load: its URL, the headers of its requests, and the item id they read."""

    url: str
    headers: dict[str, str]
    item_id: int = 0

    def load(
        self, path: str, options: argparse.Namespace, script: str = "", duration: int = 0
    ) -> Figures:
        path = path.removeprefix("POST ").replace("{id}", str(self.item_id))
        load = {"duration": duration or options.duration, "connections": options.connections}
        return wrk(self.url + path, headers=self.headers, script=script, **load)


@contextmanager
def baseline(project: served.Project, app: str, **env: str) -> Iterator[str]:
    """A baseline app (bench/baselines.py) served by the project's own `serve` command."""
    port = served.free_port()
    command = served.production_command(project, port)
    options = command[command.index("serve") + 1 :]
    command = [str(project.python), str(BENCH / "serve_like.py"), project.package, app, *options]
    environment = served.environment(project, BENCH_PACKAGE=project.package, **env)
    probe = {"memory": "/health/live", "select1": "/select1"}.get(app.split(":")[1], "/items")
    with served.serving(command, project.path, environment, port, probe):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def seeded(project: served.Project) -> Iterator[tuple[subprocess.Popen[str], Target]]:
    """The project served, with a principal and 100 items of its own."""
    with served.serve(project) as (server, url):
        headers = served.auth_headers(project, url)
        item_id = served.seed_items(url, headers, count=100)[0]
        yield server, Target(url, headers, item_id)


def interleaved(loads: dict[str, Callable[..., Figures]], rounds: int) -> dict[str, list[Figures]]:
    """Each load once per round, one after the other; the first (the project) last in even rounds,
    first in odd ones, so that no load always follows the same one. One untimed second of each
    first warms every server's path (connections, query caches)."""
    for warm_up in loads.values():
        warm_up(duration=1)
    runs: dict[str, list[Figures]] = {name: [] for name in loads}
    for number in range(rounds):
        order = list(loads)[::-1] if number % 2 == 0 else list(loads)
        for name in order:
            runs[name].append(loads[name]())
    return runs


def ratios(runs: dict[str, list[Figures]], of: str, to: str) -> list[float]:
    return [
        mine.requests_per_second / theirs.requests_per_second
        for mine, theirs in zip(runs[of], runs[to], strict=True)
    ]


def ratio_text(values: list[float], target: float | None = None) -> str:
    text = f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"
    if target is not None:
        text += f", target {target}x: " + (
            "met" if statistics.median(values) >= target else "MISSED"
        )
    return text


def owner_id(project: served.Project) -> str:
    """The owner of the seeded items, where items have owners (the baseline reads their page)."""
    if project.auth == "none":
        return "0"
    database = project.database_url.rsplit("/", 1)[1]
    return served.psql("SELECT min(owner_id) FROM items", database=database).strip()


def same_json(target: Target, baseline_url: str, path: str) -> bool:
    path = path.replace("{id}", str(target.item_id))
    mine = httpx.get(target.url + path, headers=target.headers)
    theirs = httpx.get(baseline_url + path)
    return bool(mine.json() == theirs.json())


def measure_project(
    project: served.Project, before: dict[str, served.Project], options: argparse.Namespace
) -> list[str]:
    """Print the project's figures; return its row of the summary table."""
    print(f"{project.name} (PostgreSQL, one worker)")
    with ExitStack() as stack:
        server, target = stack.enter_context(seeded(project))
        others = {ref: stack.enter_context(seeded(old))[1] for ref, old in before.items()}
        memory = Target(stack.enter_context(baseline(project, "baselines:memory")), {})
        select1 = Target(stack.enter_context(baseline(project, "baselines:select1")), {})
        owner = owner_id(project)
        items_url = stack.enter_context(baseline(project, "baselines:items", BENCH_OWNER_ID=owner))
        orm_read = Target(items_url, {}, target.item_id)
        for path in ("/items/{id}", "/items?limit=50"):
            if not same_json(target, items_url, path):
                print(f"  WARNING: the ORM baseline's {path} differs from the project's")
        row = [project.name]
        for label, path in ENDPOINTS:
            if path.startswith("POST "):  # no baseline: one load
                figures = target.load(path, options, POST_SCRIPT)
                print(figures.row(label))
                row.append(f"{figures.requests_per_second:,.0f}")
                continue
            loads = {"project": partial(target.load, path, options)}
            if path == "/health/live":
                loads["memory"] = partial(memory.load, path, options)
            else:
                loads["orm"] = partial(orm_read.load, path, options)
                loads["select1"] = partial(select1.load, "/select1", options)
            for ref, other in others.items():
                loads[ref] = partial(other.load, path, options)
            runs = interleaved(loads, options.rounds)
            for name, name_runs in runs.items():
                if name != "project":
                    print(median_figures(name_runs).row(f"  ({name})"))
            figures = median_figures(runs["project"])
            tail = figures.p99_ms / figures.p50_ms
            print(
                figures.row(label)
                + f"  p99/p50 {tail:.1f} (target 3): "
                + ("met" if tail <= 3 else "MISSED")
            )
            cell = f"{figures.requests_per_second:,.0f}; "
            if path == "/health/live":
                text = ratio_text(ratios(runs, "project", "memory"), 0.8)
                print(f"    against the in-memory app: {text}")
                cell += text.split(",")[0] + " of memory"
            else:
                text = ratio_text(ratios(runs, "project", "orm"), 0.85)
                print(f"    against the same ORM read, no layers: {text}")
                reference = ratio_text(ratios(runs, "project", "select1"))
                print(f"    against SELECT 1 (reference): {reference}")
                cell += f"{text.split(',')[0]} of ORM; {reference} of SELECT 1"
            cell += f"; p50 {figures.p50_ms:.0f}, p99 {figures.p99_ms:.0f} ms"
            for ref in others:
                text = ratio_text(ratios(runs, "project", ref))
                print(f"    against the template at {ref}: {text}")
                cell += f"; {text} of {ref}"
            refs = list(others)
            for ref in refs[1:]:  # a change between two commits: each later ref against the first
                text = ratio_text(ratios(runs, ref, refs[0]))
                print(f"    the template at {ref} against {refs[0]}: {text}")
            row.append(cell)
        memory_mib = served.resident_memory_mib(server.pid)
        print(f"  resident memory after the load: {memory_mib:.0f} MiB")
        row.append(f"{memory_mib:.0f} MiB")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per load (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="loads per endpoint and baseline")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--orm", action="append", help="only these ORMs (default: every choice)")
    parser.add_argument("--auth", action="append", help="only these (default: jwt and none)")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="REF",
        help="also serve the template at this git ref, in the same rounds (repeatable)",
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    print(machine.description())
    print(
        f"wrk: 1 thread, {options.connections} connections, {options.duration} s per load, "
        f"{options.rounds} interleaved rounds of the endpoint and its baselines\n"
    )
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for orm in options.orm or served.orm_choices():
            for auth in options.auth or ["jwt", "none"]:
                project = served.render(Path(workdir), orm=orm, auth=auth)
                before = {
                    ref: served.render(Path(workdir), orm=orm, auth=auth, ref=ref)
                    for ref in options.compare
                }
                rows.append(measure_project(project, before, options))
                shutil.rmtree(project.path)
                for old in before.values():
                    shutil.rmtree(old.path)
    print(f"\n{machine.load()}\n")
    header = ["project", *(label for label, _ in ENDPOINTS), "RSS after"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
