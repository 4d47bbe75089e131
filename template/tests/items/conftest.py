import pytest
from httpx import AsyncClient


@pytest.fixture
def client(client: AsyncClient, auth_headers: dict[str, str]) -> AsyncClient:
    """Every items test sends `auth_headers`, unless a request passes other headers."""
    client.headers.update(auth_headers)
    return client
