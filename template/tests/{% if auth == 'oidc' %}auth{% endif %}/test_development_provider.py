"""`python -m tests.identity_provider`, as README's "Run it" has a person run it: the stand-in
provider it serves at OIDC_ISSUER signs a token that the app accepts."""

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What the command prints (port 0 here: a free one), while it serves."""
    environment = {
        **os.environ,
        "OIDC_ISSUER": "http://127.0.0.1:0/realms/local",
        "OIDC_AUDIENCE": "local-api",
    }
    with subprocess.Popen(
        [sys.executable, "-m", "tests.identity_provider", "--subject", "carol"],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    ) as provider:
        assert provider.stdout is not None
        lines = [provider.stdout.readline().rstrip("\n") for _ in range(4)]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        yield lines
        provider.terminate()


@pytest.fixture
def auth_settings(printed: list[str]) -> dict[str, Any]:
    """The settings it printed, as a person puts them in .env."""
    settings = dict(line.split("=", 1) for line in printed[:2])
    return {"oidc_issuer": settings["OIDC_ISSUER"], "oidc_audience": settings["OIDC_AUDIENCE"]}


async def test_its_token_is_accepted(client: AsyncClient, printed: list[str]) -> None:
    assert printed[0].startswith("OIDC_ISSUER=http://127.0.0.1:")
    assert printed[1] == "OIDC_AUDIENCE=local-api"
    assert printed[2] == "An access token for 'carol', valid 24 hours (Ctrl-C stops):"
    headers = {"Authorization": f"Bearer {printed[3]}"}
    created = await client.post("/items", json={"title": "Local"}, headers=headers)
    assert created.status_code == 201, created.text
    listed = await client.get("/items", headers=headers)
    assert [item["title"] for item in listed.json()] == ["Local"], listed.text
