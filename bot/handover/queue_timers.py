"""The queue's clock: what happens because time passed.

On every :meth:`QueueTimers.tick` (the built-in connector ticks once a second; tests
call it with their own clock):

- a conversation nobody took within ``wait_timeout`` (counted again from its last
  assignment, when it came back to the queue), or still waiting when working hours
  end, goes back to the bot and leaves a ticket with what the player wrote;
- one waiting past its SLA rises in priority, once, and supervisors are alerted;
- chats held by an agent who is offline or disabled, or who has not written within
  ``answer_timeout`` of being given the chat, go back to the queue (such an agent is
  set away, and supervisors hear of it);
- waiting conversations are routed (a missed change is caught up here);
- a waiting player whose place changed hears it, at most every ``position_updates``;
- closed chats whose follow-up is due are followed up (:mod:`bot.handover.followups`),
  where endpoints.yml sets ``follow_ups`` and the desk is Destek's.
"""

from __future__ import annotations

import logging

from bot.handover.agents import AWAY, OFFLINE
from bot.handover.desk import Desk
from bot.handover.followups import FollowUps
from bot.handover.queue import LiveQueue
from bot.handover.topics import QUEUE_TOPIC, SUPERVISOR_TOPIC
from bot.store.queue_base import ENTRY_ASSIGNED, ENTRY_WAITING, ENTRY_WITHDRAWN, QueueEntry

__all__ = ["QueueTimers"]

log = logging.getLogger(__name__)


class QueueTimers:
    def __init__(self, queue: LiveQueue) -> None:
        self.queue = queue
        self._told: dict[str, tuple[int, float]] = {}  # sender -> (place, when)
        self._answered: set[tuple[str, float | None]] = set()  # (sender, assigned_at)
        config = queue.config
        self.followups: FollowUps | None = None
        if config.follow_ups and isinstance(queue.desk, Desk):
            self.followups = FollowUps(
                queue.store, queue.desk, config.follow_ups, config.follow_up_grace, queue.clock
            )

    async def tick(self) -> None:
        queue = self.queue
        now = queue.clock()
        config = queue.config
        hours_over = config.working_hours is not None and not config.working_hours.is_open(now)
        still: list[QueueEntry] = []
        for entry in await queue.store.entries(ENTRY_WAITING):
            if hours_over:
                await self._give_back(entry, "outside_hours")
            elif now - (entry.assigned_at or entry.requested_at) >= config.wait_timeout:
                await self._give_back(entry, "timeout")
            else:
                still.append(entry)
        for entry in config.sla.overdue(still, now):
            await self._escalate(entry, now)
        await self._requeue_orphans(now)
        await queue.route()
        await self._tell_places(now)
        if self.followups is not None:
            try:
                await self.followups.tick()
            except Exception:  # the store, most likely: the queue's own work is done
                log.exception("the follow-ups could not be sent; trying again next tick")

    async def _give_back(self, entry: QueueEntry, by: str) -> None:
        queue = self.queue
        ended = await queue.store.finish(entry.sender_id, ENTRY_WITHDRAWN, queue.clock(), by)
        if ended is None:
            return  # another worker (or the player) was first
        self._told.pop(entry.sender_id, None)
        await queue.leave_ticket(entry.sender_id, entry.reason, entry.skill, by)

    async def _requeue_orphans(self, now: float) -> None:
        """Chats held by agents who are offline or disabled (set so from the command line,
        or by another worker), or who never wrote, go back to the queue."""
        queue = self.queue
        agents = await queue.store.agents()
        present = {a.id for a in agents if a.status != OFFLINE and not a.disabled}
        assigned = await queue.store.entries(ENTRY_ASSIGNED)
        self._answered &= {(e.sender_id, e.assigned_at) for e in assigned}
        for entry in assigned:
            if entry.agent_id is None:
                continue
            if entry.agent_id not in present:
                await queue.requeue(entry.sender_id, entry.agent_id)
            elif await self._unanswered(entry, now):
                # evidently not at their desk: away, so the chat does not come straight back
                await queue.store.set_agent_status(entry.agent_id, AWAY, now)
                await queue.fanout.publish(
                    QUEUE_TOPIC,
                    {"type": "agent_status", "agent_id": entry.agent_id, "status": AWAY},
                )
                await queue.requeue(entry.sender_id, entry.agent_id)
                await queue.fanout.publish(
                    SUPERVISOR_TOPIC,
                    {
                        "type": "unanswered",
                        "sender_id": entry.sender_id,
                        "agent_id": entry.agent_id,
                    },
                )

    async def _unanswered(self, entry: QueueEntry, now: float) -> bool:
        key = (entry.sender_id, entry.assigned_at)
        if key in self._answered or entry.agent_id is None:
            return False
        if now - (entry.assigned_at or entry.requested_at) < self.queue.config.answer_timeout:
            return False
        if await self.queue.desk.answered(entry.sender_id, entry.agent_id):
            self._answered.add(key)  # asked once per assignment
            return False
        return True

    async def _escalate(self, entry: QueueEntry, now: float) -> None:
        queue = self.queue
        priority = entry.priority + queue.config.sla.step
        if not await queue.store.escalate(entry.sender_id, priority):
            return
        alert = {
            "type": "sla_breached",
            "sender_id": entry.sender_id,
            "priority": priority,
            "waited": now - entry.requested_at,
            "target": queue.config.sla.target(entry.priority),
            "skill": entry.skill,
        }
        await queue.fanout.publish(SUPERVISOR_TOPIC, alert)
        await queue.fanout.publish(QUEUE_TOPIC, {**alert, "type": "escalated"})

    async def _tell_places(self, now: float) -> None:
        queue = self.queue
        estimates = await queue.estimates()
        for sender_id in set(self._told) - set(estimates):
            del self._told[sender_id]
        for sender_id, estimate in estimates.items():
            told = self._told.get(sender_id)
            if told is None:  # told when it was queued (or by the worker that queued it)
                self._told[sender_id] = (estimate.position, now)
            elif estimate.position != told[0] and now - told[1] >= queue.config.position_updates:
                await queue.desk.waiting(sender_id, estimate)
                self._told[sender_id] = (estimate.position, now)
