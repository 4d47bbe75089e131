"""Speed of the generator's command line, next to plain `copier copy` measured in the same run.

Usage: uv run python bench/cli.py [--repeat N] [--skip-green] [--compare REF] [--skip-update]
Prints the median wall time of:
- `fastapi-starter --help` (target: under 0.15 s, without importing copier),
- `fastapi-starter new --defaults --no-install --no-git` into a fresh directory, and `copier copy
  --trust --defaults` of the same answers (the baseline), taking turns, and their ratio (target:
  1.05 or less); the same with the first git commit (`new --no-install` against `copier copy` then
  `git init`, `git add --all`, `git commit`),
- new to the first 2xx: `new` with its install, migrations and first commit, then the app started
  (uvicorn) and one request answered 2xx (target: under 10 s),
- from nothing to a green test run: `new`, `uv sync`, `uv run pytest` (target: under 10 s), with
  the time of each of the three steps; with `--compare REF`, also of the template at the git ref
  REF (rendered by `copier copy --vcs-ref REF`), the two runs taking turns, so that a change to
  the template is measured against what it changes in the same minutes of a noisy machine;
- `fastapi-starter update` with nothing to do (target: under 3 s), and plain `copier update
  --trust --defaults` of the same project (the baseline), taking turns.

Every figure follows one untimed run, which warms uv's cache and the bytecode of the generator's own
environment. Python writes bytecode as on a developer's machine, even where PYTHONDONTWRITEBYTECODE
is set: a fresh project's first test run still compiles what it imports.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import machine

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STARTER = str(BIN / "fastapi-starter")
COPIER = str(BIN / "copier")
# The uv of the dev dependencies, whatever else is on PATH.
UV = str(BIN / "uv")


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
GREEN_STEPS = ("new", "uv sync", "pytest")


def run(command: list[str], cwd: Path) -> None:
    subprocess.run(
        command, cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def median_time(step: Callable[[Path], None], repeat: int) -> float:
    """Median wall time of `step` after one untimed run, each run in a fresh, empty directory."""
    times = []
    for run_number in range(repeat + 1):
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            step(Path(scratch))
            if run_number:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def show_help(_: Path) -> None:
    run([STARTER, "--help"], cwd=REPO)


def new_project(scratch: Path) -> None:
    run([STARTER, "new", "project", "--defaults", "--no-install", "--no-git"], cwd=scratch)


def new_project_with_git(scratch: Path) -> None:
    run([STARTER, "new", "project", "--defaults", "--no-install"], cwd=scratch)


def copier_copy(scratch: Path, ref: str | None = None) -> None:
    """`copier copy` of the same answers, of the working tree or of the template at `ref`."""
    at_ref = [] if ref is None else ["--vcs-ref", ref]
    command = [COPIER, "copy", "--quiet", "--trust", "--defaults", *at_ref, str(REPO), "project"]
    run(command, cwd=scratch)


def copier_copy_and_commit(scratch: Path) -> None:
    """`copier copy`, then the first commit that `new` makes, by hand."""
    copier_copy(scratch)
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for command in (
        ["git", "init", "--quiet"],
        ["git", "add", "--all"],
        ["git", *identity, "commit", "--quiet", "--no-verify", "-m", "New project"],
    ):
        run(command, cwd=scratch / "project")


def new_project_at(clone: Path) -> Callable[[Path], None]:
    """`new --defaults --no-install --no-git` of the generator (and its template) in `clone`."""

    def new(scratch: Path) -> None:
        command = [sys.executable, "-c", "from fastapi_starter.cli import main; main()"]
        command += ["new", "project", "--defaults", "--no-install", "--no-git"]
        env = {**ENV, "PYTHONPATH": str(clone / "src")}
        subprocess.run(command, cwd=scratch, env=env, check=True, stdout=subprocess.DEVNULL)

    return new


def interleaved_times(
    steps: dict[str, Callable[[Path], None]], repeat: int
) -> dict[str, list[float]]:
    """The wall times of each step, taking turns in every round (the first round untimed), each
    run in a fresh, empty directory."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for run_number in range(repeat + 1):
        order = list(steps) if run_number % 2 else list(steps)[::-1]
        for name in order:
            with tempfile.TemporaryDirectory() as scratch:
                start = time.perf_counter()
                steps[name](Path(scratch))
                if run_number:
                    times[name].append(time.perf_counter() - start)
    return times


def ratio_text(mine: list[float], theirs: list[float]) -> str:
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def new_to_green(scratch: Path, ref: str | None = None) -> list[float]:
    """The wall time of each of GREEN_STEPS, of the working tree or of the template at `ref`."""
    project = scratch / "project"
    steps = [
        lambda: new_project(scratch) if ref is None else copier_copy(scratch, ref),
        lambda: run([UV, "sync", "--quiet"], cwd=project),
        lambda: run([UV, "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], project),
    ]
    times = []
    for step in steps:
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def median_green_times(repeat: int, refs: list[str | None]) -> dict[str | None, list[float]]:
    """Per ref (None: the working tree), the median time from nothing to green and of each
    step, after one untimed run; the refs take turns in every round."""
    runs: dict[str | None, list[list[float]]] = {ref: [] for ref in refs}
    for run_number in range(repeat + 1):
        for ref in refs:
            with tempfile.TemporaryDirectory() as scratch:
                times = new_to_green(Path(scratch), ref)
            if run_number:
                runs[ref].append(times)
    return {
        ref: [statistics.median(map(sum, times)), *map(statistics.median, zip(*times, strict=True))]
        for ref, times in runs.items()
    }


def noop_update_times(repeat: int) -> tuple[float, float]:
    """Median times of a no-op `fastapi-starter update` and `copier update` of one project, after
    one untimed run of each; the project is at the latest tag of a clone of the committed template."""
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        template, project = scratch / "template", scratch / "project"
        run(["git", "clone", "--quiet", str(REPO), str(template)], cwd=scratch)
        run(["git", "tag", "v1.0.0"], cwd=template)
        copy = [COPIER, "copy", "--quiet", "--trust", "--defaults", str(template), str(project)]
        run(copy, cwd=scratch)
        identity = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        run(["git", "init", "--quiet"], cwd=project)
        run(["git", "add", "--all"], cwd=project)
        run(["git", *identity, "commit", "--quiet", "--no-verify", "-m", "New"], cwd=project)
        commands = {
            "starter": [STARTER, "update", str(project)],
            "copier": [COPIER, "update", "--quiet", "--trust", "--defaults"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for run_number in range(repeat + 1):
            for name, command in commands.items():
                start = time.perf_counter()
                run(command, cwd=project)
                if run_number:
                    times[name].append(time.perf_counter() - start)
                run(["git", "reset", "--quiet", "--hard"], cwd=project)  # what copier touched
        return statistics.median(times["starter"]), statistics.median(times["copier"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_to_first_2xx(scratch: Path) -> None:
    """`new` (render, uv sync, migrations, git), then the app started and one request answered."""
    run([STARTER, "new", "project", "--defaults", "--auth", "none"], cwd=scratch)
    port = free_port()
    server = subprocess.Popen(
        [UV, "run", "--no-sync", "uvicorn", "project.main:app", "--port", str(port)],
        cwd=scratch / "project", env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/items", timeout=5) as answer:
                    if 200 <= answer.status < 300:
                        return
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("the app stopped") from None
                time.sleep(0.05)
    finally:
        server.terminate()
        server.wait()


def copier_imported_by_help() -> bool:
    probe = (
        "import sys\n"
        "from fastapi_starter.cli import main\n"
        "sys.argv = ['fastapi-starter', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(any(m.split('.')[0] == 'copier' for m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    return result.stderr.strip().endswith("True")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median shown)")
    parser.add_argument("--skip-green", action="store_true", help="skip the new-to-green figure")
    parser.add_argument("--compare", metavar="REF", help="also time new-to-green at this git ref")
    parser.add_argument("--skip-update", action="store_true", help="skip the no-op update figure")
    parser.add_argument(
        "--compare-cli", metavar="REF", help="also time `new` of the generator at this git ref"
    )
    options = parser.parse_args()

    print(machine.description())
    help_time = median_time(show_help, options.repeat)
    print(f"fastapi-starter --help          {help_time:6.2f} s  (target < 0.15 s)")
    print(f"  imports copier: {copier_imported_by_help()}")
    steps = {
        "new": new_project,
        "copier": copier_copy,
        "new, git": new_project_with_git,
        "copier, git": copier_copy_and_commit,
    }
    with tempfile.TemporaryDirectory() as clone_dir:
        if options.compare_cli:
            clone = Path(clone_dir) / "clone"
            run(["git", "clone", "--quiet", str(REPO), str(clone)], cwd=REPO)
            run(["git", "checkout", "--quiet", options.compare_cli], cwd=clone)
            steps["new at ref"] = new_project_at(clone)
        renders = interleaved_times(steps, options.repeat)
    new_time, copy_time = (statistics.median(renders[name]) for name in ("new", "copier"))
    print(f"fastapi-starter new --defaults --no-install --no-git  {new_time:6.2f} s")
    print(f"copier copy --trust --defaults (baseline)             {copy_time:6.2f} s")
    print(f"  ratio (median of the rounds, range): {ratio_text(renders['new'], renders['copier'])}")
    new_git, copy_git = (statistics.median(renders[name]) for name in ("new, git", "copier, git"))
    print(f"fastapi-starter new --defaults --no-install           {new_git:6.2f} s")
    print(f"copier copy, then git init, add, commit (baseline)    {copy_git:6.2f} s")
    print(f"  ratio: {ratio_text(renders['new, git'], renders['copier, git'])}")
    if options.compare_cli:
        at_ref = statistics.median(renders["new at ref"])
        print(f"the same `new` at {options.compare_cli:34} {at_ref:6.2f} s")
        print(f"  ratio to copier copy: {ratio_text(renders['new at ref'], renders['copier'])}")
    if not options.skip_update:
        update_time, copier_update_time = noop_update_times(options.repeat)
        print(f"fastapi-starter update (no-op)  {update_time:6.2f} s  (target < 3 s)")
        print(f"copier update (no-op)           {copier_update_time:6.2f} s  (baseline)")
    first_2xx = median_time(new_to_first_2xx, max(1, options.repeat // 2))
    print(f"new to the first 2xx            {first_2xx:6.2f} s  (target < 10 s)")
    if not options.skip_green:
        refs = [None] if options.compare is None else [None, options.compare]
        greens = median_green_times(max(1, options.repeat // 2), refs)
        for ref, (green_time, *step_times) in greens.items():
            label = "new + uv sync + pytest" if ref is None else f"the same at {ref}"
            print(f"{label:31} {green_time:6.2f} s  (target < 10 s)")
            parts = ", ".join(
                f"{name} {seconds:.2f} s"
                for name, seconds in zip(GREEN_STEPS, step_times, strict=True)
            )
            print(f"  of which (medians): {parts}")


if __name__ == "__main__":
    main()
