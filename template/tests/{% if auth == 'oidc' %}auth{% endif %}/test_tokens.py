"""Access tokens: whatever is wrong with one, the answer is the same 401."""

import hashlib
import hmac
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from httpx import AsyncClient

from tests.auth.forged_tokens import (
    COMMON_BAD_TOKENS,
    b64,
    claims_of,
    common_bad_token,
    encode_segments,
)
from tests.identity_provider import FakeIdentityProvider, new_rsa_key

pytestmark = pytest.mark.anyio

INVALID_TOKEN = {"code": "invalid_token", "detail": "Invalid or expired access token"}


def hs256_with_public_key(provider: FakeIdentityProvider, claims: dict[str, Any]) -> str:
    """The algorithm-confusion attack: HS256, with the provider's public key as the secret."""
    secret = (
        provider.keys["key-1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = encode_segments({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture(
    params=[
        *COMMON_BAD_TOKENS,
        "not-three-segments",
        "not-yet-valid",
        "issued-in-the-future",
        "other-key-same-kid",
        "unknown-kid",
        "no-kid",
        "hs256-with-the-public-key",
        "disallowed-algorithm",
        "no-expiry",
        "empty-subject",
        "subject-too-long",
        "subject-with-nul",
    ]
)
def bad_token(request: pytest.FixtureRequest, identity_provider: FakeIdentityProvider) -> str:
    provider = identity_provider
    now = int(time.time())
    claims = claims_of(provider.token())
    match request.param:
        case "not-three-segments":
            return provider.token().rsplit(".", 1)[0]
        case "not-yet-valid":
            return provider.token(nbf=now + 120)
        case "issued-in-the-future":
            return provider.token(iat=now + 120, exp=now + 600)
        case "other-key-same-kid":
            return provider.token(key=new_rsa_key())
        case "unknown-kid":
            return jwt.encode(claims, new_rsa_key(), algorithm="RS256", headers={"kid": "key-9"})
        case "no-kid":
            return jwt.encode(claims, provider.keys["key-1"], algorithm="RS256")
        case "hs256-with-the-public-key":
            return hs256_with_public_key(provider, claims)
        case "disallowed-algorithm":  # the right key, but not an algorithm OIDC_ALGORITHMS lists
            return provider.token(algorithm="RS512")
        case "no-expiry":
            return provider.token(exp=None)
        case "empty-subject":
            return provider.token(subject="")
        case "subject-too-long":
            return provider.token(subject="a" * 256)
        case "subject-with-nul":
            return provider.token(subject="alice\x00")
        case common:
            return common_bad_token(common, provider.token)


async def test_bad_access_tokens_are_refused(client: AsyncClient, bad_token: str) -> None:
    response = await client.get("/items", headers={"Authorization": f"Bearer {bad_token}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == INVALID_TOKEN


async def test_a_valid_token_is_accepted(
    client: AsyncClient, identity_provider: FakeIdentityProvider
) -> None:
    response = await client.get(
        "/items", headers={"Authorization": f"Bearer {identity_provider.token()}"}
    )
    assert response.status_code == 200


async def test_small_clock_differences_are_tolerated(
    client: AsyncClient, identity_provider: FakeIdentityProvider
) -> None:
    now = int(time.time())
    token = identity_provider.token(iat=now + 10, nbf=now + 10, exp=now - 10)
    response = await client.get("/items", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("authorization", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer "])
async def test_other_schemes_and_empty_tokens_are_no_credentials(
    client: AsyncClient, authorization: str
) -> None:
    response = await client.get("/items", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"
