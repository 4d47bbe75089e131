"""Where a request's time goes: CPU per request of each layer of the generated service, in process.

Usage: uv run python bench/layers.py [--orm ORM ...] [--auth AUTH ...]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres).

bench/app.py measures the service over HTTP; this measures, without HTTP and in the project's own
environment (bench/layers_probe.py), the CPU time of: the app's routes called through ASGI; the
same item read behind the app's middleware through its `SessionDep`, and with the session opened in
the route (both without a response schema); the minimal app of bench/baselines.py (`items`, bench/
app.py's like-for-like baseline); the item read alone (`get_session` and `service.get_item`); the
token check alone (jwt); the same row fetched through a bare asyncpg pool; and, as the baseline,
bench/baselines.py's `SELECT 1` app called the same way. Each with 64 concurrent callers on uvloop.
"""

import argparse
import json
import tempfile
from pathlib import Path

import machine
import served

BENCH = Path(__file__).resolve().parent


def measure(project: served.Project) -> dict[str, float]:
    package = project.path.name
    command = [str(project.python), str(BENCH / "layers_probe.py"), package, project.orm]
    output = served.run([*command, project.auth], cwd=BENCH, env=served.environment(project))
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
    options = parser.parse_args()
    print(machine.description())
    with tempfile.TemporaryDirectory() as workdir:
        for orm in options.orm or served.orm_choices():
            for auth in options.auth or ["jwt", "none"]:
                project = served.render(Path(workdir), orm=orm, auth=auth)
                report(project, measure(project))


if __name__ == "__main__":
    main()
