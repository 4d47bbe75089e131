from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


async def create(client: AsyncClient, title: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/items", json={"title": title, **fields})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def test_create_item(client: AsyncClient) -> None:
    response = await client.post("/items", json={"title": "Milk", "description": "Two litres"})
    assert response.status_code == 201
    item = response.json()
    assert item["title"] == "Milk"
    assert item["description"] == "Two litres"
    assert isinstance(item["id"], int)
    assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None
    assert datetime.fromisoformat(item["updated_at"]).utcoffset() is not None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": ""},
        {"title": "x" * 201},
        {"title": "Milk", "description": "x" * 2001},
    ],
    ids=["no-title", "empty-title", "title-too-long", "description-too-long"],
)
async def test_create_item_rejects_invalid_input(
    client: AsyncClient, payload: dict[str, Any]
) -> None:
    response = await client.post("/items", json=payload)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_longest_allowed_strings_are_stored(client: AsyncClient) -> None:
    item = await create(client, "x" * 200, description="y" * 2000)
    assert len(item["title"]) == 200
    assert len(item["description"]) == 2000


async def test_read_item(client: AsyncClient) -> None:
    item = await create(client, "Milk")
    response = await client.get(f"/items/{item['id']}")
    assert response.status_code == 200
    assert response.json() == item


async def test_missing_item_is_404(client: AsyncClient) -> None:
    for response in [
        await client.get("/items/999999"),
        await client.patch("/items/999999", json={"title": "Bread"}),
        await client.delete("/items/999999"),
    ]:
        assert response.status_code == 404
        assert response.json() == {"code": "item_not_found", "detail": "Item not found"}


async def test_a_listed_item_reads_as_it_does_alone(client: AsyncClient) -> None:
    item = await create(client, "Milk", description="Two litres")
    response = await client.get("/items")
    assert response.status_code == 200
    assert response.json() == [item]


async def test_list_items_pages_in_creation_order(client: AsyncClient) -> None:
    ids = [(await create(client, f"Item {number}"))["id"] for number in range(5)]

    first = await client.get("/items", params={"limit": 2})
    rest = await client.get("/items", params={"limit": 2, "offset": 2})
    everything = await client.get("/items")

    assert [item["id"] for item in first.json()] == ids[:2]
    assert [item["id"] for item in rest.json()] == ids[2:4]
    assert [item["id"] for item in everything.json()] == ids


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"title": "x" * 201}],
    ids=["limit-zero", "limit-over-cap", "negative-offset", "filter-too-long"],
)
async def test_list_items_rejects_invalid_paging(
    client: AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/items", params=params)
    assert response.status_code == 422


async def test_list_items_filters_by_title_substring_ignoring_case(client: AsyncClient) -> None:
    await create(client, "Buy MILK")
    await create(client, "Walk the dog")
    await create(client, "100% done")
    await create(client, "1000 things")

    milk = await client.get("/items", params={"title": "milk"})
    percent = await client.get("/items", params={"title": "0%"})

    assert [item["title"] for item in milk.json()] == ["Buy MILK"]
    assert [item["title"] for item in percent.json()] == ["100% done"]


async def test_list_items_filters_by_description_substring(client: AsyncClient) -> None:
    await create(client, "Milk", description="Two LITRES")
    await create(client, "Bread")
    litres = await client.get("/items", params={"description": "litres"})
    assert [item["title"] for item in litres.json()] == ["Milk"]


async def test_update_item_changes_only_the_fields_sent(client: AsyncClient) -> None:
    item = await create(client, "Milk", description="Two litres")
    response = await client.patch(f"/items/{item['id']}", json={"title": "Oat milk"})
    assert response.status_code == 200
    updated = response.json()
    assert updated["title"] == "Oat milk"
    assert updated["description"] == "Two litres"
    before, after = (datetime.fromisoformat(each["updated_at"]) for each in (item, updated))
    assert after >= before


async def test_update_item_can_clear_the_description(client: AsyncClient) -> None:
    item = await create(client, "Milk", description="Two litres")
    response = await client.patch(f"/items/{item['id']}", json={"description": None})
    assert response.status_code == 200
    assert response.json()["description"] is None


@pytest.mark.parametrize(
    "payload",
    [{"title": None}, {"title": ""}, {"title": "x" * 201}],
    ids=["null-title", "empty-title", "title-too-long"],
)
async def test_update_item_rejects_invalid_input(
    client: AsyncClient, payload: dict[str, Any]
) -> None:
    item = await create(client, "Milk")
    response = await client.patch(f"/items/{item['id']}", json=payload)
    assert response.status_code == 422


async def test_delete_item(client: AsyncClient) -> None:
    item = await create(client, "Milk")
    response = await client.delete(f"/items/{item['id']}")
    assert response.status_code == 204
    assert (await client.get(f"/items/{item['id']}")).status_code == 404
