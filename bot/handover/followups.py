"""Follow-ups: a while after a chat closed, the bot asks the player whether the problem is
solved ("Sorununuz çözüldü mü?", the domain's ``utter_ask_follow_up`` with yes/no
buttons). The player's answer is read by the engine (:mod:`bot.dialogue.closing_turns`):
"no" hands them to the queue again with reason ``follow_up``.

The delay depends on the resolution the agent closed with (endpoints.yml, see
:class:`~bot.handover.queue_config.QueueConfig`); a resolution without one is never
followed up. On every tick of the queue's timers the closed entries now due are
claimed in the queue store, one worker per entry, and each claimed follow-up is sent
once: a follow-up that cannot be sent (the conversation erased, the player's channel
failing, no text declared, the player back in the queue or helped again since) is
logged and recorded as failed or skipped, and never tried again; one that was missed
by more than ``follow_up_grace`` (the server was down) is not sent late. A claim still
``sending`` after ``STALE_CLAIM`` lost its worker (killed while sending): another worker
takes it over, unless the conversation shows the question was asked.

The question goes out as the agents' messages do, through the desk's ``deliver`` to the
player's latest channel; on WhatsApp, once the player's last message is over 24 hours
old, a free-form message is refused, so the message asks the channel for its
``follow_up`` template instead (``template`` in the message; the WhatsApp channel
sends the template credentials.yml names). Only then is the question recorded in the
conversation (the bot's message and ``follow_up_asked``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

from bot.channels import FOLLOW_UP_TEMPLATE, TEMPLATE_KEY, BotMessage
from bot.dialogue.builtin_actions import bot_uttered
from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import Event, UserUttered
from bot.dialogue.handover_events import FollowUpAsked, HandoverRequested
from bot.dialogue.responses import render_response
from bot.dialogue.tracker import Tracker
from bot.handover.desk import Desk
from bot.handover.topics import conversation_topic
from bot.store.queue_base import (
    FOLLOW_UP_FAILED,
    FOLLOW_UP_SENT,
    FOLLOW_UP_SKIPPED,
    QueueEntry,
    QueueStore,
)

__all__ = ["ASK_FOLLOW_UP", "WHATSAPP_WINDOW", "FollowUps"]

log = logging.getLogger(__name__)
ASK_FOLLOW_UP = "utter_ask_follow_up"
WHATSAPP = "whatsapp"
WHATSAPP_WINDOW = 24 * 3600.0  # Meta's customer service window after the player's message
# A claim still "sending" this long after it was made lost its worker (killed while
# sending): another worker takes it over, unless the question was recorded meanwhile.
STALE_CLAIM = 15 * 60.0

Outcome = tuple[str, str]  # (status, detail)


class FollowUps:
    """Sends the follow-ups now due; ``delays`` maps a resolution to seconds after the close."""

    def __init__(
        self,
        store: QueueStore,
        desk: Desk,
        delays: Mapping[str, float],
        grace: float = 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.desk = desk
        self.delays = dict(delays)
        self.grace = grace
        self.clock = clock

    async def tick(self) -> int:
        """Claim and send what is due now; returns how many went out."""
        if not self.delays:
            return 0
        now = self.clock()
        stale = now - STALE_CLAIM
        due: list[QueueEntry] = []
        for resolution, delay in self.delays.items():
            # closed ``delay`` ago, or up to ``grace`` before that: usually none
            due += await self.store.followups_due(
                resolution, now - delay - self.grace, now - delay, stale_before=stale
            )
        sent = 0
        for entry in due:
            if not await self.store.claim_followup(entry, now, stale_before=stale):
                continue  # another worker has it
            status, detail = await self._follow(entry, now)
            await self.store.finish_followup(entry.id, status, self.clock(), detail)
            sent += status == FOLLOW_UP_SENT
        return sent

    async def _follow(self, entry: QueueEntry, now: float) -> Outcome:
        try:
            status, detail = await self._ask(entry, now)
        except Exception as exc:  # one player's trouble never stops the others' follow-ups
            log.exception("conversation %s: the follow-up failed", entry.sender_id)
            return FOLLOW_UP_FAILED, type(exc).__name__
        if status != FOLLOW_UP_SENT:
            log.info("conversation %s: follow-up %s (%s)", entry.sender_id, status, detail)
        return status, detail

    async def _ask(self, entry: QueueEntry, now: float) -> Outcome:
        sender_id = entry.sender_id
        if await self.store.entry(sender_id) is not None:
            return FOLLOW_UP_SKIPPED, "the conversation is with the queue again"
        events = [event_from_dict(raw) for raw in await self.desk.trackers.load(sender_id)]
        if not events:
            return FOLLOW_UP_FAILED, "the conversation is gone"
        closed_at = entry.closed_at or 0.0
        if any(isinstance(e, HandoverRequested) and e.timestamp > closed_at for e in events):
            return FOLLOW_UP_SKIPPED, "the player asked for help again since"
        if any(isinstance(e, FollowUpAsked) and e.timestamp > closed_at for e in events):
            return FOLLOW_UP_SKIPPED, "asked already, by a worker that stopped before noting it"
        domain = self.desk.domain()
        tracker = Tracker.from_events(sender_id, events, domain)
        channel = _player_channel(events)
        rendered = None
        if domain is not None and ASK_FOLLOW_UP in domain.responses:
            rendered = render_response(ASK_FOLLOW_UP, domain, tracker, channel=channel)
        if rendered is None:
            return FOLLOW_UP_SKIPPED, f"the domain declares no {ASK_FOLLOW_UP}"
        message: BotMessage = {"recipient_id": sender_id}
        message.update({k: v for k, v in rendered.items() if v not in (None, [], {})})
        if channel == WHATSAPP and now - _last_said(events) > WHATSAPP_WINDOW:
            message[TEMPLATE_KEY] = FOLLOW_UP_TEMPLATE
        deliver: Callable[[str, list[BotMessage]], Awaitable[object]] = self.desk.deliver
        if await deliver(sender_id, [message]) is False:
            return FOLLOW_UP_FAILED, f"the player's channel ({channel}) did not take it"
        asked = [bot_uttered(rendered, ASK_FOLLOW_UP), FollowUpAsked(entry.resolution)]
        await self._record(sender_id, asked)
        return FOLLOW_UP_SENT, f"{channel} template" if TEMPLATE_KEY in message else str(channel)

    async def _record(self, sender_id: str, events: list[Event]) -> None:
        async with self.desk.locks.lock(sender_id):
            now = self.clock()
            stamped = [replace(event, timestamp=now).as_dict() for event in events]
            await self.desk.trackers.append(sender_id, stamped)
        await self.desk.fanout.publish(
            conversation_topic(sender_id),
            {"type": "follow_up", "sender_id": sender_id, "events": stamped},
        )


def _player_channel(events: list[Event]) -> str | None:
    """The channel of the player's latest message that names one (where delivery goes)."""
    said = [e.input_channel for e in events if isinstance(e, UserUttered) and e.input_channel]
    return said[-1] if said else None


def _last_said(events: list[Event]) -> float:
    """When the player last wrote (0: never)."""
    return max((e.timestamp for e in events if isinstance(e, UserUttered)), default=0.0)
