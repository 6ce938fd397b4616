"""``create_app``: the FastAPI application and its lifespan (load the model, start the
channels; stop them in reverse)."""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__
from bot.channels import ChannelContext, InputChannel, MessageHandler
from bot.errors import StoreError
from bot.log_format import configure_logging
from bot.model_storage import TrainedModel, load_model
from bot.secret_files import project_secret
from bot.server import heap
from bot.server.api import public_router
from bot.server.api import router as api_router
from bot.server.audit_trail import audit_of
from bot.server.auth import api_token, require_token
from bot.server.body_limit import BodyLimit
from bot.server.channel_registry import ALIASES, configured_channels
from bot.server.console import install_console
from bot.server.console.csrf import SameOriginWrites
from bot.server.conversation_api import router as conversation_router
from bot.server.handover_wiring import build_live_agents
from bot.server.id_spaces import spaced
from bot.server.model_reload import ModelWatcher
from bot.server.model_reload import router as model_router
from bot.server.player_delivery import PlayerDelivery
from bot.server.rate_limit import install_rate_limits
from bot.server.runtime import ConversationService
from bot.server.security_headers import SecurityHeaders
from bot.settings import Settings, environment

__all__ = ["app_from_environment", "create_app"]

log = logging.getLogger(__name__)
RETRY_AFTER = 5  # seconds a client is asked to wait when storage is down


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


def create_app(
    settings: Settings, model: TrainedModel | None = None, *, warn_channels: bool = True
) -> FastAPI:
    """Build the app. ``model`` may be given ready (tests); otherwise it is loaded.

    ``warn_channels``: log what credentials.yml asks for and is not served (a Rasa-only
    channel) as warnings; a worker passes False, since its parent has said so once.

    Raises:
        ConfigError: credentials.yml or endpoints.yml names something Destek lacks.
    """
    conversations = ConversationService.from_settings(settings)
    named = _build_channels(settings, conversations, warn_channels)
    channels = list(named.values())
    delivery = PlayerDelivery(_by_input_channel(named), conversations.store, conversations.fanout)
    live_agents = build_live_agents(conversations, delivery)
    conversations.live_agents = live_agents.connector

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = model or load_model(settings.model)
        if loaded.nlu is None:
            log.warning("model %s has no NLU pipeline", loaded.name)
        await conversations.load(loaded)
        watcher = ModelWatcher(
            conversations, settings.model, settings.model_watch_interval, audit_of(app)
        )
        if _watches(settings, loaded):
            watcher.start(loaded.path)
        started: list[InputChannel] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
            await live_agents.start()  # its timers may reach players: after the channels
            heap.settle()
            yield
        finally:
            heap.thaw()
            await watcher.stop()
            await live_agents.stop()
            for channel in reversed(started):
                await channel.stop()
            await conversations.stop()

    # No /docs or /redoc: they run an inline script and fetch their code from a CDN,
    # which neither the security headers nor an offline install allow (/openapi.json stays).
    app = FastAPI(
        title="Destek", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.api_token = api_token(settings)  # the HTTP API's; see bot/server/auth.py
    if settings.enable_api and app.state.api_token is None:
        log.warning("the HTTP API is served without a token: anyone who reaches it may use it")
    app.state.conversations = conversations
    app.state.player_delivery = delivery  # the handover desk's way to reach a player
    app.state.live_agents = live_agents  # the desk, the queue store, the connector
    live_agents.install(app)  # an external desk's webhook (Chatwoot)
    app.include_router(public_router)
    install_console(app, settings, live_agents)  # /console: the operators' pages and API
    if settings.enable_api:
        guarded = [Depends(require_token)]
        app.include_router(api_router, dependencies=guarded)
        app.include_router(conversation_router, dependencies=guarded)
        app.include_router(model_router, dependencies=guarded)
    for channel in channels:
        channel.install(app)

    install_rate_limits(app, conversations)  # inside BodyLimit: it reads bodies
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SameOriginWrites)  # the console takes writes from its own pages
    app.add_middleware(SecurityHeaders)  # outermost: every answer gets them

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, _reason(exc.status_code), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(400, "BadRequest", _describe(exc.errors()) or "invalid request body")

    @app.exception_handler(StoreError)
    async def store_down(request: Request, exc: StoreError) -> JSONResponse:
        # The message was not stored, so it was not acknowledged: the sender may retry
        # (Telegram and WhatsApp do on their own).
        log.error("store unavailable: %s", exc)
        response = _error(503, "ServiceUnavailable", "storage is unavailable; retry shortly")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error", extra={"request_id": request_id})
        return _error(500, "ServerError", f"internal error; request id {request_id}")

    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process, from the ``DESTEK_`` settings its parent exported."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings, warn_channels=False)  # `bot run` warned before forking


def _watches(settings: Settings, model: TrainedModel) -> bool:
    """Whether to watch the models directory: only for a model served from it (a model
    handed to create_app from elsewhere is not replaced by what lies in ./models)."""
    directory = settings.model
    if settings.model_watch_interval <= 0 or not directory.is_dir() or model.path is None:
        return False
    return model.path.resolve().parent == directory.resolve()


def _build_channels(
    settings: Settings, service: ConversationService, warn: bool
) -> dict[str, InputChannel]:
    def handler() -> MessageHandler | None:
        return service if service.can_chat else None

    plan = configured_channels(settings.credentials, environment())
    for warning in plan.warnings:  # a Rasa channel Destek does not serve, or none at all
        log.log(logging.WARNING if warn else logging.DEBUG, warning)
    secret = _channel_secret(settings)
    return {
        channel.name: channel.build(
            ChannelContext(
                channel.name,
                channel.options,
                spaced(channel.name, handler),  # a channel's own ids stay its own
                service.fanout,
                hmac.new(secret.encode(), channel.name.encode(), "sha256").hexdigest(),
            )
        )
        for channel in plan.channels
    }


def _channel_secret(settings: Settings) -> str:
    """``DESTEK_CHANNEL_SECRET``, else the project's own, kept in ``.destek/``."""
    if settings.channel_secret is not None:
        return settings.channel_secret.get_secret_value()
    return project_secret(settings.credentials.resolve().parent, "channel-secret")


def _by_input_channel(channels: dict[str, InputChannel]) -> dict[str, InputChannel]:
    """The running channel for each ``input_channel`` a player's message can carry: its
    credentials.yml name, an alias (``socketio`` is the web chat), and a custom channel's
    own ``name()`` (Rasa's channels name themselves so)."""
    named = dict(channels)
    for alias, target in ALIASES.items():
        if target in channels:
            named.setdefault(alias, channels[target])
    for channel in channels.values():
        own = getattr(channel, "name", None)
        if callable(own):
            try:
                value = own()
            except TypeError:
                continue  # a name() that wants arguments is not Rasa's
            if isinstance(value, str) and value:
                named.setdefault(value, channel)
    return named


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
        401: "NotAuthenticated",
        403: "NotAuthorized",
        404: "NotFound",
        405: "MethodNotAllowed",
        409: "Conflict",
        413: "PayloadTooLarge",
        415: "UnsupportedMediaType",
        503: "ServiceUnavailable",
    }.get(status, "Error")
