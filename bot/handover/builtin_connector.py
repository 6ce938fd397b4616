"""Destek's own live-agent connector: handed-over conversations wait in the queue on the
store and are routed to the operators of Destek's console.

The server builds it with :func:`builtin_live_agents` (the queue store and fan-out it
opened) and gives it Destek's :class:`~bot.handover.desk.Desk` in the context. Between
:meth:`start` and :meth:`stop` a timer ticks the queue (SLA, timeouts, place updates).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.channels import Fanout, TranscriptEntry
from bot.errors import ConfigError
from bot.handover.agent_actions import AgentActions
from bot.handover.queue import LiveQueue, QueueDesk
from bot.handover.queue_config import QueueConfig
from bot.handover.queue_timers import QueueTimers
from bot.handover.topics import conversation_topic
from bot.live_agents import HandoverRequest, LiveAgentContext, LiveAgentFactory
from bot.store.queue_base import QueueStore

__all__ = ["BuiltinLiveAgents", "builtin_live_agents"]

log = logging.getLogger(__name__)


class BuiltinLiveAgents:
    """A :class:`~bot.live_agents.LiveAgentConnector` over :class:`LiveQueue`."""

    def __init__(self, queue: LiveQueue) -> None:
        self.queue = queue
        self.agents = AgentActions(queue)  # what the console calls for the agents
        self.timers = QueueTimers(queue)
        self._ticking: asyncio.Task[None] | None = None

    async def request(self, handover: HandoverRequest) -> None:
        await self.queue.request(handover)

    async def player_message(self, sender_id: str, entry: TranscriptEntry) -> None:
        # The tracker holds the message already; the console sees it live.
        await self.queue.fanout.publish(
            conversation_topic(sender_id),
            {"type": "player_message", "sender_id": sender_id, "entry": dict(entry)},
        )

    async def closing_answer(self, sender_id: str, entry: TranscriptEntry) -> None:
        # The rating or comment is in the tracker; an agent with the chat open reloads it.
        await self.queue.fanout.publish(
            conversation_topic(sender_id),
            {"type": "closing_answer", "sender_id": sender_id, "entry": dict(entry)},
        )

    async def withdraw(self, sender_id: str, by: str) -> None:
        await self.queue.withdraw(sender_id, by)

    async def tick(self) -> None:
        """One round of the queue's timers (the running connector does it every second)."""
        await self.timers.tick()

    async def start(self) -> None:
        if self._ticking is None:
            self._ticking = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        task, self._ticking = self._ticking, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _tick_forever(self) -> None:
        while True:
            try:
                await self.timers.tick()
            except Exception:  # a store outage must not stop the timers for good
                log.exception("the live-agent queue's timers failed; trying again")
            await asyncio.sleep(self.queue.config.tick_interval)


def builtin_live_agents(
    store: QueueStore, fanout: Fanout, clock: Callable[[], float] = time.time
) -> LiveAgentFactory:
    """The factory of the built-in connector on this queue store and fan-out.

    The context's options are endpoints.yml's ``live_agents:`` section (see
    :class:`~bot.handover.queue_config.QueueConfig`); its desk must be Destek's
    :class:`~bot.handover.desk.Desk` (it also tells waiting players their place).
    """

    def build(context: LiveAgentContext) -> BuiltinLiveAgents:
        desk = context.desk
        if not isinstance(desk, QueueDesk):
            raise ConfigError(
                "the built-in live-agent queue needs Destek's desk (bot.handover.desk.Desk)"
            )
        config = QueueConfig.from_options(context.options)
        return BuiltinLiveAgents(LiveQueue(store, desk, fanout, config, clock))

    return build
