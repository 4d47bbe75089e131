"""Wall time of the generator's test suite: each CI tier and the whole run.

Usage: uv run python bench/suite.py [--part PART ...] [--repeat N]
Runs each part with the same pytest options as CI (both cores via pytest-xdist) and prints the
median wall time, the combination counts, and the machine it ran on. Warm uv cache assumed: run
`uv run pytest -m slow` once first when the cache is cold.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import machine

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from fastapi_starter import matrix, questions  # noqa: E402

PARTS = {
    "render tier": ["-m", "not slow", "tests/test_render.py", "tests/test_ship_files.py"],
    "test tier": [
        *("-m", "slow", "tests/test_generated_project.py", "tests/test_schemas.py"),
        "tests/test_ship_files.py",
    ],
    "container tier": ["-m", "container"],
    "fuzz tier": ["tests/test_fuzz.py"],
    "new-flow": ["tests/test_new_flow.py"],
    "update": ["tests/test_update.py"],
    "whole suite": [],
}


def wall_time(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per part (median shown)")
    parser.add_argument("--part", choices=list(PARTS), action="append", help="only these parts")
    options = parser.parse_args()

    all_questions = questions.load(REPO / "copier.yml")
    render, _ = matrix.split(all_questions, tier="render")
    test, _ = matrix.split(all_questions, tier="test")
    print(machine.description())
    print(f"combinations: render tier {len(render)}, test tier {len(test)}")
    for name in options.part or list(PARTS):
        times = [wall_time(PARTS[name]) for _ in range(options.repeat)]
        print(f"{name:14} {statistics.median(times):7.1f} s  (median of {len(times)})")


if __name__ == "__main__":
    main()
