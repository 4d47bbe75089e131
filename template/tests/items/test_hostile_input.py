"""No input makes a server error, and no error response repeats what the client sent."""

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio

MAX_ID = 2**31 - 1
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("item_id", [2**31, 2**63, 10**30, 0, -1])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_ids_out_of_the_columns_range_are_422(
    client: AsyncClient, method: str, item_id: int
) -> None:
    response = await client.request(method, f"/items/{item_id}", json={"title": "x"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


async def test_the_largest_id_is_simply_not_found(client: AsyncClient) -> None:
    response = await client.get(f"/items/{MAX_ID}")
    assert response.status_code == 404


@pytest.mark.parametrize("offset", [2**31, 2**63, -1])
async def test_offsets_out_of_range_are_422(client: AsyncClient, offset: int) -> None:
    response = await client.get("/items", params={"offset": offset})
    assert response.status_code == 422


async def test_the_schema_states_the_bounds(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    [item_id] = schema["paths"]["/items/{item_id}"]["get"]["parameters"]
    assert (item_id["schema"]["minimum"], item_id["schema"]["maximum"]) == (1, MAX_ID)
    parameters = schema["paths"]["/items"]["get"]["parameters"]
    [offset] = [parameter for parameter in parameters if parameter["name"] == "offset"]
    assert offset["schema"]["maximum"] == MAX_ID


@pytest.mark.parametrize(
    "body",
    [
        '{"title": NaN}',
        '{"title": Infinity, "description": -Infinity}',
        '{"title": "\\ud800"}',
        '{"title": "ok", "\\udfff": 1, "description": ["\\ud800"]}',
        '{"title": 1e999}',
        '{"title": ' + "[" * 500 + "]" * 500 + "}",
        "[" * 100_000,
        '"\\ud800"',
    ],
    ids=["nan", "infinity", "surrogate", "surrogate-key", "overflow", "deep", "unclosed", "str"],
)
async def test_any_json_gets_an_answer_in_the_error_shape(client: AsyncClient, body: str) -> None:
    response = await client.post("/items", content=body, headers=JSON)
    # 400: nested past what the parser can follow.
    assert response.status_code in (400, 422), response.text
    assert response.json()["code"] in ("bad_request", "validation_error")


@pytest.mark.parametrize(
    "body",
    [{"title": "a\x00b"}, {"title": "ok", "description": "\x00"}],
    ids=["title", "description"],
)
async def test_a_nul_character_is_refused(client: AsyncClient, body: dict[str, str]) -> None:
    """Refused before the database sees it (core/bounds.py): a 422."""
    response = await client.post("/items", json=body)
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["msg"] == "Value error, Text cannot contain the NUL character"
    assert (await client.get("/items", params={"title": "a\x00"})).status_code == 422


async def test_a_lone_surrogate_is_refused(client: AsyncClient) -> None:
    response = await client.post("/items", content='{"title": "\\udc00"}', headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


async def test_errors_never_repeat_the_input(client: AsyncClient) -> None:
    secret = "S3cr!-do-not-echo"
    responses = [
        await client.post("/items", json={"title": secret * 20}),
        await client.post("/items", json={"title": [secret]}),
        await client.get("/items", params={"limit": secret}),
        await client.post("/items", content=secret, headers=JSON),
    ]
    for response in responses:
        assert response.status_code == 422
        assert secret not in response.text
        assert all(set(problem) == {"loc", "msg", "type"} for problem in response.json()["detail"])
