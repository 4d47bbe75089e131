"""With several algorithms accepted, each key still checks only the one it is for."""

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from httpx import AsyncClient

from tests.identity_provider import FakeIdentityProvider

pytestmark = pytest.mark.anyio


@pytest.fixture
def auth_settings(auth_settings: dict[str, Any]) -> dict[str, Any]:
    return {**auth_settings, "oidc_algorithms": ["RS256", "ES256", "PS256"]}


@pytest.mark.parametrize("algorithm", ["ES256", "PS256"])
async def test_a_key_checks_only_its_own_algorithm(
    client: AsyncClient, identity_provider: FakeIdentityProvider, algorithm: str
) -> None:
    # The JWK of key-1 is an RSA key for RS256: an ES256 token (signed with an EC key) or a
    # PS256 token (signed with key-1 itself) that names it is refused, not checked against it.
    key = ec.generate_private_key(ec.SECP256R1()) if algorithm == "ES256" else None
    token = identity_provider.token(key=key, algorithm=algorithm)
    response = await client.get("/items", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
