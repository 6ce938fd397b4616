"""How the desk reaches a player: the deliverer it is given, and what a recorded step
has to say (its messages in Rasa's REST shape, and the player's channel)."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from bot.channels import BotMessage
from bot.dialogue.events import BotUttered, Event, UserUttered
from bot.dialogue.handover_events import LiveAgentUttered
from bot.dialogue.tracker import Tracker

__all__ = ["Deliver", "Outgoing", "player_channel", "player_message"]


class Deliver(Protocol):
    """Sends messages to a player on their channel, out of turn. ``channel`` is the
    player's latest input channel when the caller knows it (else the deliverer finds
    it). Returning False means the channel failed and the messages did not go out."""

    def __call__(
        self, sender_id: str, messages: list[BotMessage], /, channel: str | None = None
    ) -> Awaitable[object]: ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a recorded step has to tell the player, and on which channel."""

    sender_id: str
    messages: list[BotMessage]
    channel: str | None


def player_message(sender_id: str, event: Event) -> BotMessage | None:
    """What ``event`` says to the player, or None if it says nothing."""
    if isinstance(event, LiveAgentUttered):
        return {"recipient_id": sender_id, "text": event.text}
    if isinstance(event, BotUttered):
        message: BotMessage = {"recipient_id": sender_id}
        if event.text is not None:
            message["text"] = event.text
        message.update({k: v for k, v in event.data.items() if v not in (None, [], {})})
        return message
    return None


def player_channel(tracker: Tracker) -> str | None:
    """The ``input_channel`` of the player's latest message that has one."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.input_channel:
            return event.input_channel
    return None
