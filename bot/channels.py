"""The channel interface: what a connector hands the bot, and what it gets back.

A connector (``connectors/``) turns a channel's webhook or socket message into a
:class:`UserMessage` and gives it to the :class:`MessageHandler` (the bot); the handler
answers with the bot's messages in Rasa's REST shape (``{"recipient_id", "text",
"buttons", "image", "custom", ...}``) after the turn's events are stored.

The server builds each channel named in credentials.yml through its registered
:data:`ChannelFactory`, giving it a :class:`ChannelContext`; the channel adds its routes
to the app in :meth:`InputChannel.install` and does its I/O between :meth:`start` and
:meth:`stop` (setting a webhook, long polling, closing its HTTP client).

A channel that can reach a player outside a turn (an agent's message after a handover,
the rating question after the close, a place-in-queue update) is also an
:class:`OutboundChannel`; one that cannot (Rasa's REST channel) simply lacks ``deliver``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.errors import DestekError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "FOLLOW_UP_TEMPLATE",
    "OWN_SPACES",
    "SENDER_LIMIT",
    "TEMPLATE_KEY",
    "BotMessage",
    "ChannelContext",
    "ChannelFactory",
    "DeliveryError",
    "Fanout",
    "InputChannel",
    "MessageHandler",
    "OutboundChannel",
    "SenderLimit",
    "TranscriptEntry",
    "UserMessage",
    "in_space",
    "split_space",
]

BotMessage = dict[str, Any]
"""A message for the player: ``text``, ``buttons``, ``image``, ``custom``... (Rasa's keys)."""

TEMPLATE_KEY = "template"
"""A message key naming a purpose (``FOLLOW_UP_TEMPLATE``): a channel that must send an
approved template outside its window (WhatsApp) sends its template for it instead."""
FOLLOW_UP_TEMPLATE = "follow_up"

TranscriptEntry = dict[str, Any]
"""One line of a conversation's history: ``{"sender": "user" | "bot", "text", "timestamp",
...}`` plus a bot message's ``buttons``, ``image``, ``custom``."""


@dataclass(frozen=True, slots=True)
class UserMessage:
    """A player's message as a channel hands it over.

    ``message_id`` is the channel's own id of the message (a Telegram ``update_id``, a
    WhatsApp ``wamid``): a message whose id the conversation already holds is a retried
    delivery, and the bot runs no second turn for it. It answers ``[]``, or, with
    ``replay``, what it answered the first time: for a channel whose answer travels only
    in its reply (REST), a caller whose connection broke before the reply never saw it.
    """

    text: str | None
    sender_id: str
    input_channel: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    replay: bool = False


class MessageHandler(Protocol):
    async def handle(self, message: UserMessage) -> list[BotMessage]:
        """Run one turn; the events are stored before this returns. A retried delivery
        (a ``message_id`` already seen) returns ``[]``."""
        ...

    async def transcript(self, sender_id: str) -> list[TranscriptEntry]:
        """The conversation's messages so far, oldest first (``[]`` for a new one)."""
        ...


class Fanout(Protocol):
    """Publishes a conversation's live messages to every worker that has subscribers.

    In one process it is in memory; with several workers it is Redis pub/sub, so a
    message published by one worker reaches a websocket held by another. Messages are
    JSON-able dicts; delivery is at most once and only to current subscribers (the
    tracker store is the record).
    """

    async def publish(self, topic: str, message: Mapping[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """``async with fanout.subscribe(t) as messages: async for m in messages: ...``"""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What the server gives a channel.

    ``options``: the channel's credentials.yml section, ``${VAR}``s already replaced.
    ``handler``: returns the bot as it is now (a reloaded model swaps it), or None when
    the model cannot chat (NLU only); call it for every message, never keep the result.
    """

    name: str
    options: Mapping[str, Any]
    handler: Callable[[], MessageHandler | None]
    fanout: Fanout
    secret: str = ""
    """The server's secret for this channel (the same in every worker and after a
    restart): what the channel signs for its clients, e.g. the web chat's session ids."""


class InputChannel(Protocol):
    """A channel connector as the server runs it."""

    def install(self, app: FastAPI) -> None:
        """Add the channel's routes (and any mounted ASGI app) to ``app``."""
        ...

    async def start(self) -> None:
        """Begin I/O once the bot is loaded (set a webhook, start polling...)."""
        ...

    async def stop(self) -> None:
        """Finish in-flight work and release clients; called once at shutdown."""
        ...


class DeliveryError(DestekError):
    """A message for a player, sent outside a turn, did not reach them (the channel cannot
    push, refused it, or is down); it stays in the conversation's tracker."""


@runtime_checkable
class OutboundChannel(Protocol):
    """A channel that can send a player messages outside a turn."""

    async def deliver(self, sender_id: str, messages: Sequence[BotMessage]) -> None:
        """Send ``messages`` to the conversation ``sender_id`` now, in order.

        Raises:
            DeliveryError: the channel is not started, or refused or failed to send; the
                message says which and why, without the player's data.
        """
        ...


OWN_SPACES = ("telegram", "whatsapp", "webchat")
"""Channels that prove who writes and so have their own conversation ids: a Telegram chat
is proven by Telegram (the webhook's secret token), a WhatsApp number by Meta's signature,
a web-chat session by the signed session id only its browser holds. Their conversations
are stored as ``telegram:<chat id>``, ``whatsapp:<number>``, ``webchat:<session>``, and
the REST channel, whose ids are the caller's as in Rasa, refuses an id in one of these
spaces: no caller of one channel can name another channel's player. Connectors never see
the prefix (the server adds it and takes it off); custom channels share REST's space."""


def in_space(channel: str, channel_id: str) -> str:
    """The stored conversation id of ``channel_id`` on ``channel``."""
    return f"{channel}:{channel_id}" if channel in OWN_SPACES else channel_id


def split_space(sender_id: str) -> tuple[str, str] | None:
    """``(channel, the channel's own id)`` of a stored conversation id in a channel's own
    space; None for an id of the shared space (REST, callback, custom channels)."""
    channel, colon, own = sender_id.partition(":")
    if colon and own and channel in OWN_SPACES:
        return channel, own
    return None


ChannelFactory = Callable[[ChannelContext], InputChannel]
"""Builds a channel from its context.

Raises:
    ConfigError: a required option is missing or malformed (the message names it).
"""


SENDER_LIMIT = "sender_limit"
"""Where the server offers its :class:`SenderLimit`: ``app.state.sender_limit`` (absent
when the server runs without rate limits)."""


class SenderLimit(Protocol):
    """The server's per-sender rate limit, for channels whose messages arrive as socket
    frames, past the HTTP middleware that limits webhooks."""

    async def retry_after(self, key: str) -> float:
        """0.0, and one message of ``key`` is counted; else the seconds to wait before
        sending it (the message is not taken: refuse it without an acknowledgement)."""
        ...
