"""The OpenAPI schema declares the bearer scheme, so that /docs has a working Authorize button
(paste an access token from the identity provider)."""

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


async def test_the_schema_declares_the_bearer_scheme(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"] == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from the identity provider",
        }
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/items"),
        ("post", "/items"),
        ("get", "/items/{item_id}"),
        ("patch", "/items/{item_id}"),
        ("delete", "/items/{item_id}"),
    ],
)
async def test_protected_routes_require_the_scheme(
    client: AsyncClient, method: str, path: str
) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["paths"][path][method]["security"] == [{"HTTPBearer": []}]


async def test_probes_need_no_token(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "security" not in schema["paths"]["/health/live"]["get"]
