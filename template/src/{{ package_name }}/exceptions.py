"""The error base class and the handlers that give every error response one JSON shape:

    {"code": "item_not_found", "detail": "Item not found"}

`code` is stable for clients to branch on; `detail` is for humans (for 422, the list of problems).
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


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
        detail = jsonable_encoder(exc.errors())
        return error_response(status.HTTP_422_UNPROCESSABLE_CONTENT, "validation_error", detail)

    @app.exception_handler(Exception)
    async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # The server still logs the traceback: Starlette re-raises after sending this response.
        return error_response(
            status.HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"
        )
