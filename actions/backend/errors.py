"""API errors: one exception for expected failures, and the handlers that shape every error."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "ApiError",
    "StorageError",
    "error_response",
    "install_error_handlers",
    "player_not_found",
]

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An expected failure, answered as ``{"error": code, "message": ...}`` with a status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}


class StorageError(Exception):
    """The SQLite database failed; answered as a 500 with a request id only."""


def player_not_found(player_id: int) -> ApiError:
    return ApiError(404, "player_not_found", f"no player with id {player_id}")


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as ``{"error", "message"}``; a 500 carries only a request id."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        body = {"error": exc.code, "message": exc.message, **exc.extra}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = describe_validation(exc.errors()) or "invalid request"
        return error_response(422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.error("unhandled error", exc_info=exc, extra={"request_id": request_id})
        return error_response(500, "internal_error", f"internal error; request id {request_id}")


def describe_validation(errors: Sequence[Any]) -> str:
    """``query.amount: Input should be a valid number`` for each problem, joined by ``; ``."""
    problems = []
    for err in errors:
        if err.get("type") == "json_invalid":
            problems.append("request body is not valid JSON")
            continue
        location = ".".join(str(part) for part in err.get("loc", ()))
        message = str(err.get("msg", "invalid value"))
        problems.append(f"{location}: {message}" if location else message)
    return "; ".join(problems)
