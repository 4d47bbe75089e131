"""Run by bench/layers.py inside a generated project's environment: CPU per request, in process.

Usage: python layers_probe.py PACKAGE ORM AUTH [--routes-only]
(DATABASE_URL and the rest of the settings come from the environment, as for the server.)

Each layer is called by 64 concurrent tasks, as many as wrk's connections, on uvloop; the figure is
the process's CPU time per call, without HTTP. Prints one JSON object: layer -> microseconds.
"""

import asyncio
import importlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from typing import Any

import asyncpg
import baselines
import uvloop
from fastapi import FastAPI, Response
from starlette.requests import Request

CALLERS = 64
CALLS = 4000
ITEMS = 60  # more than a page of 50
Call = Callable[[], Awaitable[Any]]


async def cpu_per_call(call: Call) -> float:
    async def caller(calls: int) -> None:
        for _ in range(calls):
            await call()

    await caller(100)  # warm up: connections opened, statements prepared
    start = time.process_time()
    await asyncio.gather(*(caller(CALLS // CALLERS) for _ in range(CALLERS)))
    return (time.process_time() - start) / (CALLS // CALLERS * CALLERS) * 1e6


def asgi_call(app: FastAPI, state: dict[str, Any]) -> Callable[..., Awaitable[tuple[int, bytes]]]:
    """A request straight to the ASGI app, as a server would make it, without the network.
    Not httpx's ASGITransport: its client's own work would be counted in every figure."""

    async def call(
        method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        raw_headers = [(b"host", b"127.0.0.1")]  # a host production allows
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": dict(state),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # the client stays connected
            return {}

        status, chunks = 0, []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


async def principal(call: Callable[..., Awaitable[tuple[int, bytes]]], auth: str) -> dict[str, str]:
    if auth == "none":
        return {}
    email, password = f"layers-{os.getpid()}@example.com", "layers-password-123"
    user = json.dumps({"email": email, "password": password}).encode()
    await call("POST", "/users", user, {"Content-Type": "application/json"})
    form = f"username={email}&password={password}".encode()
    _, body = await call(
        "POST", "/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}


def add_probe_routes(app: FastAPI, package: str) -> None:
    """Two routes beside the project's own `GET /items/{id}`, doing its read behind all of the
    app's middleware: one through the project's `SessionDep` dependency, one opening the session
    itself as bench/baselines.py does; both write the JSON as the baseline does (no schema)."""
    database = importlib.import_module(f"{package}.database")
    service = importlib.import_module(f"{package}.items.service")
    columns = tuple(importlib.import_module(f"{package}.items.schemas").ItemRead.model_fields)

    @app.get("/probe/session/{item_id}")
    async def through_session_dependency(item_id: int, session: database.SessionDep) -> Response:
        item = await service.get_item(session=session, item_id=item_id)
        return baselines.json_response(baselines.row(item, columns))

    @app.get("/probe/plain/{item_id}")
    async def plain_session(item_id: int, request: Request) -> Response:
        db = request.state.database
        opened = db.sessionmaker() if hasattr(db, "sessionmaker") else nullcontext(db.context.db())
        async with opened as session:
            item = await service.get_item(session=session, item_id=item_id)
            return baselines.json_response(baselines.row(item, columns))


async def measure(package: str, orm: str, auth: str, routes_only: bool) -> dict[str, float]:
    main = importlib.import_module(f"{package}.main")
    database = importlib.import_module(f"{package}.database")
    service = importlib.import_module(f"{package}.items.service")
    app: FastAPI = main.app
    if not routes_only:
        add_probe_routes(app, package)
    figures: dict[str, float] = {}
    async with app.router.lifespan_context(app) as state:
        call = asgi_call(app, state)
        headers = await principal(call, auth)
        json_headers = {**headers, "Content-Type": "application/json"}
        for number in range(ITEMS):
            item = json.dumps({"title": f"Layers {number}", "description": "x"}).encode()
            _, body = await call("POST", "/items", item, json_headers)
        item_id = json.loads(body)["id"]

        async def route(path: str) -> None:
            status, _ = await call("GET", path, headers=headers)
            assert status == 200, (path, status)

        figures["GET /health/live"] = await cpu_per_call(lambda: route("/health/live"))
        figures["GET /items/{id}"] = await cpu_per_call(lambda: route(f"/items/{item_id}"))
        figures["GET /items?limit=50"] = await cpu_per_call(lambda: route("/items?limit=50"))
        if routes_only:
            return figures
        figures["its read, SessionDep, no schema"] = await cpu_per_call(
            lambda: route(f"/probe/session/{item_id}")
        )
        figures["its read, session opened in the route, no schema"] = await cpu_per_call(
            lambda: route(f"/probe/plain/{item_id}")
        )

        request = Request({"type": "http", "state": dict(state)})

        async def service_read() -> None:
            sessions = database.get_session(request)
            session = await anext(sessions)
            await service.get_item(session=session, item_id=item_id)
            await sessions.aclose()

        figures["the read alone: get_session + service.get_item"] = await cpu_per_call(service_read)
        if auth == "jwt":
            tokens = importlib.import_module(f"{package}.auth.tokens")
            token = headers["Authorization"].removeprefix("Bearer ")

            async def token_check() -> None:
                tokens.decode_access_token(token, settings=state["settings"])

            figures["the token check alone (decode_access_token)"] = await cpu_per_call(token_check)

    owner = 0
    if auth != "none":  # the page the minimal app reads is the seeded items' owner's
        connection = await asyncpg.connect(os.environ["DATABASE_URL"])
        owner = await connection.fetchval("SELECT min(owner_id) FROM items")
        await connection.close()
    os.environ |= {"BENCH_PACKAGE": package, "BENCH_OWNER_ID": str(owner)}
    async with baselines.items_lifespan(baselines.items) as items_state:
        minimal = asgi_call(baselines.items, items_state)

        async def minimal_route(path: str) -> None:
            status, _ = await minimal("GET", path)
            assert status == 200, (path, status)

        figures["minimal app (baselines.items): GET /items/{id}"] = await cpu_per_call(
            lambda: minimal_route(f"/items/{item_id}")
        )
        figures["minimal app: GET /items?limit=50"] = await cpu_per_call(
            lambda: minimal_route("/items?limit=50")
        )

    url = os.environ["DATABASE_URL"]
    async with asyncpg.create_pool(url, min_size=10, max_size=10) as pool:

        async def driver_read() -> None:
            async with pool.acquire() as connection:
                await connection.fetchrow("SELECT * FROM items WHERE id = $1", item_id)

        figures["the same row through asyncpg alone"] = await cpu_per_call(driver_read)

    async with baselines.pool_lifespan(baselines.select1) as pool_state:
        select1 = asgi_call(baselines.select1, pool_state)

        async def select_one() -> None:
            status, _ = await select1("GET", "/select1")
            assert status == 200

        figures["baseline: the SELECT 1 app's GET /select1"] = await cpu_per_call(select_one)
    return figures


if __name__ == "__main__":
    package, orm, auth = sys.argv[1:4]
    routes_only = sys.argv[4:] == ["--routes-only"]
    print(json.dumps(uvloop.run(measure(package, orm, auth, routes_only))))
