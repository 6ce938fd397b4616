"""The bot as a channel with its own id space sees it (see :data:`bot.channels.OWN_SPACES`).

:class:`SpaceHandler` puts the channel's prefix on the conversation id of what a
connector hands the bot, and takes it off the ``recipient_id`` of the answers, so a
connector keeps working with its own ids (a chat id, a number, a session id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.channels import (
    OWN_SPACES,
    BotMessage,
    MessageHandler,
    TranscriptEntry,
    UserMessage,
    in_space,
)

__all__ = ["SpaceHandler", "spaced"]


@dataclass(frozen=True, slots=True)
class SpaceHandler:
    """The bot as one channel sees it: ids in the channel's space."""

    channel: str
    bot: MessageHandler

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        own = message.sender_id
        replies = await self.bot.handle(replace(message, sender_id=in_space(self.channel, own)))
        return [{**reply, "recipient_id": own} if "recipient_id" in reply else reply
                for reply in replies]  # fmt: skip

    async def transcript(self, sender_id: str) -> list[TranscriptEntry]:
        return await self.bot.transcript(in_space(self.channel, sender_id))


def spaced(
    channel: str, handler: Callable[[], MessageHandler | None]
) -> Callable[[], MessageHandler | None]:
    """``handler`` as ``channel`` should see it: in the channel's own space when it has one."""
    if channel not in OWN_SPACES:
        return handler

    def current() -> MessageHandler | None:
        bot = handler()
        return None if bot is None else SpaceHandler(channel, bot)

    return current
