"""The live-agent interface: where a handed-over conversation goes, and how humans answer.

The dialogue engine decides *that* a conversation goes to a human (``action_handoff``
appends ``handover_requested``). What happens next belongs to a
:class:`LiveAgentConnector`: Destek's own queue and operator console (``bot/handover/``),
or an external help desk reached over its HTTP API (``connectors/chatwoot/``). Either
way, the connector tells the bot what the humans did through the :class:`HandoverDesk`
it was given, and the desk records each step as an event in the conversation's tracker
and delivers agent messages to the player on the player's own channel.

Direction of calls::

    engine --request/player_message/withdraw--> LiveAgentConnector
    LiveAgentConnector --assigned/agent_message/closed--> HandoverDesk --> tracker, player
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.channels import BotMessage, TranscriptEntry

__all__ = [
    "ClosingAnswers",
    "HandoverDesk",
    "HandoverRequest",
    "LiveAgentConnector",
    "LiveAgentContext",
    "LiveAgentFactory",
    "TurnReplies",
]


@dataclass(frozen=True, slots=True)
class HandoverRequest:
    """A conversation that needs a human, with what the agent should know first.

    ``history`` holds the conversation's messages so far (player, bot), oldest first, so
    an external desk can show them; Destek's own console reads the tracker instead.
    ``language`` is the project's; ``player_language`` another one the player writes in,
    when the NLU found one (``en``), for a desk that has agents who read it.
    """

    sender_id: str
    reason: str
    skill: str = "general"
    language: str = "tr"
    player_language: str | None = None
    priority: int = 0  # higher is served sooner
    summary: str = ""
    channel: str | None = None
    requested_at: float = 0.0
    player: Mapping[str, Any] = field(default_factory=dict)  # name, username, phone...
    history: tuple[TranscriptEntry, ...] = ()


class HandoverDesk(Protocol):
    """What a live-agent connector calls when humans act; each call is recorded and
    delivered before it returns. A call for a conversation that is not (or no longer)
    handed over raises :class:`bot.errors.HandoverError` and changes nothing."""

    async def assigned(self, sender_id: str, agent_id: str, agent_name: str = "") -> None:
        """An agent took the conversation: the bot is silent from now on."""
        ...

    async def agent_message(
        self, sender_id: str, agent_id: str, text: str, message_id: str | None = None
    ) -> None:
        """An agent wrote to the player: stored, then sent on the player's channel.

        ``message_id`` (an external desk's id for the message) makes the call
        idempotent across workers: the player gets the message at most once, however
        often it is given; a call that failed lets a retry through."""
        ...

    async def closed(self, sender_id: str, by: str, resolution: str | None = None) -> None:
        """The humans are done: the player is asked for a 1-5 rating and the bot is back."""
        ...


class LiveAgentConnector(Protocol):
    """Where handed-over conversations go. Calls return once the request is durable."""

    async def request(self, handover: HandoverRequest) -> None:
        """Queue the conversation (or open it in the external desk)."""
        ...

    async def player_message(self, sender_id: str, entry: TranscriptEntry) -> None:
        """The player wrote while the conversation is with the humans."""
        ...

    async def withdraw(self, sender_id: str, by: str) -> None:
        """The conversation went back to the bot before the humans closed it (the player
        chose the bot again, or nobody took it in time)."""
        ...

    async def start(self) -> None:
        """Begin I/O (timers, webhooks) once the server runs."""
        ...

    async def stop(self) -> None:
        """Finish in-flight work and release clients; called once at shutdown."""
        ...


class ClosingAnswers(Protocol):
    """What a connector may also implement: hear the player's answers to the questions
    asked after the humans closed the chat (the rating, its comment, whether a followed-up
    problem is solved), so an agent who still has the chat open sees them at once.
    Connectors without it are not told (an external desk would reopen a resolved chat)."""

    async def closing_answer(self, sender_id: str, entry: TranscriptEntry) -> None: ...


@dataclass(frozen=True, slots=True)
class LiveAgentContext:
    """What the server gives a live-agent connector: its endpoints.yml options and the desk."""

    options: Mapping[str, Any]
    desk: HandoverDesk


class LiveAgentFactory(Protocol):
    def __call__(self, context: LiveAgentContext) -> LiveAgentConnector:
        """Build the connector.

        Raises:
            ConfigError: a required option is missing or malformed (the message names it).
        """
        ...


class TurnReplies:
    """Messages a desk records for a conversation *while the engine tells the connector
    about that conversation's turn* (its place in the queue, "nobody is online", an agent
    taking it at once). They go out with the turn's own replies, after them and on the
    same answer, so a player on a channel that cannot push (REST) hears them too.

    ``with TurnReplies.collect(sender_id) as replies: ...`` opens the collection; a desk
    calls :meth:`take`, which keeps the messages and returns True only for that
    conversation while the collection is open (a task started meanwhile and running
    later delivers normally).
    """

    _current: ContextVar[TurnReplies | None] = ContextVar("destek_turn_replies", default=None)

    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id
        self.messages: list[BotMessage] = []
        self.open = True

    @classmethod
    @contextmanager
    def collect(cls, sender_id: str) -> Iterator[TurnReplies]:
        replies = cls(sender_id)
        token = cls._current.set(replies)
        try:
            yield replies
        finally:
            replies.open = False
            cls._current.reset(token)

    @classmethod
    def take(cls, sender_id: str, messages: list[BotMessage]) -> bool:
        replies = cls._current.get()
        if replies is None or not replies.open or replies.sender_id != sender_id:
            return False
        replies.messages.extend(messages)
        return True
