"""The queue store interface: handed-over conversations, agents, teams, tickets, notes.

The live-agent queue (``bot/handover/``) keeps everything that must outlive a worker
here, so any worker can route, and a restart loses no waiting conversation. Steps that
two workers may race for (accepting a chat, closing it, escalating it) are conditional
writes: exactly one caller gets ``True`` or the entry back, the others ``False``/None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ACTIVE_STATUSES",
    "AGENT_AWAY",
    "AGENT_OFFLINE",
    "AGENT_ONLINE",
    "ENTRY_ASSIGNED",
    "ENTRY_CLOSED",
    "ENTRY_WAITING",
    "ENTRY_WITHDRAWN",
    "FOLLOW_UP_FAILED",
    "FOLLOW_UP_SENDING",
    "FOLLOW_UP_SENT",
    "FOLLOW_UP_SKIPPED",
    "Agent",
    "ConversationIndex",
    "FollowUp",
    "Note",
    "QueueEntry",
    "QueueStore",
    "Team",
    "Ticket",
]

ENTRY_WAITING = "waiting"
ENTRY_ASSIGNED = "assigned"
ENTRY_CLOSED = "closed"
ENTRY_WITHDRAWN = "withdrawn"
ACTIVE_STATUSES = (ENTRY_WAITING, ENTRY_ASSIGNED)
AGENT_ONLINE = "online"  # takes chats
AGENT_AWAY = "away"  # keeps their chats, takes no new one
AGENT_OFFLINE = "offline"
FOLLOW_UP_SENDING = "sending"  # claimed by a worker, on its way
FOLLOW_UP_SENT = "sent"
FOLLOW_UP_FAILED = "failed"  # the player could not be reached; never tried again
FOLLOW_UP_SKIPPED = "skipped"  # nothing to send (no text declared, back in the queue...)


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One handed-over conversation; a conversation has at most one active entry.

    ``team`` restricts routing to the team's members (after a transfer to a team);
    ``assigned_at`` is when an agent was last given the chat, or when it went from one
    back to the queue; ``escalated`` is set once the entry waited past its SLA and rose
    in priority.
    """

    sender_id: str
    reason: str
    skill: str = "general"
    language: str = "tr"
    priority: int = 0
    summary: str = ""
    channel: str | None = None
    requested_at: float = 0.0
    status: str = ENTRY_WAITING
    agent_id: str | None = None
    team: str | None = None
    assigned_at: float | None = None
    closed_at: float | None = None
    resolution: str | None = None
    escalated: bool = False
    player: Mapping[str, Any] = field(default_factory=dict)
    id: int = 0


@dataclass(frozen=True, slots=True)
class Agent:
    """An operator: what they can handle, how much at once, and whether they are on."""

    id: str
    login: str
    name: str
    role: str = "agent"
    skills: tuple[str, ...] = ("general",)
    languages: tuple[str, ...] = ("tr",)
    teams: tuple[str, ...] = ()
    max_chats: int = 3
    status: str = AGENT_OFFLINE
    disabled: bool = False
    password_hash: str = ""
    created_at: float = 0.0
    last_assigned_at: float = 0.0
    status_since: float = 0.0  # when ``status`` was last set (0: not known)


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a player left when no human took the conversation."""

    sender_id: str
    reason: str
    skill: str
    messages: tuple[str, ...]
    created_at: float
    status: str = "open"
    id: int = 0


@dataclass(frozen=True, slots=True)
class Note:
    """A private note on a conversation: agents see it, the player never does."""

    sender_id: str
    agent_id: str
    text: str
    created_at: float
    id: int = 0


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The follow-up of one closed entry ("is your problem solved?"): claimed once."""

    entry_id: int
    sender_id: str
    resolution: str | None
    status: str
    claimed_at: float
    done_at: float | None = None
    detail: str = ""


@runtime_checkable
class ConversationIndex(Protocol):
    """What a queue store that shares the conversations' database can also tell, so a
    report reads only the conversations its period may hold."""

    async def conversation_ids_since(self, since: float) -> list[str]:
        """The ids of conversations with an event at or after ``since``."""
        ...


class QueueStore(Protocol):
    """Persists the live-agent queue; every method is safe to call from several workers."""

    # ---- the queue ------------------------------------------------------------------------

    async def enqueue(self, entry: QueueEntry) -> QueueEntry:
        """Add a waiting entry and return it with its id; if the conversation already has
        an active entry, return that one unchanged."""
        ...

    async def entry(self, sender_id: str) -> QueueEntry | None:
        """The conversation's active (waiting or assigned) entry."""
        ...

    async def entries(self, status: str, agent_id: str | None = None) -> list[QueueEntry]:
        """Entries of one status (optionally one agent's), oldest request first."""
        ...

    async def agent_loads(self) -> dict[str, int]:
        """How many chats each agent holds now (agents holding none are left out)."""
        ...

    async def assign(
        self, sender_id: str, agent_id: str, now: float, capacity: int | None = None
    ) -> bool:
        """Give a waiting conversation to the agent, atomically: False when it is no longer
        waiting (another agent won) or the agent already has ``capacity`` chats."""
        ...

    async def transfer(
        self, sender_id: str, from_agent: str, to_agent: str | None, team: str | None, now: float
    ) -> bool:
        """Move an assigned conversation from ``from_agent`` to ``to_agent``, or back to the
        queue (for ``team``, if given) when ``to_agent`` is None, stamping ``assigned_at``
        with ``now`` either way; False if ``from_agent`` lost it."""
        ...

    async def finish(
        self, sender_id: str, status: str, now: float, resolution: str | None = None
    ) -> QueueEntry | None:
        """End the active entry (closed or withdrawn); the ended entry, or None when there
        was none (another worker ended it first)."""
        ...

    async def escalate(self, sender_id: str, priority: int) -> bool:
        """Raise a waiting, not yet escalated entry to ``priority``; False otherwise."""
        ...

    async def recent_handle_times(self, limit: int) -> list[float]:
        """Seconds from assignment to close of the latest ``limit`` closed entries."""
        ...

    # ---- follow-ups ---------------------------------------------------------------------

    async def followups_due(
        self,
        resolution: str,
        closed_after: float,
        closed_before: float,
        stale_before: float | None = None,
    ) -> list[QueueEntry]:
        """Entries closed with ``resolution`` from ``closed_after`` to ``closed_before``
        (both included) whose follow-up nobody has claimed yet; oldest close first.
        With ``stale_before``, also those whose claim is still ``sending`` since before
        it: the worker that claimed it died while sending (SIGKILL), and nobody else
        would ever send it."""
        ...

    async def claim_followup(
        self, entry: QueueEntry, now: float, stale_before: float | None = None
    ) -> bool:
        """Claim the closed entry's follow-up, atomically: True for exactly one caller
        across workers, False for every other (and for an entry claimed before, unless
        that claim is still ``sending`` since before ``stale_before``: it is taken over)."""
        ...

    async def finish_followup(
        self, entry_id: int, status: str, now: float, detail: str = ""
    ) -> None:
        """Record how a claimed follow-up ended (sent, failed, skipped)."""
        ...

    async def followups(self, sender_id: str | None = None) -> list[FollowUp]:
        """Claimed follow-ups (one conversation's, or all), oldest claim first."""
        ...

    # ---- agents and teams -----------------------------------------------------------------

    async def add_agent(self, agent: Agent) -> None:
        """Raises StoreError when the id or the login is taken."""
        ...

    async def agents(self) -> list[Agent]:
        """Every agent, disabled ones included, by login."""
        ...

    async def agent(self, agent_id: str) -> Agent | None: ...

    async def agent_by_login(self, login: str) -> Agent | None: ...

    async def set_agent_status(self, agent_id: str, status: str, now: float = 0.0) -> bool:
        """Set the status (and ``status_since`` to ``now``); False when there is no such
        agent."""
        ...

    async def set_agent_disabled(self, login: str, disabled: bool, now: float = 0.0) -> bool:
        """Disable (or enable) by login; a disabled agent is also set offline (since
        ``now``)."""
        ...

    async def set_password_hash(self, agent_id: str, password_hash: str) -> None: ...

    async def update_agent(self, agent: Agent) -> bool:
        """Replace the agent's profile (name, role, skills, languages, teams, max chats)
        with ``agent``'s, by id; status, password and disabled stay. False when there is
        no such agent."""
        ...

    async def add_team(self, team: Team) -> None:
        """Add or update a team."""
        ...

    async def teams(self) -> list[Team]: ...

    # ---- tickets and notes ----------------------------------------------------------------

    async def add_ticket(self, ticket: Ticket) -> int: ...

    async def tickets(self, status: str | None = None) -> list[Ticket]: ...

    async def add_note(self, note: Note) -> int: ...

    async def notes(self, sender_id: str) -> list[Note]: ...

    # ---- console sessions and sign-in failures (migration 0008) ---------------------------

    async def session_epoch(self, agent_id: str) -> int:
        """The agent's session generation: a console session signed under another one has
        ended (0 for an agent whose sessions were never ended)."""
        ...

    async def end_sessions(self, agent_id: str) -> int:
        """End every console session of the agent, on every worker: raise their session
        generation by one, atomically, and return the new one."""
        ...

    async def login_locked_until(self, key: str, now: float) -> float:
        """Until when sign-ins under ``key`` (a login, an address) are refused; 0 when
        they are not."""
        ...

    async def login_failed(
        self, key: str, now: float, window: float, limit: int, lock: float
    ) -> float:
        """Count a failed sign-in under ``key``, atomically across workers: failures more
        than ``window`` seconds after the first of a run start a new run; the ``limit``-th
        locks the key for ``lock`` seconds. Returns until when it is locked (0: not)."""
        ...

    async def login_succeeded(self, key: str) -> None:
        """Forget the failures counted under ``key``."""
        ...

    async def close(self) -> None: ...
