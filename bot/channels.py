"""The channel interface: what a connector hands the bot, and what it gets back.

A connector (``connectors/``) turns a channel's webhook or socket message into a
:class:`UserMessage` and gives it to a :class:`MessageHandler` (the dialogue engine);
the handler answers with the bot's messages in Rasa's REST shape
(``{"recipient_id", "text", "buttons", "image", "custom", ...}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["BotMessage", "MessageHandler", "UserMessage"]

BotMessage = dict[str, Any]
"""A message for the player: ``text``, ``buttons``, ``image``, ``custom``... (Rasa's keys)."""


@dataclass(frozen=True, slots=True)
class UserMessage:
    """A player's message as a channel hands it over."""

    text: str | None
    sender_id: str
    input_channel: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None


class MessageHandler(Protocol):
    async def handle(self, message: UserMessage) -> list[BotMessage]:
        """Run one turn; the events are stored before this returns."""
        ...
