"""Fuzz tier: each auth choice's API, served by its own `serve` command, fuzzed by the project's own
scripts/fuzz.sh (Schemathesis) for a bounded time: no server error, and every answer matches the
OpenAPI schema. What the generated CI's fuzz job runs, shorter. The runs spread over the
databases and ORMs: a server error can belong to one database (PostgreSQL's text refuses a NUL
character that SQLite stores)."""

import os
import re
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from combinations import ALL_QUESTIONS
from conftest import free_port, run, server_database, tier_combinations
from resources import add_two_resources

from fastapi_starter.matrix import Combination

pytestmark = pytest.mark.slow

# Seconds of fuzzing per run (the generated CI gives it 120).
FUZZ_SECONDS = os.environ.get("FASTAPI_STARTER_FUZZ_SECONDS", "40")

# (auth, database, orm) fuzzed: the default project (`new --defaults`), then every auth choice on
# a database server, with resources of every field type, each server and each ORM at least once.
FUZZED = [
    ("jwt", "sqlite", "sqlalchemy"),
    ("jwt", "mysql", "sqlalchemy"),
    ("api_key", "mysql", "tortoise"),
    ("oidc", "postgresql", "sqlmodel"),
    ("none", "postgresql", "tortoise"),
]
# The other answers at the test tier's first.
COMBINATIONS = [
    next(
        combination
        for combination in tier_combinations("test", ())
        if (combination.data["auth"], combination.data["database"], combination.data["orm"])
        == fuzzed
    )
    for fuzzed in FUZZED
]


def test_every_auth_choice_is_fuzzed_on_a_database_server() -> None:
    auth = next(question for question in ALL_QUESTIONS if question.name == "auth")
    on_a_server = {auth for auth, database, _ in FUZZED if database != "sqlite"}
    assert sorted(on_a_server) == sorted(auth.values)


@pytest.mark.parametrize("combination", COMBINATIONS, ids=[c.id for c in COMBINATIONS])
def test_fuzzing_finds_no_server_error(
    combination: Combination,
    render: Callable[[Combination], Path],
    template_snapshot: Path,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = Path(shutil.copytree(render(combination), tmp_path / "project"))
    python, database = combination.data["python_version"], combination.data["database"]
    if database != "sqlite":
        # Every field type too, in two added resources (one refers to the other).
        add_two_resources(project, template_snapshot)
    env = {
        "UV_PROJECT_ENVIRONMENT": str(tmp_path_factory.getbasetemp() / f"fuzz-venv-{python}"),
        # A port of its own: xdist's workers fuzz at the same time.
        "FUZZ_PORT": str(free_port()),
    }
    run(["uv", "sync", "--quiet"], cwd=project, env=env)
    with ExitStack() as cleanup:
        if database != "sqlite":  # fuzz.sh writes to the database: a scratch one
            env["DATABASE_URL"] = cleanup.enter_context(server_database(database))
        # Schemathesis exits non-zero on any failed check, which fails `run`.
        output = run(["bash", "scripts/fuzz.sh", FUZZ_SECONDS], cwd=project, env=env, timeout=300)
    assert " generated, " in output and " passed" in output, output
    # Every operation fuzz.sh selects is tested: the resources' too, where they were added.
    (selected,) = re.findall(r"Selected: (\d+)/\d+", output)
    assert re.findall(r"Tested: (\d+)", output) == [selected], output
    # health and items: 7 operations; each resource 5 more.
    assert int(selected) >= 7 + (10 if database != "sqlite" else 0), output
