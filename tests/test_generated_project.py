"""Test tier: install each rendered project with uv and run its own tests, lint, types and migrations.

Projects on a database server run their tests against the real server named below; their own test
suite creates and drops a throw-away database there and runs the migration check on it.

Each xdist worker installs its projects, one after the other, into one environment per Python version
(`uv sync` makes it match each project's lock exactly) and shares one mypy cache: a project then
costs its own tests and checks, not a cold install, bytecode compilation and a mypy run over every
dependency. mypy's cache is keyed by file contents, so sharing it changes no result.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from combinations import REPO
from conftest import SERVERS, UV, run
from resources import add_two_resources, gets_resources

from fastapi_starter.matrix import Combination

pytestmark = pytest.mark.slow

# The servers on this machine and in CI (see .ci/services and .github/workflows/template-ci.yml).
SERVER_URLS = {
    "postgresql": os.environ.get(
        "FASTAPI_STARTER_POSTGRESQL_URL", SERVERS["postgresql"].format(name="test")
    ),
    "mysql": os.environ.get("FASTAPI_STARTER_MYSQL_URL", SERVERS["mysql"].format(name="test")),
}


REDIS_URL = os.environ.get("FASTAPI_STARTER_REDIS_URL", "redis://127.0.0.1:6379/15")


# Nothing listens on port 1: the project's tests must stop and say how to start a server.
UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/test",
    "mysql": "mysql://root@127.0.0.1:1/test",
}


def without_a_server(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    hidden = {"VIRTUAL_ENV", "PYTHONPATH"}
    return subprocess.run(
        [UV, "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider", "tests/health"],
        cwd=project,
        env={**{k: v for k, v in os.environ.items() if k not in hidden}, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def failing_alone(project: Path, env: dict[str, str]) -> list[str]:
    """The test modules that fail when run by themselves (one relying on what an earlier test set
    up passes in the whole suite): a person runs one file while working on it."""
    failing = []
    for module in sorted(project.glob("tests/**/test_*.py")):
        alone = subprocess.run(
            [UV, "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
            cwd=project,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if alone.returncode != 0:
            failing.append(f"{module.relative_to(project)}: {alone.stdout.splitlines()[-1:]}")
    return failing


# One project per family of ORM, where each test module also runs by itself.
ALONE = {("sqlite", "sqlalchemy", "jwt", "3.12"), ("sqlite", "tortoise", "jwt", "3.12")}


def test_generated_project_passes_its_own_checks(
    test_combination: Combination,
    render: Callable[[Combination], Path],
    template_snapshot: Path,
    tmp_path: Path,
    worker_caches: Path,
) -> None:
    # A copy: installing and testing leave files (caches) the render checks must not see.
    project = Path(shutil.copytree(render(test_combination), tmp_path / "project"))
    if gets_resources(test_combination):
        # `add resource` twice (one referencing the other): every check below covers them too.
        add_two_resources(project, template_snapshot)
    database = test_combination.data["database"]
    python = test_combination.data["python_version"]
    env = {
        "UV_PROJECT_ENVIRONMENT": str(worker_caches / f"venv-{python}"),
        "MYPY_CACHE_DIR": str(worker_caches / "mypy"),
    }
    if database in SERVER_URLS:
        env["TEST_DATABASE_URL"] = SERVER_URLS[database]
    run(["uv", "sync", "--quiet"], cwd=project, env=env)
    tests = run(
        ["uv", "run", "--no-sync", "pytest", "--cov", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
    )
    assert " passed" in tests and " failed" not in tests, tests
    assert "Required test coverage of 90.0% reached" in tests, tests
    if test_combination.data["auth"] in {"jwt", "api_key"}:
        # The throttling counters in the real Redis server.
        redis = run(
            ["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider", "-m", "redis"],
            cwd=project,
            env={**env, "TEST_REDIS_URL": REDIS_URL},
        )
        assert " passed" in redis and " failed" not in redis, redis
    key = (database, test_combination.data["orm"], test_combination.data["auth"], python)
    failing = failing_alone(project, env) if key in ALONE else []
    assert not failing, failing
    # Alembic and redis are slow to import: the app imports them when first needed (the migration
    # check, REDIS_URL), not when it starts.
    (package,) = (path.name for path in (project / "src").iterdir())
    probe = f"import sys, {package}.main; print(sorted({{'alembic', 'redis'}} & set(sys.modules)))"
    loaded = run(["uv", "run", "--no-sync", "python", "-c", probe], cwd=project, env=env)
    assert loaded.splitlines()[0] == "[]", loaded  # stdout first
    # copier.yml's model_attributes, the field names `add resource` refuses, name every public
    # attribute of pydantic's BaseModel and of this ORM's model base: a field would shadow it.
    orm = test_combination.data["orm"]
    base = "tortoise.models:Model" if orm == "tortoise" else f"{package}.database:Base"
    probe = (
        "import importlib, json, re, pydantic\n"
        f"module, name = {base!r}.split(':')\n"
        "def public(cls):\n"
        "    names = (n for n in dir(cls) if re.fullmatch('[a-z][a-z0-9_]*', n))\n"
        "    return sorted(n for n in names if not n.startswith('model_'))\n"
        "model = getattr(importlib.import_module(module), name)\n"
        "print(json.dumps([public(pydantic.BaseModel), public(model)]))"
    )
    pydantic_names, model_names = json.loads(
        run(["uv", "run", "--no-sync", "python", "-c", probe], cwd=project, env=env).splitlines()[0]
    )
    listed = yaml.safe_load((REPO / "copier.yml").read_text())["model_attributes"]["default"]
    assert set(pydantic_names) - set(listed["pydantic"]) == set()
    assert set(model_names) - set(pydantic_names) - set(listed[orm]) == set()
    run(["uv", "run", "--no-sync", "ruff", "check", "."], cwd=project, env=env)
    run(["uv", "run", "--no-sync", "ruff", "format", "--check", "."], cwd=project, env=env)
    run(["uv", "run", "--no-sync", "mypy"], cwd=project, env=env)
    if database in SERVER_URLS:
        refused = without_a_server(project, {**env, "TEST_DATABASE_URL": UNREACHABLE[database]})
        assert refused.returncode != 0, refused.stdout
        assert "Cannot create a test database" in refused.stdout, refused.stdout
        assert "docker compose up -d db" in refused.stdout, refused.stdout
    if database == "sqlite" and test_combination.data["orm"] == "tortoise":
        # The project's tests prove that models and migrations agree; here, the command works.
        run(["uv", "run", "--no-sync", "tortoise", "migrate"], cwd=project, env=env)
    elif database == "sqlite":
        run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=project, env=env)
        run(["uv", "run", "--no-sync", "alembic", "check"], cwd=project, env=env)
