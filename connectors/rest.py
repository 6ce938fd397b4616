"""Rasa's REST channel: ``POST /webhooks/rest/webhook``.

The body is ``{"sender": "...", "message": "...", "metadata": {...}}``; the answer is
the list of the bot's messages, each ``{"recipient_id", "text", "buttons", "image",
"custom"}`` with only the keys it has, as Rasa answers. The turn is stored before the
answer is sent. A body that is not such an object is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels import BotMessage, MessageHandler, UserMessage

__all__ = ["CHANNEL", "RestMessage", "rest_router"]

CHANNEL = "rest"
MAX_TEXT = 10_000
NO_DIALOGUE = "the model has no dialogue policies; train it with 'bot train'"


class RestMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sender: str = Field(min_length=1, max_length=256, description="the conversation id")
    message: str | None = Field(default=None, max_length=MAX_TEXT)
    metadata: dict[str, Any] = Field(default_factory=dict)
    message_id: str | None = Field(default=None, max_length=256)


def rest_router(handler: Callable[[Request], MessageHandler | None]) -> APIRouter:
    """The REST channel's routes; ``handler`` finds the bot for a request (None: no bot
    is loaded, which is a 503)."""
    router = APIRouter()

    @router.get("/webhooks/rest/")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[BotMessage]:
        # JSON whatever the Content-Type says, as Rasa reads it.
        try:
            body = RestMessage.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from exc
        bot = handler(request)
        if bot is None:
            raise HTTPException(
                503, "the model has no dialogue policies; train it with 'bot train'"
            )
        message = UserMessage(
            text=body.message,
            sender_id=body.sender,
            input_channel=CHANNEL,
            metadata=body.metadata,
            message_id=body.message_id,
        )
        return await bot.handle(message)

    return router
