"""The OpenAPI schema describes the API key header, so that /docs has a working Authorize button."""

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


async def test_the_schema_declares_the_api_key_header(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/items"),
        ("post", "/items"),
        ("get", "/items/{item_id}"),
        ("get", "/api-keys"),
        ("post", "/api-keys"),
        ("delete", "/api-keys/{key_id}"),
    ],
)
async def test_protected_routes_require_the_scheme(
    client: AsyncClient, method: str, path: str
) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["paths"][path][method]["security"] == [{"APIKeyHeader": []}]


async def test_health_checks_are_open(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "security" not in schema["paths"]["/health/live"]["get"]
