"""The generator's own code passes the lint, format and type checks it asks of generated projects."""

import sys

import pytest
from combinations import REPO
from conftest import run


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "--no-cache", "src", "tests", "copier_tasks", "bench"],
        ["ruff", "format", "--check", "--no-cache", "src", "tests", "copier_tasks", "bench"],
        ["mypy", "--no-incremental"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_generator_code_quality(command: list[str]) -> None:
    run([sys.executable, "-m", *command], cwd=REPO)
