"""Test tier: install each rendered project with uv and run its own tests, lint, types and migrations."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run

from fastapi_starter.matrix import Combination

pytestmark = pytest.mark.slow


def test_generated_project_passes_its_own_checks(
    test_combination: Combination, render: Callable[[Combination], Path], tmp_path: Path
) -> None:
    # A copy: installing and testing leave files (.venv, caches) the render checks must not see.
    project = Path(shutil.copytree(render(test_combination), tmp_path / "project"))
    run(["uv", "sync", "--quiet"], cwd=project)
    tests = run(["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    assert " passed" in tests and " failed" not in tests, tests
    run(["uv", "run", "--no-sync", "ruff", "check", "."], cwd=project)
    run(["uv", "run", "--no-sync", "ruff", "format", "--check", "."], cwd=project)
    run(["uv", "run", "--no-sync", "mypy"], cwd=project)
    run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=project)
    run(["uv", "run", "--no-sync", "alembic", "check"], cwd=project)
