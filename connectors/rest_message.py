"""The body of Rasa's REST and callback channels, and how a bad one is refused."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.channels import UserMessage, split_space

__all__ = ["MAX_TEXT", "NO_DIALOGUE", "RestMessage", "read_body"]

MAX_TEXT = 10_000
NO_DIALOGUE = "the model has no dialogue policies; train it with 'bot train'"


class RestMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sender: str = Field(min_length=1, max_length=256, description="the conversation id")
    message: str | None = Field(default=None, max_length=MAX_TEXT)
    metadata: dict[str, Any] = Field(default_factory=dict)
    message_id: str | None = Field(default=None, max_length=256)
    # Rasa lets a caller name the channel, so channel-specific responses apply.
    input_channel: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("sender")
    @classmethod
    def _not_another_channels(cls, sender: str) -> str:
        spaced = split_space(sender)
        if spaced is not None:
            raise ValueError(
                f"'{spaced[0]}:' begins the ids of the {spaced[0]} channel's conversations; "
                "a REST conversation cannot name one"
            )
        return sender

    def user_message(self, channel: str) -> UserMessage:
        return UserMessage(
            text=self.message,
            sender_id=self.sender,
            input_channel=self.input_channel or channel,
            metadata=self.metadata,
            message_id=self.message_id,
            # The answer travels only in the HTTP reply: a retry after a broken connection
            # (or a worker that died after storing the turn) gets it again.
            replay=channel == "rest",
        )


async def read_body(request: Request) -> RestMessage:
    """The body as a :class:`RestMessage`; JSON whatever the Content-Type says, as Rasa
    reads it. Raises a 400 naming the bad field."""
    try:
        return RestMessage.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
