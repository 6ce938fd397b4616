"""The live-agent queue: handed-over conversations wait here until an agent takes them.

:class:`LiveQueue` works on the queue store, the fan-out and a :class:`QueueDesk` (which
records each step in the conversation and tells the player). Routing runs on every
change that can free or add capacity: a new request, an agent coming online, a chat
closed, withdrawn or transferred to a team, and on every timer tick. Steps two agents
or workers may race for are decided by the store's conditional writes, so a chat is
given once and no agent beyond their capacity.

One routing pass runs at a time in a worker; callers that arrive while one runs share
the next pass (it reads the store after their change), so a burst of requests costs a
few passes, not one each. A pass only decides and writes the assignments; recording
them in the conversations, the console frames and the player's notice follow outside
it, for all the chats given at once concurrently.

What agents do is in :mod:`bot.handover.agent_actions`; the timers (SLA, timeouts,
place updates) are in :mod:`bot.handover.queue_timers`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from bot.channels import Fanout
from bot.errors import HandoverError
from bot.handover.estimates import WaitEstimate, estimate_waits
from bot.handover.queue_config import QueueConfig
from bot.handover.routing import Assignment, Candidate, candidates, route
from bot.handover.topics import QUEUE_TOPIC, agent_topic
from bot.live_agents import HandoverDesk, HandoverRequest
from bot.store.queue_base import (
    ENTRY_ASSIGNED,
    ENTRY_WAITING,
    ENTRY_WITHDRAWN,
    Agent,
    QueueEntry,
    QueueStore,
    Ticket,
)

__all__ = ["LiveQueue", "QueueDesk"]

log = logging.getLogger(__name__)
HANDLE_TIME_SAMPLE = 50


@runtime_checkable
class QueueDesk(HandoverDesk, Protocol):
    """The desk as the queue uses it: the three steps humans take, plus the queue's own
    notices to a waiting player."""

    async def assigned(
        self,
        sender_id: str,
        agent_id: str,
        agent_name: str = "",
        *,
        announce: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Record the assignment, run ``announce`` once recorded, then tell the player."""
        ...

    async def waiting(self, sender_id: str, estimate: WaitEstimate) -> None:
        """Tell a waiting player their place and expected wait (or that nobody is on)."""
        ...

    async def requeued(self, sender_id: str, agent_id: str, estimate: WaitEstimate) -> None:
        """The chat left ``agent_id`` for the queue again: the bot answers meanwhile."""
        ...

    async def answered(self, sender_id: str, agent_id: str) -> bool:
        """Whether the agent has written to the player since they were given the chat."""
        ...

    async def withdrawn(self, sender_id: str, by: str) -> list[str]:
        """Give the conversation back to the bot (``by``: timeout, outside_hours) and
        tell the player; returns what the player wrote since asking, for a ticket."""
        ...


class LiveQueue:
    def __init__(
        self,
        store: QueueStore,
        desk: QueueDesk,
        fanout: Fanout,
        config: QueueConfig | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.desk = desk
        self.fanout = fanout
        self.config = config or QueueConfig()
        self.clock = clock
        self._routing = asyncio.Lock()
        self._asked = 0  # routing calls made so far
        self._covered = 0  # the calls the latest pass started after

    # ---- the player's side -------------------------------------------------------------

    async def request(self, handover: HandoverRequest) -> QueueEntry | None:
        """Queue a conversation and route at once; outside working hours, leave a ticket
        and give it back to the bot. Returns the entry as it stands (None: not queued).

        The same request twice queues once; an entry left from an earlier request of
        the conversation is withdrawn first."""
        now = self.clock()
        hours = self.config.working_hours
        if hours is not None and not hours.is_open(now):
            await self.leave_ticket(
                handover.sender_id, handover.reason, handover.skill, "outside_hours"
            )
            return None
        requested_at = handover.requested_at or now
        stale = await self.store.entry(handover.sender_id)
        if stale is not None and stale.requested_at < requested_at:
            # left over from an earlier handover whose end the queue never heard of
            await self.withdraw(handover.sender_id, "replaced")
        entry = await self.store.enqueue(
            QueueEntry(
                sender_id=handover.sender_id,
                reason=handover.reason,
                skill=handover.skill,
                language=await self._language_for(handover),
                priority=handover.priority,
                summary=handover.summary,
                channel=handover.channel,
                requested_at=requested_at,
                player=dict(handover.player),
            )
        )
        await self.publish("queued", entry)
        await self.route()
        current = await self.store.entry(handover.sender_id)
        if current is not None and current.status == ENTRY_WAITING:
            estimate = (await self.estimates()).get(current.sender_id)
            if estimate is not None:
                await self.desk.waiting(current.sender_id, estimate)
        return current

    async def _language_for(self, handover: HandoverRequest) -> str:
        """The player's own language when an agent of the desk (enabled, online or not)
        reads it; otherwise the project's, so that nobody waits for an agent the desk
        does not have."""
        wanted = handover.player_language
        if wanted is None or wanted == handover.language:
            return handover.language
        agents = await self.store.agents()
        if any(wanted in agent.languages and not agent.disabled for agent in agents):
            return wanted
        return handover.language

    async def withdraw(self, sender_id: str, by: str) -> None:
        """The conversation went back to the bot (the player chose it): it leaves the
        queue, or its agent's list, and the freed slot goes to the next in line."""
        ended = await self.store.finish(sender_id, ENTRY_WITHDRAWN, self.clock(), by)
        if ended is not None:
            await self.publish("withdrawn", ended, by=by)
            if ended.agent_id is not None:
                await self.route()

    async def leave_ticket(self, sender_id: str, reason: str, skill: str, by: str) -> int:
        """Give the conversation back to the bot and keep what the player wrote as a ticket."""
        messages = await self.desk.withdrawn(sender_id, by)
        ticket = Ticket(sender_id, reason, skill, tuple(messages), self.clock())
        ticket_id = await self.store.add_ticket(ticket)
        await self.fanout.publish(
            QUEUE_TOPIC,
            {
                "type": "ticket",
                "sender_id": sender_id,
                "ticket_id": ticket_id,
                "by": by,
            },
        )
        return ticket_id

    # ---- routing -----------------------------------------------------------------------

    async def candidates(self, agents: list[Agent] | None = None) -> list[Candidate]:
        """The online agents (of ``agents``, if read already) with their current loads."""
        loads = await self.store.agent_loads()
        return candidates(await self.store.agents() if agents is None else agents, loads)

    async def route(self) -> list[Assignment]:
        """Give waiting conversations to agents with free slots; returns what was given
        (empty for a caller whose change a pass run by another caller covered)."""
        self._asked += 1
        ask = self._asked
        async with self._routing:
            if self._covered >= ask:
                return []  # a pass that began after this call has run
            self._covered = self._asked
            taken = await self._assign_waiting()
        results = await asyncio.gather(
            *(self.given(a.sender_id, a.agent_id, name, entry) for a, name, entry in taken),
            return_exceptions=True,
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        return [a for (a, _, _), given in zip(taken, results, strict=True) if given is True]

    async def _assign_waiting(self) -> list[tuple[Assignment, str, QueueEntry]]:
        """One pass: decide and write the assignments (the store refuses any that lost
        a race); returns each with its agent's name and the entry as it waited."""
        roster = {agent.id: agent for agent in await self.store.agents()}
        agents = await self.candidates(list(roster.values()))
        if not agents:
            return []
        waiting = {entry.sender_id: entry for entry in await self.store.entries(ENTRY_WAITING)}
        capacity = {agent.agent_id: agent.capacity for agent in agents}
        taken: list[tuple[Assignment, str, QueueEntry]] = []
        for assignment in route(list(waiting.values()), agents):
            sender_id, agent_id = assignment.sender_id, assignment.agent_id
            if await self.store.assign(sender_id, agent_id, self.clock(), capacity[agent_id]):
                taken.append((assignment, roster[agent_id].name, waiting[sender_id]))
        return taken

    async def given(
        self,
        sender_id: str,
        agent_id: str,
        agent_name: str | None = None,
        entry: QueueEntry | None = None,
    ) -> bool:
        """Record an assignment in the conversation, show it on the consoles, then tell
        the player; a conversation that left the handover meanwhile is withdrawn
        instead. ``agent_name`` and ``entry`` (as it waited) spare reading them again."""
        if agent_name is None:
            agent = await self.store.agent(agent_id)
            agent_name = agent.name if agent else ""

        async def announce() -> None:
            await self.fanout.publish(
                agent_topic(agent_id), {"type": "assigned", "sender_id": sender_id}
            )
            held = await self.store.entry(sender_id) if entry is None else entry
            if held is not None:
                held = replace(held, status=ENTRY_ASSIGNED, agent_id=agent_id)
            await self.publish("assigned", held, sender_id=sender_id, agent_id=agent_id)

        try:
            await self.desk.assigned(sender_id, agent_id, agent_name, announce=announce)
        except HandoverError:
            log.info("conversation %s left the handover before it was assigned", sender_id)
            await self.store.finish(sender_id, ENTRY_WITHDRAWN, self.clock(), "left")
            return False
        except BaseException:
            # Not recorded in the conversation: the chat waits again rather than sit
            # with an agent the player never heard of.
            await self.store.transfer(sender_id, agent_id, None, None, self.clock())
            raise
        return True

    async def requeue(self, sender_id: str, agent_id: str, team: str | None = None) -> bool:
        """Put an agent's chat back in the queue (for ``team``, if given), tell the
        player, and route; False if the agent no longer held it."""
        if not await self.store.transfer(sender_id, agent_id, None, team, self.clock()):
            return False
        estimate = (await self.estimates()).get(sender_id)
        if estimate is not None:
            await self.desk.requeued(sender_id, agent_id, estimate)
        await self.route()
        return True

    async def estimates(self) -> dict[str, WaitEstimate]:
        """Every waiting conversation's place and expected wait."""
        return estimate_waits(
            await self.store.entries(ENTRY_WAITING),
            await self.candidates(),
            await self.store.recent_handle_times(HANDLE_TIME_SAMPLE),
            self.config.default_handle_time,
        )

    # ---- helpers -----------------------------------------------------------------------

    async def publish(self, kind: str, entry: QueueEntry | None, **fields: Any) -> None:
        """Tell the console's queue view what changed."""
        message: dict[str, Any] = {"type": kind}
        if entry is not None:
            message.update(
                sender_id=entry.sender_id,
                status=entry.status,
                agent_id=entry.agent_id,
                priority=entry.priority,
                skill=entry.skill,
                requested_at=entry.requested_at,
            )
        message.update(fields)
        await self.fanout.publish(QUEUE_TOPIC, message)
