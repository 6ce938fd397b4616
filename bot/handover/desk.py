"""The handover desk: records what humans (and the queue) do in the conversation, tells
the player on their own channel, and shows it live to the console.

Each step runs under the conversation's lock: the tracker is read, the step checked
against it (an agent writing to a chat they do not hold, or to a closed one, raises
``HandoverError`` and changes nothing), and the events appended. Then, outside the
lock, the events are published on ``handover:<sender_id>`` and the player's messages go
out through ``deliver``, on the channel the tracker names (so the delivery need not read
the tracker again); a delivery that fails is published as ``delivery_failed``.

An agent message may carry an idempotency key (an external desk's message id): it is
then recorded and delivered at most once across workers (see
:mod:`bot.handover.message_keys`).

The player's texts are the domain's responses, said only where the domain declares
them: ``utter_handover_assigned`` ({agent_name}), ``utter_handover_position``
({position}, {wait_minutes}), ``utter_handover_no_agents``, ``utter_handover_timeout``,
``utter_handover_outside_hours`` and ``utter_ask_csat`` (asked after a human closed).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.channels import Fanout
from bot.dialogue.builtin_actions import bot_uttered
from bot.dialogue.conversation_state import HANDOVER_WAITING
from bot.dialogue.domain import Domain
from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import Event, UserUttered
from bot.dialogue.handover_events import (
    CsatAsked,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    HandoverWaiting,
    LiveAgentUttered,
)
from bot.dialogue.responses import render_response
from bot.dialogue.tracker import Tracker
from bot.errors import HandoverError
from bot.handover.delivery import Deliver, Outgoing, player_channel, player_message
from bot.handover.desk_trackers import DeskTrackers
from bot.handover.estimates import WaitEstimate
from bot.handover.message_keys import KEYED, claimed_once, recorded_with
from bot.handover.topics import conversation_topic
from bot.live_agents import TurnReplies
from bot.store.base import LockStore, TrackerStore
from bot.store.delivery_keys import DeliveryKeys

__all__ = ["ASK_CSAT", "Announce", "Deliver", "Desk", "Outgoing"]

log = logging.getLogger(__name__)
Announce = Callable[[], Awaitable[None]]


ASSIGNED = "utter_handover_assigned"
POSITION = "utter_handover_position"
NO_AGENTS = "utter_handover_no_agents"
TIMEOUT = "utter_handover_timeout"
OUTSIDE_HOURS = "utter_handover_outside_hours"
ASK_CSAT = "utter_ask_csat"
_GIVEN_BACK = {"timeout": TIMEOUT, "outside_hours": OUTSIDE_HOURS}

Step = Callable[[Tracker], list[Event]]


class Desk:
    """Destek's :class:`~bot.live_agents.HandoverDesk`, also the queue's ``QueueDesk``.

    ``domain`` returns the loaded model's domain as it is now (a reloaded model swaps
    it), or None when no model can chat: then no text is said, events are still kept.
    """

    def __init__(
        self,
        trackers: TrackerStore,
        locks: LockStore,
        fanout: Fanout,
        deliver: Deliver,
        domain: Callable[[], Domain | None] = lambda: None,
        clock: Callable[[], float] = time.time,
        keys: DeliveryKeys | None = None,
    ) -> None:
        self.trackers = trackers
        self.keys = keys
        self._kept = DeskTrackers(trackers)
        self.locks = locks
        self.fanout = fanout
        self.deliver = deliver
        self.domain = domain
        self.clock = clock

    # ---- HandoverDesk ------------------------------------------------------------------

    async def assigned(
        self,
        sender_id: str,
        agent_id: str,
        agent_name: str = "",
        *,
        announce: Announce | None = None,
    ) -> None:
        """Record the assignment; ``announce`` (the queue's console frames) runs once it
        is recorded and before the player is told, so the console is not kept waiting."""

        def step(tracker: Tracker) -> list[Event]:
            if not tracker.in_handover:
                raise HandoverError("the conversation is not handed over")
            said = self._say(tracker, ASSIGNED, agent_name=agent_name or agent_id)
            return [HandoverAssigned(agent_id), *said]

        outgoing = await self._record(sender_id, "assigned", step)
        if announce is not None:
            await announce()
        await self.send(outgoing)

    async def agent_message(
        self, sender_id: str, agent_id: str, text: str, message_id: str | None = None
    ) -> None:
        """Store the agent's message and send it. With ``message_id`` (an external desk's
        id) the player gets it at most once however often it is given, across workers;
        a delivery that failed releases the id, so a retry sends it.

        Raises:
            HandoverError: the chat is closed or held by another agent.
            MessageInFlight: another worker is giving the same message right now.
            MessageNotDelivered: (with ``message_id``) the player's channel failed.
        """
        earlier: list[Outgoing] = []  # stored by an earlier try that did not deliver it
        step = self._agent(agent_id, text, message_id, earlier)
        if message_id is None or self.keys is None:
            await self.send(await self._record(sender_id, "agent_message", step))
            return
        async with claimed_once(self.keys, f"{KEYED}{message_id}", self.clock) as claim:
            if claim.done:
                log.info("conversation %s: agent message %s given again", sender_id, message_id)
                return
            outgoing = await self._record(sender_id, "agent_message", step)
            claim.delivered(await self.send(outgoing or (earlier[0] if earlier else None)))

    def _agent(
        self, agent_id: str, text: str, message_id: str | None, earlier: list[Outgoing]
    ) -> Step:
        def step(tracker: Tracker) -> list[Event]:
            found = recorded_with(tracker, message_id) if message_id is not None else None
            if found is not None:
                message = player_message(tracker.sender_id, found)
                channel = player_channel(tracker)
                earlier.extend([Outgoing(tracker.sender_id, [message], channel)] if message else [])
                return []
            if not tracker.in_handover:
                raise HandoverError("the conversation is closed")
            if tracker.handover_agent != agent_id:
                raise HandoverError("the conversation belongs to another agent")
            keyed = {"message_id": message_id} if message_id is not None else {}
            return [LiveAgentUttered(agent_id, text, metadata=keyed)]

        return step

    async def closed(self, sender_id: str, by: str, resolution: str | None = None) -> None:
        def step(tracker: Tracker) -> list[Event]:
            if not tracker.in_handover:
                raise HandoverError("the conversation is not handed over")
            events: list[Event] = [HandoverClosed(by, resolution)]
            if tracker.handover_agent is not None:
                question = self._say(tracker, ASK_CSAT)
                events.extend([*question, CsatAsked()] if question else [])
            return events

        await self.send(await self._record(sender_id, "closed", step))

    # ---- the queue's notices -----------------------------------------------------------

    async def waiting(self, sender_id: str, estimate: WaitEstimate) -> None:
        def step(tracker: Tracker) -> list[Event]:
            if tracker.handover_status != HANDOVER_WAITING:
                return []  # taken or closed meanwhile: nothing to tell
            event = HandoverWaiting(
                estimate.position, estimate.wait_seconds, estimate.agents_online
            )
            return [event, *self._notice(tracker, estimate)]

        await self.send(await self._record(sender_id, "waiting", step))

    def _notice(self, tracker: Tracker, estimate: WaitEstimate) -> list[Event]:
        if estimate.wait_seconds is None:
            return self._say(tracker, NO_AGENTS)
        minutes = max(1, math.ceil(estimate.wait_seconds / 60))
        return self._say(tracker, POSITION, position=estimate.position, wait_minutes=minutes)

    async def requeued(self, sender_id: str, agent_id: str, estimate: WaitEstimate) -> None:
        """The chat went from ``agent_id`` back to the queue: the bot answers again."""

        def step(tracker: Tracker) -> list[Event]:
            if tracker.handover_agent != agent_id:
                return []  # closed or taken by someone else meanwhile
            event = HandoverWaiting(
                estimate.position, estimate.wait_seconds, estimate.agents_online
            )
            return [event, *self._notice(tracker, estimate)]

        await self.send(await self._record(sender_id, "requeued", step))

    async def withdrawn(self, sender_id: str, by: str) -> list[str]:
        left: list[str] = []

        def step(tracker: Tracker) -> list[Event]:
            if not tracker.in_handover:
                return []
            left.extend(_player_texts(tracker))
            notice = _GIVEN_BACK.get(by)
            return [HandoverClosed(by), *(self._say(tracker, notice) if notice else [])]

        await self.send(await self._record(sender_id, "withdrawn", step))
        return left

    async def answered(self, sender_id: str, agent_id: str) -> bool:
        """Whether the agent has written to the player since they were given the chat."""
        raw = await self.trackers.load(sender_id)
        for event in reversed([event_from_dict(e) for e in raw]):
            if isinstance(event, LiveAgentUttered) and event.agent_id == agent_id:
                return True
            if isinstance(event, HandoverAssigned):
                return False
        return False

    # ---- recording -----------------------------------------------------------------------

    def _say(self, tracker: Tracker, name: str, **values: Any) -> list[Event]:
        domain = self.domain()
        if domain is None or name not in domain.responses:
            return []
        message = render_response(
            name, domain, tracker, channel=tracker.latest_input_channel, extra=values
        )
        return [] if message is None else [bot_uttered(message, name)]

    async def _record(self, sender_id: str, kind: str, step: Step) -> Outgoing | None:
        """Run ``step`` on the tracker under the lock, append and publish what it added;
        returns what the player is to be told (``send`` it)."""
        async with self.locks.lock(sender_id):
            stored = await self._kept.load(sender_id, self.domain())
            tracker = stored.tracker
            added = step(tracker)
            if not added:
                return None
            now = max(self.clock(), tracker.latest_event_time or 0.0)
            stamped = [_stamped(event, now) for event in added]
            try:
                await self.trackers.append(sender_id, [event.as_dict() for event in stamped])
            except BaseException:
                self._kept.forget(sender_id)  # stored or not: read it again next time
                raise
            self._kept.appended(sender_id, stored, stamped)
        topic = conversation_topic(sender_id)
        recorded = [event.as_dict() for event in stamped]
        await self.fanout.publish(topic, {"type": kind, "sender_id": sender_id, "events": recorded})
        messages = [player_message(sender_id, event) for event in stamped]
        outgoing = [message for message in messages if message is not None]
        return Outgoing(sender_id, outgoing, player_channel(tracker)) if outgoing else None

    async def send(self, outgoing: Outgoing | None) -> bool:
        """Send a recorded step's messages to the player; False when the channel failed.

        The step is recorded whatever happens, so a channel that fails is logged and
        shown to the console instead of undoing it. During the player's own turn the
        messages go with the turn's replies instead."""
        if outgoing is None:
            return True
        sender_id, messages = outgoing.sender_id, outgoing.messages
        if TurnReplies.take(sender_id, messages):
            return True
        try:
            return await self.deliver(sender_id, messages, channel=outgoing.channel) is not False
        except Exception:
            log.exception("conversation %s: a message could not reach the player", sender_id)
            await self.fanout.publish(
                conversation_topic(sender_id),
                {"type": "delivery_failed", "sender_id": sender_id, "messages": messages},
            )
            return False


def _stamped(event: Event, now: float) -> Event:
    return replace(event, timestamp=now)


def _player_texts(tracker: Tracker) -> list[str]:
    """What the player wrote from just before the latest handover request on."""
    events = tracker.events
    start = max((i for i, e in enumerate(events) if isinstance(e, HandoverRequested)), default=0)
    before = [e for e in events[:start] if isinstance(e, UserUttered)][-1:]
    said = [*before, *(e for e in events[start:] if isinstance(e, UserUttered))]
    return [e.text for e in said if e.text and not e.text.startswith("/")]
