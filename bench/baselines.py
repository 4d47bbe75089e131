"""The baselines of bench/app.py, served like the generated service (bench/serve_like.py).

- `memory`: the same JSON as `GET /health/live`, from memory: the ceiling without a database.
- `select1`: one `SELECT 1` through an asyncpg pool (DATABASE_URL): the ceiling with one round trip.
- `items`: the project's own item reads (its `items.service`, models and `open_database(...)` from
  its `database.py`, the pool sized by its settings), for `GET /items/{id}` and `GET /items`,
  returning the same JSON; none of the project's layers: no auth (the page is BENCH_OWNER_ID's where
  items have owners), middleware, dependencies, connection slots or response schemas. The JSON is
  written with `json.dumps`, as FastAPI's JSONResponse writes it. BENCH_PACKAGE names the package.
"""

import inspect
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import datetime
from importlib import import_module
from typing import Any

import asyncpg
from fastapi import FastAPI, Request, Response

memory = FastAPI()


@memory.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@asynccontextmanager
async def pool_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    # The generated service's default pool: 10 connections.
    async with asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=10, max_size=10) as pool:
        yield {"pool": pool}


select1 = FastAPI(lifespan=pool_lifespan)


@select1.get("/select1")
async def select_one(request: Request) -> dict[str, int]:
    async with request.state.pool.acquire() as connection:
        return {"value": await connection.fetchval("SELECT 1")}


@asynccontextmanager
async def items_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    package = os.environ["BENCH_PACKAGE"]
    settings = import_module(f"{package}.config").get_settings()
    database = await import_module(f"{package}.database").open_database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    service = import_module(f"{package}.items.service")
    schemas = import_module(f"{package}.items.schemas")
    owner = {}
    if "owner_id" in inspect.signature(service.list_items).parameters:
        owner = {"owner_id": int(os.environ["BENCH_OWNER_ID"])}
    if hasattr(database, "sessionmaker"):  # SQLAlchemy, SQLModel: a session per request
        session = database.sessionmaker
    else:  # Tortoise: the pool's client, as the project's get_session gives it
        client = database.context.db()
        session = lambda: nullcontext(client)  # noqa: E731
    try:
        yield {
            "session": session,
            "service": service,
            "filters": schemas.ItemFilter,
            "owner": owner,
            "columns": tuple(schemas.ItemRead.model_fields),
        }
    finally:
        await database.close()


items = FastAPI(lifespan=items_lifespan)


def iso(value: datetime) -> str:
    """A UTC timestamp as pydantic writes it (`...Z`)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def json_response(content: Any) -> Response:
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=iso)
    return Response(body, media_type="application/json")


def row(item: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    if isinstance(item, dict):  # a page read as plain rows
        return {column: item[column] for column in columns}
    return {column: getattr(item, column) for column in columns}


@items.get("/items/{item_id}")
async def read_item(item_id: int, request: Request) -> Response:
    state = request.state
    async with state.session() as session:
        item = await state.service.get_item(session=session, item_id=item_id)
        if item is None:
            return Response(status_code=404)
        return json_response(row(item, state.columns))


@items.get("/items")
async def list_items(request: Request, limit: int = 20, offset: int = 0) -> Response:
    state = request.state
    filters = state.filters(limit=limit, offset=offset)
    async with state.session() as session:
        page = await state.service.list_items(session=session, filters=filters, **state.owner)
        return json_response([row(item, state.columns) for item in page])
