"""Reading items costs one query per request besides what authentication needs (see the fixture
`authentication_queries`): no N+1 over a page, no user row loaded for the id."""

import pytest
from httpx import AsyncClient

from tests.database_fixtures import StatementRecorder

pytestmark = pytest.mark.anyio


async def test_a_page_of_items_is_one_query(
    client: AsyncClient, record_statements: StatementRecorder, authentication_queries: int
) -> None:
    for number in range(30):
        response = await client.post("/items", json={"title": f"Item {number}"})
        assert response.status_code == 201, response.text
    with record_statements() as statements:
        page = await client.get("/items", params={"limit": 50})
    assert page.status_code == 200
    assert len(page.json()) == 30
    assert len(statements) == 1 + authentication_queries, statements


async def test_reading_one_item_is_one_query(
    client: AsyncClient, record_statements: StatementRecorder, authentication_queries: int
) -> None:
    created = await client.post("/items", json={"title": "Milk"})
    with record_statements() as statements:
        response = await client.get(f"/items/{created.json()['id']}")
    assert response.status_code == 200
    assert len(statements) == 1 + authentication_queries, statements


async def test_the_recorder_sees_every_statement(
    client: AsyncClient, record_statements: StatementRecorder
) -> None:
    with record_statements() as statements:
        await client.get("/health/ready")
    # The database answers; then its tables say whether it is behind the migrations.
    assert statements, "the recorder saw nothing"
    assert statements[0].startswith("SELECT 1"), statements
