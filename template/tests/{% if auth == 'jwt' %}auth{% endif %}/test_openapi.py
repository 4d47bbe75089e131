"""The OpenAPI schema describes the login flow, so that /docs has a working Authorize button."""

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


async def test_the_schema_declares_the_password_flow(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {"password": {"scopes": {}, "tokenUrl": "auth/token"}},
        }
    }
    assert "/auth/token" in schema["paths"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/items"), ("post", "/items"), ("get", "/items/{item_id}"), ("get", "/users/me")],
)
async def test_protected_routes_require_the_scheme(
    client: AsyncClient, method: str, path: str
) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["paths"][path][method]["security"] == [{"OAuth2PasswordBearer": []}]
