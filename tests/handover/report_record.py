"""A hand-built record with known figures, shared by the report tests (figures, API, CLI,
page).

On 2026-12-01 (Istanbul), from 10:00:

- ``p-ali``: asks for a human; the bot tells the place (5 s) and that Ali joined (60 s);
  Ali first writes at 150 s and closes ``resolved`` at 600 s; rated 4 with a comment.
- ``p-veli``: a complaint at 100 s; Veli takes it at 400 s, writes at 700 s, closes
  ``not_resolved`` at 1000 s; the rating question is not answered; the follow-up the next
  day is answered "no", and the new handover (``follow_up``) times out unanswered.
- ``p-bot``: the bot answers alone. ``p-left``: asks for a human and goes back to the bot
  before anyone took it. ``p-old``: wrote on 2026-11-30 only.

So on 2026-12-01: 4 conversations, 2 contained (50 %), 3 handed over (player_asked 2,
complaint 1), wait 60 and 300 (median 180, p90 300), first response 150 and 600 (median
375: the bot's messages at 5 s and 60 s do not count), handle 540 and 600 (median 570),
resolved 1 and not_resolved 1, CSAT asked 2, rated 1 (4.0, 50 %), 1 comment, follow-up
asked 1, not solved 1. On 2026-12-02: 1 conversation, contained, 1 handover (follow_up).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dialogue.events import BotUttered, Event, UserUttered
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    FollowUpAsked,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    LiveAgentUttered,
)
from bot.store.base import TrackerStore
from bot.store.queue_base import Agent, QueueStore, Team

__all__ = ["T0", "build_record"]

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Istanbul")).timestamp()
DAY = 86_400.0


def _at(seconds: float, event: Event) -> Event:
    object.__setattr__(event, "timestamp", T0 + seconds)
    return event


RECORD: dict[str, list[Event]] = {
    "p-ali": [
        _at(0, UserUttered("temsilci istiyorum")),
        _at(0, HandoverRequested("player_asked")),
        _at(5, BotUttered("Sıradaki yeriniz: 1.")),
        _at(60, HandoverAssigned("ali")),
        _at(60, BotUttered("Temsilcimiz Ali sohbete katıldı.")),
        _at(150, LiveAgentUttered("ali", "Merhaba, hemen bakıyorum.")),
        _at(600, HandoverClosed("agent", "resolved")),
        _at(600, CsatAsked()),
        _at(620, UserUttered('/csat{"score": 4}')),
        _at(620, CsatRated(4)),
        _at(640, UserUttered("hızlıydınız")),
        _at(640, CsatCommented("hızlıydınız")),
    ],
    "p-veli": [
        _at(100, UserUttered("rezalet, param gelmedi")),
        _at(100, HandoverRequested("complaint")),
        _at(400, HandoverAssigned("veli")),
        _at(700, LiveAgentUttered("veli", "Kontrol ediyorum.")),
        _at(1000, HandoverClosed("agent", "not_resolved")),
        _at(1000, CsatAsked()),
        _at(DAY + 1000, FollowUpAsked("not_resolved")),
        _at(DAY + 1100, UserUttered("hayır")),
        _at(DAY + 1100, FollowUpAnswered(False)),
        _at(DAY + 1100, HandoverRequested("follow_up")),
        _at(DAY + 1800, HandoverClosed("timeout")),
    ],
    "p-bot": [
        _at(200, UserUttered("bonus nedir")),
        _at(201, BotUttered("Bonuslarımız...")),
    ],
    "p-left": [
        _at(300, UserUttered("temsilci")),
        _at(300, HandoverRequested("player_asked")),
        _at(320, UserUttered("bota dön")),
        _at(320, HandoverClosed("player")),
    ],
    "p-old": [_at(-DAY, UserUttered("merhaba"))],
}


async def build_record(trackers: TrackerStore, store: QueueStore) -> None:
    for sender_id, events in RECORD.items():
        await trackers.append(sender_id, [event.as_dict() for event in events])
    await store.add_team(Team("finans"))
    await store.add_agent(Agent("ali", "ali", "Ali", teams=("finans",)))
    await store.add_agent(Agent("veli", "veli", "Veli", role="supervisor"))
