"""Fuzz tier: each auth choice's API, served by its own `serve` command on SQLite, fuzzed by the
project's own scripts/fuzz.sh (Schemathesis) for a bounded time: no server error, and every
answer matches the OpenAPI schema. What the generated CI's fuzz job runs, shorter."""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import free_port, run, tier_combinations

from fastapi_starter.matrix import Combination

pytestmark = pytest.mark.slow

# Seconds of fuzzing per auth choice (the generated CI gives it 120).
FUZZ_SECONDS = os.environ.get("FASTAPI_STARTER_FUZZ_SECONDS", "40")

# One per auth choice: on SQLite, with SQLAlchemy and the other answers at the test tier's first.
COMBINATIONS = list(
    {
        combination.data["auth"]: combination
        for combination in reversed(tier_combinations("test", ()))
        if combination.data["database"] == "sqlite" and combination.data["orm"] == "sqlalchemy"
    }.values()
)


@pytest.mark.parametrize("combination", COMBINATIONS, ids=[c.id for c in COMBINATIONS])
def test_fuzzing_finds_no_server_error(
    combination: Combination,
    render: Callable[[Combination], Path],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = Path(shutil.copytree(render(combination), tmp_path / "project"))
    python = combination.data["python_version"]
    env = {
        "UV_PROJECT_ENVIRONMENT": str(tmp_path_factory.getbasetemp() / f"fuzz-venv-{python}"),
        # A port of its own: xdist's workers fuzz at the same time.
        "FUZZ_PORT": str(free_port()),
    }
    run(["uv", "sync", "--quiet"], cwd=project, env=env)
    # Schemathesis exits non-zero on any failed check, which fails `run`.
    output = run(["bash", "scripts/fuzz.sh", FUZZ_SECONDS], cwd=project, env=env, timeout=300)
    assert " generated, " in output and " passed" in output, output
