"""Every JSON body the console's API takes or gives, and every websocket frame it pushes.

The pages hold no business rules: what an agent may see and do is decided by the
server, and these models are the whole contract between the two.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "AgentOut",
    "CloseBody",
    "Conversation",
    "ErrorBody",
    "HistoryItem",
    "LoginBody",
    "Me",
    "NoteOut",
    "QueueItem",
    "QueueView",
    "SlaState",
    "SocketFrame",
    "StatusBody",
    "TextBody",
    "TransferBody",
    "WatchFrame",
]

SlaState = Literal["ok", "warning", "breached"]
Status = Literal["online", "away", "offline"]


class ErrorBody(BaseModel):
    """What a refused request answers: a code for the pages, a message for people."""

    code: str
    message: str
    details: dict[str, str | int] = {}


class LoginBody(BaseModel):
    login: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024)


class StatusBody(BaseModel):
    status: Status


class TextBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class TransferBody(BaseModel):
    """To one agent or to a team (exactly one), with a note the player never sees."""

    to_agent: str | None = None
    team: str | None = None
    note: str = Field(default="", max_length=4000)


class CloseBody(BaseModel):
    resolution: str = Field(min_length=1, max_length=64)


class Me(BaseModel):
    id: str
    login: str
    name: str
    role: str
    status: str
    skills: list[str]
    teams: list[str]
    max_chats: int


class AgentOut(BaseModel):
    """Another operator, as a transfer target."""

    id: str
    name: str
    status: str
    teams: list[str]


class QueueItem(BaseModel):
    sender_id: str
    player: str | None  # the name (or username) the bot knew, if any
    status: str
    reason: str
    skill: str
    language: str
    priority: int
    summary: str
    channel: str | None
    agent_id: str | None
    requested_at: float
    wait_seconds: float
    sla_seconds: float
    sla_state: SlaState
    escalated: bool


class QueueView(BaseModel):
    """The waiting chats (all, most urgent first), mine, and who I can transfer to."""

    now: float
    waiting: list[QueueItem]  # the most urgent first, at most a page's worth
    waiting_total: int
    mine: list[QueueItem]
    others: list[QueueItem]  # held by other agents: supervisors and admins only
    agents: list[AgentOut]
    teams: list[str]
    resolutions: list[str]


class HistoryItem(BaseModel):
    """One line of the conversation as the agent reads it."""

    kind: Literal[
        "player", "bot", "agent", "handover", "assigned", "closed", "csat", "csat_comment",
        "follow_up",
    ]  # fmt: skip
    timestamp: float
    text: str | None = None
    intent: str | None = None
    confidence: float | None = None
    agent_id: str | None = None
    reason: str | None = None
    summary: str | None = None
    resolution: str | None = None
    score: int | None = None


class NoteOut(BaseModel):
    id: int
    agent_id: str
    text: str
    created_at: float


class Conversation(BaseModel):
    sender_id: str
    entry: QueueItem | None
    reason: str | None
    summary: str | None
    history: list[HistoryItem]
    notes: list[NoteOut]


class WatchFrame(BaseModel):
    """From the page: the conversations whose live messages it wants (mine, the open one)."""

    type: Literal["watch"]
    sender_ids: list[str] = Field(max_length=100)


class SocketFrame(BaseModel):
    """To the page. ``queue``: the queue changed (``kind``: queued, assigned, closed...);
    ``assigned``: a chat was given to me; ``conversation``: a watched chat changed, with
    its new lines; ``hello``: the socket follows the queue; ``watching``: it follows the
    conversations of the latest ``watch``."""

    type: Literal["hello", "watching", "queue", "assigned", "conversation"]
    kind: str | None = None
    sender_id: str | None = None
    items: list[HistoryItem] = Field(default_factory=list)
