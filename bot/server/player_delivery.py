"""Messages to a player outside a turn, on the channel the player last wrote on.

After a handover an agent's answer, the place-in-queue updates and the rating question
after the close must reach the player although the player did not just write. The
tracker is the record (the desk stores the events first); :class:`PlayerDelivery` then
takes the channel of the conversation's latest ``user`` event (its ``input_channel``:
the desk passes it, having just read the tracker; other callers leave it to be read
from the tracker) among the channels the server built from credentials.yml, and calls
its :meth:`~bot.channels.OutboundChannel.deliver`.

A channel that cannot push (Rasa's REST channel: the messages wait in the tracker, at
``GET /conversations/{id}/tracker``), an unknown conversation, or a channel that fails
(the Bot API down, WhatsApp's 24-hour window closed) is a :class:`DeliveryError` from
:meth:`PlayerDelivery.send`. Called as the desk's ``deliver``, the same is logged and
published to the console on ``handover:<sender_id>`` as ``delivery_failed`` (the desk's
own notice, ``messages``, plus ``error`` and ``reason``), so the agent sees that the
player did not get them; the desk's step is never undone by it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.channels import (
    OWN_SPACES,
    BotMessage,
    DeliveryError,
    Fanout,
    OutboundChannel,
    split_space,
)
from bot.handover.topics import conversation_topic
from bot.server.channel_registry import ALIASES
from bot.store.base import TrackerStore

__all__ = ["CannotPush", "PlayerDelivery", "UnknownConversation", "latest_input_channel"]

log = logging.getLogger(__name__)
DELIVERY_FAILED = "delivery_failed"


class UnknownConversation(DeliveryError):
    """The conversation has no message from the player, so no channel to reach them on."""


class CannotPush(DeliveryError):
    """The player's channel cannot send outside a turn, or is not served any more."""


class PlayerDelivery:
    """``await delivery(sender_id, messages)``: the desk's way to reach a player.

    ``channels`` maps an ``input_channel`` name to the running channel that serves it
    (``webchat`` and ``socketio`` name the same one).
    """

    def __init__(self, channels: Mapping[str, object], store: TrackerStore, fanout: Fanout) -> None:
        self.channels = dict(channels)
        self.store = store
        self.fanout = fanout

    async def send(
        self, sender_id: str, messages: Sequence[BotMessage], channel: str | None = None
    ) -> str:
        """Send ``messages`` on the player's latest channel (``channel``, when the caller
        knows it from the tracker); returns the channel's name.

        Raises:
            UnknownConversation: the player never wrote in this conversation.
            CannotPush: their channel cannot push (REST) or is not served.
            DeliveryError: the channel failed (its message says how).
            StoreError: the tracker could not be read.
        """
        spaced = split_space(sender_id)
        name: str | None
        if spaced is not None:  # the channel's own space says which channel, whatever was said
            name, own_id = spaced
        else:
            name = channel or latest_input_channel(await self.store.load(sender_id))
            own_id = sender_id
        if name is None:
            raise UnknownConversation("the conversation has no message from the player")
        if spaced is None and ALIASES.get(name, name) in OWN_SPACES:
            # A REST caller may name any channel in its body; it never reaches that
            # channel's players, whose conversations are in the channel's own space.
            raise CannotPush(f"the conversation is not one of the {name!r} channel's")
        served = self.channels.get(name)
        if served is None:
            raise CannotPush(f"the player's channel {name!r} is not served")
        if not isinstance(served, OutboundChannel):
            raise CannotPush(
                f"the channel {name!r} cannot send outside a turn; the messages wait in "
                "the conversation's tracker"
            )
        await served.deliver(own_id, messages)
        return name

    async def __call__(
        self, sender_id: str, messages: list[BotMessage], channel: str | None = None
    ) -> bool:
        """:meth:`send`, with a failure logged and shown to the console, not raised.

        Returns False when the player's channel failed (worth trying again later); True
        when the messages went out, or can never be pushed (the conversation has no
        channel that pushes: they wait in the tracker)."""
        if not messages:
            return True
        try:
            name = await self.send(sender_id, messages, channel)
        except DeliveryError as exc:
            log.warning(
                "conversation %s: %d message(s) outside a turn did not reach the player "
                "(%s: %s); they stay in the tracker",
                sender_id, len(messages), type(exc).__name__, exc,
            )  # fmt: skip
            await self._tell_console(sender_id, messages, exc)
            return isinstance(exc, (CannotPush, UnknownConversation))
        log.info("conversation %s: %d message(s) delivered on %s outside a turn",
                 sender_id, len(messages), name)  # fmt: skip
        return True

    async def _tell_console(
        self, sender_id: str, messages: list[BotMessage], exc: DeliveryError
    ) -> None:
        # The desk's own notice for a failing deliver, plus why: the console reads one shape.
        notice: dict[str, Any] = {
            "type": DELIVERY_FAILED,
            "sender_id": sender_id,
            "messages": messages,
            "error": type(exc).__name__,
            "reason": str(exc),
        }
        try:
            await self.fanout.publish(conversation_topic(sender_id), notice)
        except Exception:  # the fan-out is the live view only; the log above is the record
            log.warning("could not tell the console of conversation %s", sender_id,
                        exc_info=True)  # fmt: skip


def latest_input_channel(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The ``input_channel`` of the latest ``user`` event that has one."""
    for event in reversed(events):
        if event.get("event") == "user":
            channel = event.get("input_channel")
            if isinstance(channel, str) and channel:
                return channel
    return None
