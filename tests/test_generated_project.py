"""Test tier: install each rendered project with uv and run its own tests, lint, types and migrations.

Projects on a database server run their tests against the real server named below; their own test
suite creates and drops a throw-away database there and runs the migration check on it.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run

from fastapi_starter.matrix import Combination

pytestmark = pytest.mark.slow

# The servers on this machine and in CI (see .ci/services and .github/workflows/template-ci.yml).
SERVER_URLS = {
    "postgresql": os.environ.get(
        "FASTAPI_STARTER_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
    ),
    "mysql": os.environ.get("FASTAPI_STARTER_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
}


def test_generated_project_passes_its_own_checks(
    test_combination: Combination, render: Callable[[Combination], Path], tmp_path: Path
) -> None:
    # A copy: installing and testing leave files (.venv, caches) the render checks must not see.
    project = Path(shutil.copytree(render(test_combination), tmp_path / "project"))
    database = test_combination.data["database"]
    env = {"TEST_DATABASE_URL": SERVER_URLS[database]} if database in SERVER_URLS else {}
    run(["uv", "sync", "--quiet"], cwd=project)
    tests = run(
        ["uv", "run", "--no-sync", "pytest", "--cov", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
    )
    assert " passed" in tests and " failed" not in tests, tests
    assert "Required test coverage of 90.0% reached" in tests, tests
    run(["uv", "run", "--no-sync", "ruff", "check", "."], cwd=project)
    run(["uv", "run", "--no-sync", "ruff", "format", "--check", "."], cwd=project)
    run(["uv", "run", "--no-sync", "mypy"], cwd=project)
    if database == "sqlite":
        run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=project)
        run(["uv", "run", "--no-sync", "alembic", "check"], cwd=project)
