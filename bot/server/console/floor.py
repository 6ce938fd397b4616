"""What the console works on (the queue, the agents' actions, the sessions) and who may
see what: an agent sees their own chats and those waiting in the common queue or their
teams' queues; supervisors and admins all (the whole matrix: ``guards.py``).

Refusals are :class:`ConsoleProblem` with a status, a code for the pages and a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.requests import HTTPConnection

from bot.errors import HandoverError
from bot.handover.agent_actions import SUPERVISOR_ROLES, AgentActions
from bot.handover.builtin_connector import BuiltinLiveAgents
from bot.handover.queue import LiveQueue
from bot.server.console.schemas import AgentOut, QueueItem, SlaState
from bot.server.console.sessions import ConsoleSessions
from bot.server.handover_wiring import LiveAgents
from bot.store.base import TrackerStore
from bot.store.queue_base import ENTRY_WAITING, Agent, QueueEntry

__all__ = [
    "ConsoleProblem",
    "Floor",
    "agent_out",
    "can_see",
    "conflict",
    "floor_of",
    "queue_item",
]

SLA_WARNING_SHARE = 2 / 3  # past this share of its target, a waiting chat turns amber


class ConsoleProblem(Exception):
    """A refused console request: ``status`` (401, 403, 404, 409), ``code``, ``message``,
    and ``details`` that fill the blanks of the page's own text for the code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}  # e.g. a 429's Retry-After


_UNPROCESSABLE = {"unfilled_variable"}  # the request itself is incomplete, not the chat's state


def conflict(error: HandoverError, code: str | None = None) -> ConsoleProblem:
    """A handover step that does not fit the chat's state, as a 409 with the step's own
    code (``not_yours``, ``agent_offline``...) unless the route knows better; a text
    still holding a canned ``{variable}`` is a 422."""
    status = 422 if error.code in _UNPROCESSABLE else 409
    return ConsoleProblem(status, code or error.code, str(error), dict(error.details))


@dataclass(frozen=True, slots=True)
class Floor:
    queue: LiveQueue
    actions: AgentActions
    sessions: ConsoleSessions
    trackers: TrackerStore

    @classmethod
    def build(cls, live_agents: LiveAgents, sessions: ConsoleSessions) -> Floor | None:
        """The floor of Destek's own queue; None for a connector that is not ours (an
        external help desk has its own console)."""
        connector = live_agents.connector
        if not isinstance(connector, BuiltinLiveAgents):
            return None
        return cls(connector.queue, connector.agents, sessions, live_agents.desk.trackers)

    async def signed_in(self, connection: HTTPConnection) -> Agent:
        agent = await self.sessions.agent(connection)
        if agent is None:
            raise ConsoleProblem(401, "not_signed_in", "sign in to the console")
        return agent

    async def visible_entry(self, agent: Agent, sender_id: str) -> QueueEntry | None:
        """The chat's active entry if the agent may read it (supervisors: any chat)."""
        entry = await self.queue.store.entry(sender_id)
        if agent.role in SUPERVISOR_ROLES:
            return entry
        if entry is None or not can_see(agent, entry):
            raise ConsoleProblem(403, "not_yours", "this chat is neither in your queue nor yours")
        return entry

    async def owned_entry(self, agent: Agent, sender_id: str) -> QueueEntry:
        """The chat's entry if the agent holds it (a supervisor may act on any)."""
        entry = await self.queue.store.entry(sender_id)
        if entry is None:
            raise ConsoleProblem(409, "not_active", "the chat is closed")
        if entry.agent_id != agent.id and agent.role not in SUPERVISOR_ROLES:
            raise ConsoleProblem(403, "not_yours", "the chat belongs to another agent")
        return entry


def floor_of(app: FastAPI) -> Floor:
    floor: Floor | None = getattr(app.state, "console_floor", None)
    if floor is None:
        raise ConsoleProblem(404, "no_console", "the live-agent connector has its own console")
    return floor


def can_see(agent: Agent, entry: QueueEntry) -> bool:
    """Supervisors and admins see every chat; an agent the chats they hold and those
    waiting in the common queue or in one of their teams' (a chat transferred to a team
    waits for that team only)."""
    if agent.role in SUPERVISOR_ROLES:
        return True
    if entry.agent_id == agent.id:
        return True
    return entry.status == ENTRY_WAITING and (entry.team is None or entry.team in agent.teams)


def queue_item(queue: LiveQueue, entry: QueueEntry, now: float) -> QueueItem:
    target = queue.config.sla.target(entry.priority)
    waited = max(0.0, now - entry.requested_at)
    state: SlaState = "ok"
    if entry.status == ENTRY_WAITING and waited > target:
        state = "breached"
    elif entry.status == ENTRY_WAITING and waited > target * SLA_WARNING_SHARE:
        state = "warning"
    known = entry.player.get("name") or entry.player.get("username")
    return QueueItem(
        sender_id=entry.sender_id,
        player=str(known) if known else None,
        status=entry.status,
        reason=entry.reason,
        skill=entry.skill,
        language=entry.language,
        priority=entry.priority,
        summary=entry.summary,
        channel=entry.channel,
        agent_id=entry.agent_id,
        requested_at=entry.requested_at,
        wait_seconds=waited,
        sla_seconds=target,
        sla_state=state,
        escalated=entry.escalated,
    )


def agent_out(agent: Agent) -> AgentOut:
    return AgentOut(id=agent.id, name=agent.name, status=agent.status, teams=list(agent.teams))
