"""The two baselines of bench/app.py, served like the generated service (uvicorn, one worker).

- `memory`: the same JSON as `GET /health/live`, from memory: the ceiling without a database.
- `select1`: one `SELECT 1` through an asyncpg pool (DATABASE_URL): the ceiling with one round trip.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, Request

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
