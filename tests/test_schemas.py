"""Every ORM builds one schema: the migrations of each ORM's project, for each auth scheme and with
two resources added, give the same tables, columns, indexes and references (on SQLite, with the
test tier's environments)."""

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import run
from copier import run_copy
from resources import AUTHS, LONGEST, ORMS, add_two_resources

pytestmark = pytest.mark.slow


def sqlite_schema(path: Path) -> dict[str, Any]:
    """Each table's columns (whether they take NULL, their default), indexes (columns, unique) and
    references (column, table, column, ON DELETE). Not the types: each ORM names them its own way
    in SQLite (DATETIME or TIMESTAMP, BOOLEAN or INT)."""
    with closing(sqlite3.connect(path)) as connection:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return connection.execute(sql).fetchall()

        schema: dict[str, Any] = {}
        for (table,) in rows("SELECT name FROM sqlite_master WHERE type = 'table'"):
            if table.startswith("sqlite_") or table in {"alembic_version", "tortoise_migrations"}:
                continue
            columns = {
                row[1]: (bool(row[3] or row[5]), row[4])  # name: (NOT NULL or the key, default)
                for row in rows(f"PRAGMA table_info({table})")
            }
            indexes = sorted(
                (tuple(row[2] for row in rows(f"PRAGMA index_info({index})")), bool(unique))
                for _, index, unique, origin, _ in rows(f"PRAGMA index_list({table})")
                if origin != "pk"
            )
            references = sorted(
                (row[3], row[2], row[4], row[6])
                for row in rows(f"PRAGMA foreign_key_list({table})")
            )
            schema[table] = {"columns": columns, "indexes": indexes, "references": references}
        return schema


@pytest.mark.parametrize("auth", AUTHS)
def test_every_orm_migrates_to_the_same_schema(
    auth: str, template_snapshot: Path, tmp_path: Path, worker_caches: Path
) -> None:
    """A project's migrations build the same schema whichever ORM it chose, its example and auth
    tables and two resources added to it alike (SQLite; the other databases run the same
    migrations)."""
    schemas = {}
    for orm in ORMS:
        project = tmp_path / orm
        data = {"project_name": "Same Schema", "orm": orm, "database": "sqlite", "auth": auth}
        run_copy(
            str(template_snapshot),
            project,
            data=data,
            defaults=True,
            skip_tasks=True,
            unsafe=True,
            quiet=True,
        )
        add_two_resources(project, template_snapshot)
        database = tmp_path / f"{orm}.db"
        env = {
            "UV_PROJECT_ENVIRONMENT": str(worker_caches / "venv-3.12"),
            "DATABASE_URL": f"sqlite:///{database}",
            "ENVIRONMENT": "development",
        }
        run(["uv", "sync", "--quiet"], cwd=project, env=env)
        migrate = ["tortoise", "migrate"] if orm == "tortoise" else ["alembic", "upgrade", "head"]
        run(["uv", "run", "--no-sync", *migrate], cwd=project, env=env)
        schemas[orm] = sqlite_schema(database)
    first, *others = ORMS
    assert {"items", *LONGEST.values()} <= schemas[first].keys(), schemas[first].keys()
    for orm in others:
        assert schemas[orm] == schemas[first], f"{orm} differs from {first}"
