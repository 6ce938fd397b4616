"""Rasa's REST channel: ``POST /webhooks/rest/webhook``.

The body is ``{"sender": "...", "message": "...", "metadata": {...}}``; the answer is
the list of the bot's messages, each ``{"recipient_id", "text", "buttons", "image",
"custom"}`` with only the keys it has, as Rasa answers. The turn is stored before the
answer is sent. A body that is not such an object is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request

from bot.channels import BotMessage, ChannelContext, MessageHandler
from connectors.rest_auth import RestAuth
from connectors.rest_message import NO_DIALOGUE, read_body

__all__ = ["CHANNEL", "RestChannel", "rest_router"]

CHANNEL = "rest"
OPEN = RestAuth("open")


class RestChannel:
    """Rasa's REST channel; who may call it is in its options (:mod:`connectors.rest_auth`).

    Raises:
        ConfigError: an unknown option, or an ``auth`` without its secret.
    """

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.auth = RestAuth.from_options(context.options or {}, Path.cwd())

    def install(self, app: FastAPI) -> None:
        app.include_router(rest_router(self.context.handler, self.auth))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def rest_router(handler: Callable[[], MessageHandler | None], auth: RestAuth = OPEN) -> APIRouter:
    """The REST channel's routes; ``handler`` gives the bot now (None: it cannot chat,
    which is a 503); ``auth`` checks the caller (a 401 before anything is read)."""
    router = APIRouter()

    @router.get("/webhooks/rest/")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[BotMessage]:
        body = await read_body(request)
        auth.check(request, body.sender)
        bot = handler()
        if bot is None:
            raise HTTPException(503, NO_DIALOGUE)
        return await bot.handle(body.user_message(CHANNEL))

    return router
