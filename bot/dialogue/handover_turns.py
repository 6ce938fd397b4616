"""What the engine does around a handover: ratings, going back to the bot, and the calls
it owes the live-agent connector after a turn.

A rating is a digit 1-5 alone, or the payload of a rating button (``/csat{"score": 4}``).
Going back to the bot is a plain request said alone: while waiting ``bota dön``,
``iptal``, ``vazgeç`` (with or without Turkish letters) or ``/back_to_bot``; with an
agent only ``bota dön`` and ``/back_to_bot``, since "iptal" may be meant for the agent.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels import TranscriptEntry
from bot.dialogue.conversation_state import HANDOVER_WAITING
from bot.dialogue.events import Event, Restarted, SessionStarted, UserUttered
from bot.dialogue.handoff import player_language
from bot.dialogue.handover_events import (
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    HandoverClosed,
    HandoverRequested,
)
from bot.dialogue.tracker import Tracker
from bot.dialogue.transcript import transcript
from bot.live_agents import HandoverRequest, LiveAgentConnector

__all__ = [
    "BACK_TO_BOT_PAYLOAD",
    "CSAT_PAYLOAD",
    "LiveAgentCalls",
    "csat_score",
    "live_agent_calls",
    "tell_live_agents",
    "wants_the_bot",
]

log = logging.getLogger(__name__)
CSAT_PAYLOAD = "/csat"
BACK_TO_BOT_PAYLOAD = "/back_to_bot"
_DIGIT = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")
_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_WHILE_WAITING = {"bota don", "bota geri don", "iptal", "vazgec", "bot", BACK_TO_BOT_PAYLOAD}
_WITH_AN_AGENT = {"bota don", "bota geri don", BACK_TO_BOT_PAYLOAD}
_CLOSING_ANSWERS = (CsatRated, CsatCommented, FollowUpAnswered)


def csat_score(text: str | None) -> int | None:
    """The 1-5 rating the message gives, if it is one."""
    text = (text or "").strip()
    if text.startswith(CSAT_PAYLOAD + "{"):
        try:
            score = json.loads(text[len(CSAT_PAYLOAD) :]).get("score")
        except (ValueError, AttributeError):
            return None
        return score if isinstance(score, int) and 1 <= score <= 5 else None
    match = _DIGIT.match(text)
    return int(match.group(1)) if match else None


def _folded(text: str) -> str:
    text = text.replace("I", "ı").replace("İ", "i").lower().translate(_FOLD)
    return " ".join(re.sub(r"[^\w/]+", " ", text).split())


def wants_the_bot(text: str | None, handover_status: str | None) -> bool:
    """Whether the player, in a handover of this status, asks to go back to the bot."""
    if handover_status is None or not text:
        return False
    allowed = _WHILE_WAITING if handover_status == HANDOVER_WAITING else _WITH_AN_AGENT
    return _folded(text) in allowed


@dataclass(frozen=True, slots=True)
class LiveAgentCalls:
    """What to tell the live-agent connector once the turn is stored."""

    request: HandoverRequest | None = None
    player_message: TranscriptEntry | None = None
    withdraw_by: str | None = None
    closing_answer: TranscriptEntry | None = None  # the rating, its comment, the follow-up's


def live_agent_calls(
    before: Tracker, after: Tracker, new: Sequence[Event], language: str
) -> LiveAgentCalls:
    """Compare the conversation before and after a turn: a handover that ended in the
    turn is withdrawn, one that began is requested, and a player message in an ongoing
    one is passed on; so is the player's answer to the questions after a close (the
    rating, its comment, the follow-up), for the agent who may still have the chat open."""
    withdraw_by = _ended_by(new) if before.in_handover and not after.in_handover else None
    requested = [e for e in new if isinstance(e, HandoverRequested)]
    if requested and after.in_handover:
        return LiveAgentCalls(_request(after, requested[-1], language), None, withdraw_by)
    if before.in_handover and after.in_handover:
        said = [e for e in new if isinstance(e, UserUttered)]
        if said:
            entry = transcript(said[-1:])[0]
            return LiveAgentCalls(player_message=entry)
    said = [e for e in new if isinstance(e, UserUttered)]
    if said and any(isinstance(e, _CLOSING_ANSWERS) for e in new):
        return LiveAgentCalls(withdraw_by=withdraw_by, closing_answer=transcript(said[-1:])[0])
    return LiveAgentCalls(withdraw_by=withdraw_by)


def _ended_by(new: Sequence[Event]) -> str:
    """Who ended a handover in this turn: the player (going back to the bot), a restart,
    or a new session."""
    closed = [e for e in new if isinstance(e, HandoverClosed)]
    if closed:
        return closed[-1].by
    if any(isinstance(e, Restarted) for e in new):
        return "restart"
    if any(isinstance(e, SessionStarted) for e in new):
        return "session"
    return "player"


def _request(tracker: Tracker, event: HandoverRequested, language: str) -> HandoverRequest:
    player = {
        name: tracker.get_slot(name)
        for name in ("player_id", "username", "name", "email", "phone", "verified")
        if tracker.get_slot(name) is not None
    }
    return HandoverRequest(
        sender_id=tracker.sender_id,
        reason=event.reason,
        skill=event.skill,
        language=language,
        player_language=player_language(tracker),
        priority=event.priority,
        summary=event.summary,
        channel=tracker.latest_input_channel,
        requested_at=event.timestamp,
        player=player,
        history=tuple(transcript(tracker.events)),
    )


async def tell_live_agents(
    connector: LiveAgentConnector, sender_id: str, calls: LiveAgentCalls
) -> None:
    """Make the calls; a failing connector is logged, never the player's problem (the
    turn is stored and answered, and a waiting player can always go back to the bot)."""
    try:
        if calls.withdraw_by is not None:
            await connector.withdraw(sender_id, calls.withdraw_by)
        if calls.request is not None:
            await connector.request(calls.request)
        if calls.player_message is not None:
            await connector.player_message(sender_id, calls.player_message)
        answered = getattr(connector, "closing_answer", None)  # optional, see ClosingAnswers
        if calls.closing_answer is not None and answered is not None:
            await answered(sender_id, calls.closing_answer)
    except Exception:
        log.exception("conversation %s: the live-agent connector failed", sender_id)
