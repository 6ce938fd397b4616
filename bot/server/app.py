"""``create_app``: the FastAPI application and its lifespan (load model, start batcher)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__
from bot.channels import MessageHandler
from bot.config import read_credentials
from bot.errors import ConfigError
from bot.model_storage import TrainedModel, load_model
from bot.nlu.message import Message
from bot.server.api import public_router
from bot.server.api import router as api_router
from bot.server.conversations import ConversationService, service_of, tracker_router
from bot.server.parse_batcher import ParseBatcher
from bot.settings import Settings
from connectors import rest

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _error(status: int, reason: str, message: str) -> JSONResponse:
    # Rasa's error body shape, so clients that read it keep working.
    body = {
        "version": __version__,
        "status": "failure",
        "message": message,
        "reason": reason,
        "code": status,
    }
    return JSONResponse(body, status_code=status)


def create_app(settings: Settings, model: TrainedModel | None = None) -> FastAPI:
    """Build the app. ``model`` may be given ready (tests); otherwise it is loaded."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = model or load_model(settings.model)
        if loaded.nlu is None:
            log.warning("model %s has no NLU pipeline", loaded.name)
        app.state.model = loaded
        app.state.batcher = ParseBatcher(_parse_fn(loaded), settings.max_batch)
        await app.state.batcher.start(loaded.nlu.warm_up if loaded.nlu else None)
        app.state.conversations = ConversationService.start(settings, loaded, app.state.batcher)
        log.info("model loaded", extra={"model": loaded.name})
        yield
        if app.state.conversations is not None:
            await app.state.conversations.stop()
        await app.state.batcher.stop()

    app = FastAPI(title="Destek", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.include_router(public_router)
    if settings.enable_api:
        app.include_router(api_router)
        app.include_router(tracker_router)
    for channel in _channels(settings.credentials):
        app.include_router(CHANNEL_ROUTERS[channel](service_engine))

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.max_body_bytes:
            return _error(
                413, "PayloadTooLarge", f"request body over {settings.max_body_bytes} bytes"
            )
        return await call_next(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, _reason(exc.status_code), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(400, "BadRequest", _describe(exc.errors()) or "invalid request body")

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error", extra={"request_id": request_id})
        return _error(500, "ServerError", f"internal error; request id {request_id}")

    return app


def _describe(errors: Sequence[Any]) -> str:
    problems = []
    for err in errors:
        if err.get("type") == "json_invalid":
            problems.append("request body is not valid JSON")
            continue
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        problems.append(f"{'.'.join(['body', *loc])}: {err.get('msg')}")
    return "; ".join(problems)


def _reason(status: int) -> str:
    return {
        400: "BadRequest",
        404: "NotFound",
        405: "MethodNotAllowed",
        409: "Conflict",
        413: "PayloadTooLarge",
        415: "UnsupportedMediaType",
        503: "ServiceUnavailable",
    }.get(status, "Error")


def _parse_fn(model: TrainedModel) -> Callable[[Sequence[str]], list[Message]]:
    if model.nlu is None:
        return lambda texts: [Message(text=t) for t in texts]
    return model.nlu.parse_batch


def service_engine(request: Request) -> MessageHandler | None:
    service = service_of(request)
    return None if service is None else service.engine


CHANNEL_ROUTERS: dict[str, Callable[[Callable[[Request], MessageHandler | None]], APIRouter]] = {
    rest.CHANNEL: rest.rest_router,
}


def _channels(path: Path) -> list[str]:
    """The channels credentials.yml names (REST alone when there is no such file).

    Raises:
        ConfigError: a channel Destek does not have.
    """
    if not path.exists():
        return [rest.CHANNEL]
    names = list(read_credentials(path))
    unknown = [n for n in names if n not in CHANNEL_ROUTERS]
    if unknown:
        known = ", ".join(sorted(CHANNEL_ROUTERS))
        raise ConfigError(f"{path}: unknown channel {', '.join(unknown)}; known: {known}")
    return names
