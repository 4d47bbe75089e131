"""Where a request's time goes: CPU per request of each layer of the generated service, in process.

Usage: uv run python bench/layers.py [--orm ORM ...] [--auth AUTH ...] [--compare REF [--rounds N]]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres).

bench/app.py measures the service over HTTP; this measures, without HTTP and in the project's own
environment (bench/layers_probe.py), the CPU time of: the app's routes called through ASGI; the
same item read behind the app's middleware through its `SessionDep`, and with the session opened in
the route (both without a response schema); the minimal app of bench/baselines.py (`items`, bench/
app.py's like-for-like baseline); the item read alone (`get_session` and `service.get_item`); the
token check alone (jwt); the same row fetched through a bare asyncpg pool; and, as the baseline,
bench/baselines.py's `SELECT 1` app called the same way. Each with 64 concurrent callers on uvloop.
With `--compare REF`: only the routes, of the working tree's project and of the template at REF,
in turns; CPU time moves less than throughput with the load of a shared machine.
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import machine
import served

BENCH = Path(__file__).resolve().parent


def measure(project: served.Project, *, routes_only: bool = False) -> dict[str, float]:
    command = [str(project.python), str(BENCH / "layers_probe.py"), project.package, project.orm]
    command += [project.auth, *(["--routes-only"] if routes_only else [])]
    output = served.run(command, cwd=BENCH, env=served.environment(project))
    figures: dict[str, float] = json.loads(output.splitlines()[-1])
    return figures


def report(project: served.Project, figures: dict[str, float]) -> None:
    baseline = figures.pop("baseline: the SELECT 1 app's GET /select1")
    print(f"{project.name} (PostgreSQL): CPU per request, in process, no HTTP")
    print(f"  {'the SELECT 1 app, GET /select1 (baseline)':52} {baseline:7.0f} us")
    for layer, micros in figures.items():
        print(f"  {layer:52} {micros:7.0f} us  {micros / baseline:5.1f}x the baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orm", action="append", help="only these ORMs (default: every choice)")
    parser.add_argument("--auth", action="append", help="only these (default: jwt and none)")
    parser.add_argument(
        "--compare",
        metavar="REF",
        help="instead: the routes' CPU of the template at REF against the working tree's, in turns",
    )
    parser.add_argument("--rounds", type=int, default=3, help="turns of --compare (default 3)")
    options = parser.parse_args()
    print(machine.description())
    with tempfile.TemporaryDirectory() as workdir:
        for orm in options.orm or served.orm_choices():
            for auth in options.auth or ["jwt", "none"]:
                project = served.render(Path(workdir), orm=orm, auth=auth)
                if options.compare:
                    old = served.render(Path(workdir), orm=orm, auth=auth, ref=options.compare)
                    compare(project, old, options.compare, options.rounds)
                else:
                    report(project, measure(project))


def compare(project: served.Project, old: served.Project, ref: str, rounds: int) -> None:
    """CPU per request of the routes, the working tree's against REF's, taking turns."""
    runs: dict[str, list[dict[str, float]]] = {"now": [], ref: []}
    for number in range(rounds):
        for name, which in [("now", project), (ref, old)][:: 1 if number % 2 else -1]:
            runs[name].append(measure(which, routes_only=True))
    print(
        f"{project.name} (PostgreSQL): CPU per request, in process, the working tree against {ref}"
    )
    for route in runs["now"][0]:
        now = [figures[route] for figures in runs["now"]]
        then = [figures[route] for figures in runs[ref]]
        ratios = [a / b for a, b in zip(now, then, strict=True)]
        print(
            f"  {route:22} {statistics.median(now):6.0f} us against {statistics.median(then):6.0f} us:"
            f" {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        )


if __name__ == "__main__":
    main()
