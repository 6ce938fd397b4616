"""The place in the queue and an honest wait estimate.

A player's place counts the conversations ahead of theirs that need the same kind of
agent (skill, language, team), in the order they are served. Chats finish at about
``slots / handle time`` per second among the agents who could serve the player, where
the handle time is the median of recently closed chats (a default until there are
some); the estimate is how long the chats ahead take to free a slot. With nobody online
who serves the player there is no estimate, and the player is told so.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bot.handover.routing import Candidate, queue_order
from bot.store.queue_base import QueueEntry

__all__ = ["WaitEstimate", "estimate_waits"]


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    position: int  # 1 is next
    wait_seconds: float | None  # None: nobody online serves this conversation
    agents_online: int


def estimate_waits(
    waiting: Sequence[QueueEntry],
    agents: Sequence[Candidate],
    handle_times: Sequence[float],
    default_handle_time: float,
) -> dict[str, WaitEstimate]:
    """Each waiting conversation's place and expected wait, by sender id; one pass."""
    handle = statistics.median(handle_times) if handle_times else default_handle_time
    seen: dict[tuple[str, str, str | None], int] = {}
    capacity: dict[tuple[str, str, str | None], tuple[int, int]] = {}
    estimates: dict[str, WaitEstimate] = {}
    for entry in queue_order(waiting):
        kind = (entry.skill, entry.language, entry.team)
        position = seen[kind] = seen.get(kind, 0) + 1
        if kind not in capacity:
            able = [agent for agent in agents if agent.serves(entry)]
            slots = sum(agent.capacity for agent in able)
            free = sum(max(agent.capacity - agent.load, 0) for agent in able)
            capacity[kind] = (slots, free)
        slots, free = capacity[kind]
        if slots == 0:
            wait: float | None = None
        elif position <= free:
            wait = 0.0
        else:
            wait = (position - free) * handle / slots
        estimates[entry.sender_id] = WaitEstimate(position, wait, len(agents))
    return estimates
