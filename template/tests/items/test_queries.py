"""Reading items costs one query per request besides what authentication needs (see the fixture
`authentication_queries`): no N+1 over a page, no user row loaded for the id."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.anyio

# The tests' own transaction handling (see tests/conftest.py), not the application's queries.
SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def recorded_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(SAVEPOINT_STATEMENTS):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_page_of_items_is_one_query(
    client: AsyncClient, engine: AsyncEngine, authentication_queries: int
) -> None:
    for number in range(30):
        response = await client.post("/items", json={"title": f"Item {number}"})
        assert response.status_code == 201, response.text
    with recorded_statements(engine) as statements:
        page = await client.get("/items", params={"limit": 50})
    assert page.status_code == 200
    assert len(page.json()) == 30
    assert len(statements) == 1 + authentication_queries, statements


async def test_reading_one_item_is_one_query(
    client: AsyncClient, engine: AsyncEngine, authentication_queries: int
) -> None:
    created = await client.post("/items", json={"title": "Milk"})
    with recorded_statements(engine) as statements:
        response = await client.get(f"/items/{created.json()['id']}")
    assert response.status_code == 200
    assert len(statements) == 1 + authentication_queries, statements
