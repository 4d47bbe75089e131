"""The error base class and the handlers that give every error response one JSON shape:

    {"code": "item_not_found", "detail": "Item not found"}

`code` is stable for clients to branch on; `detail` is for humans (for 422, the list of problems).
"""

import logging
import traceback
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


class AppError(Exception):
    """Base of the errors the API reports on purpose. Subclasses set the class attributes."""

    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    code: ClassVar[str] = "bad_request"
    detail: str = "Bad request"
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str | None = None) -> None:
        if detail is not None:
            self.detail = detail
        super().__init__(self.detail)

    def response_headers(self) -> dict[str, str] | None:
        """The headers of the error response: the class's, unless a subclass computes its own."""
        return self.headers


class NotFoundError(AppError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    detail = "Not found"


class ConflictError(AppError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    detail = "Conflict"


class DatabaseBusy(AppError):
    """No pooled database connection freed up within DB_POOL_TIMEOUT: the client may retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "database_busy"
    detail = "The service is busy; retry shortly"
    headers = {"Retry-After": "1"}  # noqa: RUF012 (read-only)


class DatabaseConnectionLost(DatabaseBusy):
    """The request's database connection broke (e.g. the database restarted); a retry gets a
    fresh one. A write it was making may or may not have committed."""

    code = "database_connection_lost"
    detail = "The database connection was lost; retry shortly"


def error_response(
    status_code: int, code: str, detail: Any, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "detail": detail}, status_code=status_code, headers=headers)


def register_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def handle_app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.detail, exc.response_headers())

    @app.exception_handler(HTTPException)
    async def handle_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
        # Raised by the framework itself: unknown route (404), wrong method (405), ...
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        return error_response(exc.status_code, code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def handle_validation_error(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        detail = [validation_problem(error) for error in exc.errors()]
        return error_response(status.HTTP_422_UNPROCESSABLE_CONTENT, "validation_error", detail)


def printable(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (which JSON allows) becomes an escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def validation_problem(error: Mapping[str, Any]) -> dict[str, Any]:
    """Where and what, never the submitted value: it may be a secret of the client's, and it may
    not even be encodable (NaN, a lone surrogate)."""
    location: Sequence[str | int] = error["loc"]
    return {
        "loc": [part if isinstance(part, int) else printable(str(part)) for part in location],
        "msg": printable(str(error["msg"])),
        "type": error["type"],
    }


class UnexpectedErrors:
    """ASGI middleware: an unexpected error becomes a 500 in the error shape, logged as its type
    and its stack of code lines only. The exception's message and its chain can hold what the
    client sent, secrets included, so neither is logged, and nothing is re-raised for the server
    to log again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            stack = "".join(traceback.format_tb(exc.__traceback__))
            logger.error(
                "Unexpected %s in %s %s\n%s",
                type(exc).__name__,
                scope["method"],
                scope["path"],
                stack.rstrip(),
            )
            if started:  # too late for a 500: the client sees the response cut short
                return
            response = error_response(
                status.HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"
            )
            await response(scope, receive, send)
