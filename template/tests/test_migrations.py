"""The migrations build exactly the schema that the models describe, on the project's database."""

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from anyio import to_thread

from tests.throwaway import throwaway_database

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def upgrade_check_downgrade(database_url: str) -> None:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    command.check(config)  # raises if autogenerate would find a difference
    command.downgrade(config, "base")


@pytest.mark.anyio
async def test_migrations_match_the_models() -> None:
    # A database of its own: the shared test database already holds the schema.
    async with throwaway_database() as database_url:
        # Alembic's env.py runs its own event loop, so it gets a thread of its own.
        await to_thread.run_sync(upgrade_check_downgrade, database_url)
