"""A web chat session: its turns, its history, and its live fan-out topic.

Every message of a session is published on the topic ``webchat:<session_id>`` as a
frame carrying the ``origin`` of the socket it came from: the player's message
(``{"type": "user", "text", "timestamp"}``), ``{"type": "typing"}`` while the bot works,
and each answer (``{"type": "bot", "message": {...}}`` in Rasa's REST shape). Each socket
of the session, on whichever worker holds it, follows the topic and forwards the frames
that are not its own; anything else published there (an agent's message) is forwarded too.
Messages sent outside a turn (:meth:`SessionRelay.push`) are published as ``bot`` frames
from the origin :data:`OUTBOUND`, so every open tab shows them, on any worker; a tab
opened later finds them in the history, since the tracker holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels import (
    BotMessage,
    DeliveryError,
    Fanout,
    MessageHandler,
    TranscriptEntry,
    UserMessage,
)
from connectors.webchat.session_ids import SessionIds

__all__ = [
    "FAILED",
    "OUTBOUND",
    "RASA_SESSION_ID",
    "SESSION_ID",
    "UNAVAILABLE",
    "Follower",
    "SessionRelay",
    "Turn",
    "new_session_id",
    "topic",
]

log = logging.getLogger(__name__)

UNAVAILABLE = "Sohbet şu anda kullanılamıyor. Lütfen biraz sonra tekrar deneyin."
FAILED = "Mesajınız şu anda işlenemedi. Lütfen biraz sonra tekrar deneyin."
OUTBOUND = "outbound"
"""The origin of frames sent outside a turn: no socket has it, so every socket shows them."""

# A browser presents its session id to resume it; the conversation is stored under a
# keyed hash of it (see session_ids). The widget's ids are the server's random ones; a
# socket.io client's are its own, as in Rasa (rasa-webchat makes UUIDs).
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
RASA_SESSION_ID = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9_.:-]{8,128}$")

Frame = dict[str, Any]
Deliver = Callable[[Frame], Awaitable[None]]


def new_session_id() -> str:
    return SessionIds.new()


def topic(session_id: str) -> str:
    return f"webchat:{session_id}"


@dataclass(frozen=True, slots=True)
class Turn:
    """The bot's answers to one message; ``stored``: the turn is in the tracker store."""

    replies: list[BotMessage]
    stored: bool


class SessionRelay:
    """Runs a session's turns through the bot now serving and publishes them live."""

    def __init__(
        self,
        handler: Callable[[], MessageHandler | None],
        fanout: Fanout,
        ids: SessionIds | None = None,
    ) -> None:
        self.ids = ids or SessionIds("")
        self._handler = handler
        self._fanout = fanout

    async def history(self, session_id: str) -> list[TranscriptEntry]:
        """The session's messages; a button click shows the button's title."""
        bot = self._handler()
        if bot is None:
            return []
        return with_button_titles(await bot.transcript(session_id))

    async def turn(self, message: UserMessage, *, origin: str, title: str | None = None) -> Turn:
        """Answer ``message`` and publish it and the answers to the session's other sockets.

        A model that cannot chat, or a failing turn, gets a polite Turkish answer that is
        not stored; the failure is logged, never shown.
        """
        bot = self._handler()
        if bot is None:
            return Turn([{"text": UNAVAILABLE}], stored=False)
        session = topic(message.sender_id)
        shown = title or message.text or ""
        await self.publish(session, {"type": "user", "text": shown, "timestamp": time.time()},
                           origin)  # fmt: skip
        await self.publish(session, {"type": "typing"}, origin)
        try:
            replies = await bot.handle(message)
        except Exception:
            log.exception("web chat turn failed in conversation %s", message.sender_id)
            return Turn([{"text": FAILED}], stored=False)
        for reply in replies:
            await self.publish(session, {"type": "bot", "message": reply}, origin)
        return Turn(replies, stored=True)

    async def push(self, session_id: str, messages: Sequence[BotMessage]) -> None:
        """Show ``messages`` on every socket of the session now, on whichever worker.

        Raises:
            DeliveryError: the fan-out failed (the tracker still holds the messages, and
                the widget shows them from its history when it reconnects).
        """
        session = topic(session_id)
        for message in messages:
            frame = {"type": "bot", "message": dict(message), "origin": OUTBOUND}
            try:
                await self._fanout.publish(session, frame)
            except Exception as exc:  # Redis or any fan-out: named, not shown to the player
                log.warning("could not publish on %s", session, exc_info=True)
                raise DeliveryError(
                    f"webchat: the fan-out did not take a message ({type(exc).__name__})"
                ) from None

    async def publish(self, session_topic: str, frame: Mapping[str, Any], origin: str) -> None:
        """Publish ``frame``; a fan-out failure is logged (the store is the record)."""
        try:
            await self._fanout.publish(session_topic, {**frame, "origin": origin})
        except Exception:
            log.warning("could not publish on %s", session_topic, exc_info=True)

    def follower(self, session_id: str, origin: str, deliver: Deliver) -> Follower:
        return Follower(self._fanout, topic(session_id), origin, deliver)


class Follower:
    """Forwards a session's topic to one socket (skipping its own frames) until stopped."""

    def __init__(self, fanout: Fanout, session_topic: str, origin: str, deliver: Deliver) -> None:
        self.topic = session_topic
        self._fanout = fanout
        self._origin = origin
        self._deliver = deliver
        self._subscribed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Return once subscribed (or once subscribing failed: the socket works without)."""
        self._task = asyncio.create_task(self._forward())
        subscribed = asyncio.create_task(self._subscribed.wait())
        await asyncio.wait({self._task, subscribed}, return_when=asyncio.FIRST_COMPLETED)
        subscribed.cancel()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _forward(self) -> None:
        try:
            async with self._fanout.subscribe(self.topic) as frames:
                self._subscribed.set()
                async for frame in frames:
                    if frame.pop("origin", None) != self._origin:
                        await self._deliver(frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("stopped following %s", self.topic, exc_info=True)


def with_button_titles(lines: list[TranscriptEntry]) -> list[TranscriptEntry]:
    """A player's line that is the payload of the bot's last buttons gets their ``title``."""
    titled: list[TranscriptEntry] = []
    buttons: dict[str, str] = {}
    for line in lines:
        if line.get("sender") == "bot":
            buttons = {
                str(b.get("payload")): str(b.get("title"))
                for b in line.get("buttons") or ()
                if isinstance(b, Mapping)
            }
        elif line.get("text") in buttons:
            line = {**line, "title": buttons[line["text"]]}
        titled.append(line)
    return titled
