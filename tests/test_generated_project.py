"""Test tier: install each rendered project with uv and run its own tests, lint, types and migrations."""

from collections.abc import Callable
from pathlib import Path

import pytest
from combinations import Combination, every_combination
from conftest import run

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("combination", list(every_combination()))
def test_generated_project_passes_its_own_checks(
    combination: Combination, render: Callable[[Combination], Path]
) -> None:
    project = render(combination)
    run(["uv", "sync", "--quiet"], cwd=project)
    tests = run(["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    assert " passed" in tests and " failed" not in tests, tests
    run(["uv", "run", "--no-sync", "ruff", "check", "."], cwd=project)
    run(["uv", "run", "--no-sync", "ruff", "format", "--check", "."], cwd=project)
    run(["uv", "run", "--no-sync", "mypy"], cwd=project)
    run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=project)
    run(["uv", "run", "--no-sync", "alembic", "check"], cwd=project)
