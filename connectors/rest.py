"""Rasa's REST channel: ``POST /webhooks/rest/webhook``.

The body is ``{"sender": "...", "message": "...", "metadata": {...}}``; the answer is
the list of the bot's messages, each ``{"recipient_id", "text", "buttons", "image",
"custom"}`` with only the keys it has, as Rasa answers. The turn is stored before the
answer is sent. A body that is not such an object is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels import BotMessage, ChannelContext, MessageHandler, UserMessage

__all__ = ["CHANNEL", "NO_DIALOGUE", "RestChannel", "RestMessage", "read_body", "rest_router"]

CHANNEL = "rest"
MAX_TEXT = 10_000
NO_DIALOGUE = "the model has no dialogue policies; train it with 'bot train'"


class RestMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sender: str = Field(min_length=1, max_length=256, description="the conversation id")
    message: str | None = Field(default=None, max_length=MAX_TEXT)
    metadata: dict[str, Any] = Field(default_factory=dict)
    message_id: str | None = Field(default=None, max_length=256)

    def user_message(self, channel: str) -> UserMessage:
        return UserMessage(
            text=self.message,
            sender_id=self.sender,
            input_channel=channel,
            metadata=self.metadata,
            message_id=self.message_id,
        )


class RestChannel:
    """Rasa's REST channel. It has no options."""

    def __init__(self, context: ChannelContext) -> None:
        self.context = context

    def install(self, app: FastAPI) -> None:
        app.include_router(rest_router(self.context.handler))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def rest_router(handler: Callable[[], MessageHandler | None]) -> APIRouter:
    """The REST channel's routes; ``handler`` gives the bot now (None: it cannot chat,
    which is a 503)."""
    router = APIRouter()

    @router.get("/webhooks/rest/")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[BotMessage]:
        body = await read_body(request)
        bot = handler()
        if bot is None:
            raise HTTPException(503, NO_DIALOGUE)
        return await bot.handle(body.user_message(CHANNEL))

    return router


async def read_body(request: Request) -> RestMessage:
    """The body as a :class:`RestMessage`; JSON whatever the Content-Type says, as Rasa
    reads it. Raises a 400 naming the bad field."""
    try:
        return RestMessage.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
