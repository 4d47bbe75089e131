"""The migrations build exactly the schema that the models describe."""

from pathlib import Path

from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_migrations_match_the_models(tmp_path: Path) -> None:
    # Always a fresh SQLite file: the shared test database already holds the schema.
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'migrations.db'}")
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    command.check(config)  # raises if autogenerate would find a difference
    command.downgrade(config, "base")
