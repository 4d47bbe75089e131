"""Garbage collection pauses of the generated service under load, with and without what startup
made frozen (`core/garbage_collection.py` in the template).

Usage: uv run python bench/gc_pauses.py [--orm ORM] [--auth AUTH] [--duration S] [--rounds N]
Needs wrk and PostgreSQL on 127.0.0.1:5432, as bench/app.py. Serves one project twice, side by
side, by its production command through bench/gc_probe.py: as the template has it, and with
`gc.freeze` doing nothing. `GET /items/{id}` is loaded on each in turns (wrk, 64 connections); then,
per server, the median requests/s and p99 latency of its loads, and its full collections: how
many, their total and their longest time.
"""

import argparse
import json
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

import app
import machine
import served

BENCH = Path(__file__).resolve().parent
SERVERS = {"frozen after startup (the template)": True, "gc.freeze doing nothing": False}


def probe_command(project: served.Project, port: int, *, freeze: bool) -> list[str]:
    python, module_flag, package, *arguments = served.production_command(project, port)
    assert (python, module_flag) == ("python", "-m"), "the CMD runs `python -m PACKAGE`"
    no_freeze = [] if freeze else ["--no-freeze"]
    return [str(project.python), str(BENCH / "gc_probe.py"), *no_freeze, package, *arguments]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orm", default="sqlalchemy", help="default: sqlalchemy")
    parser.add_argument("--auth", default="jwt", help="default: jwt")
    parser.add_argument("--duration", type=int, default=5, help="seconds per load (default 5)")
    parser.add_argument("--rounds", type=int, default=4, help="loads per server (default 4)")
    options = parser.parse_args()
    print(machine.description())
    with tempfile.TemporaryDirectory() as workdir:
        project = served.render(Path(workdir), orm=options.orm, auth=options.auth)
        env = served.environment(project)  # one secret key: a token works on both servers
        loads: dict[str, list[app.Figures]] = {label: [] for label in SERVERS}
        with ExitStack() as stack:
            urls, servers = {}, {}
            for label, freeze in SERVERS.items():
                port = served.free_port()
                command = probe_command(project, port, freeze=freeze)
                servers[label] = stack.enter_context(
                    served.serving(command, project.path, env, port)
                )
                urls[label] = f"http://127.0.0.1:{port}"
            headers = served.auth_headers(project, next(iter(urls.values())))
            item_id = served.seed_items(next(iter(urls.values())), headers, count=1)[0]
            for number in range(options.rounds):
                order = list(SERVERS) if number % 2 == 0 else list(reversed(SERVERS))
                for label in order:
                    url = f"{urls[label]}/items/{item_id}"
                    load = app.wrk(url, duration=options.duration, connections=64, headers=headers)
                    loads[label].append(load)
        print(f"{project.name} (PostgreSQL, one worker): GET /items/{{id}}, {options.rounds} loads")
        for label, server in servers.items():
            collections = json.loads(server.stderr.read().strip().splitlines()[-1])
            count, total, longest = collections["2"]
            rate = statistics.median(load.requests_per_second for load in loads[label])
            p99 = statistics.median(load.p99_ms for load in loads[label])
            print(f"  {label}: {rate:.0f} req/s, p99 {p99:.0f} ms")
            print(
                f"    full collections: {count}, {total:.0f} ms in all, the longest {longest:.1f} ms"
            )


if __name__ == "__main__":
    main()
