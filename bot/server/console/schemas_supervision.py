"""The JSON bodies of the supervisor's floor view and of the admin page."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.server.console.schemas import QueueItem

__all__ = [
    "AdminAgent",
    "AgentEdit",
    "AgentLoadOut",
    "DisabledBody",
    "FloorTotalsOut",
    "FloorView",
    "NewAgent",
    "NewTeam",
    "PasswordBody",
    "QueueLineOut",
    "ReassignBody",
    "TeamOut",
]

Role = Literal["agent", "supervisor", "admin"]
Names = list[str]


class QueueLineOut(BaseModel):
    kind: Literal["skill", "team"]
    name: str
    language: str
    waiting: int
    longest_wait: float
    past_sla: int
    expected_wait: float | None
    oldest_sender_id: str


class AgentLoadOut(BaseModel):
    id: str
    login: str
    name: str
    role: str
    status: str
    skills: Names
    languages: Names
    teams: Names
    chats: int
    max_chats: int
    load: float
    last_assigned_at: float
    status_since: float  # epoch seconds; 0 when not known (set before migration 0006)


class FloorTotalsOut(BaseModel):
    waiting: int
    in_chats: int
    online_agents: int
    away_agents: int
    free_capacity: int
    past_sla: int


class FloorView(BaseModel):
    """Every queue, every enabled agent, the totals, and the chats past their SLA
    (the most urgent first, at most a page's worth; ``totals.past_sla`` counts all)."""

    now: float
    queues: list[QueueLineOut]
    agents: list[AgentLoadOut]
    totals: FloorTotalsOut
    late: list[QueueItem]
    teams: Names


class AdminAgent(BaseModel):
    id: str
    login: str
    name: str
    role: str
    status: str
    skills: Names
    languages: Names
    teams: Names
    max_chats: int
    disabled: bool
    created_at: float


class AgentEdit(BaseModel):
    """A change to an agent's profile; what is left out stays as it is."""

    name: str | None = Field(default=None, max_length=255)
    role: Role | None = None
    skills: Names | None = Field(default=None, max_length=50)
    languages: Names | None = Field(default=None, max_length=50)
    teams: Names | None = Field(default=None, max_length=50)
    max_chats: int | None = None


class NewAgent(BaseModel):
    login: str = Field(max_length=255)
    name: str = Field(max_length=255)
    password: str = Field(max_length=1024)
    role: Role = "agent"
    skills: Names = Field(default_factory=lambda: ["general"], max_length=50)
    languages: Names = Field(default_factory=lambda: ["tr"], max_length=50)
    teams: Names = Field(default_factory=list, max_length=50)
    max_chats: int = 3


class DisabledBody(BaseModel):
    disabled: bool


class PasswordBody(BaseModel):
    password: str = Field(max_length=1024)


class TeamOut(BaseModel):
    name: str
    description: str
    members: int


class NewTeam(BaseModel):
    name: str = Field(max_length=64)
    description: str = Field(default="", max_length=1000)


class ReassignBody(BaseModel):
    """To one agent or (a chat an agent holds) to a team, with a private note."""

    to_agent: str | None = None
    team: str | None = None
    note: str = Field(default="", max_length=4000)
