"""The handover decision: why, to which team, how urgent, and a summary for the agent.

``action_handoff`` reads the slots ``handoff_reason``, ``handoff_skill`` and
``handoff_note`` when an action set them (and the domain has them). Otherwise the
conversation decides: the latest intent gives the reason, the latest topic the skill,
and responsible gambling (3) and complaints (2) come before everything else (1).
The summary lists the topics, what the player told, the action's note and the player's
last messages, so the agent does not have to ask again. One-time codes never appear in
it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogue.conversation_state import ACTION_LISTEN
from bot.dialogue.domain import Domain
from bot.dialogue.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from bot.dialogue.handover_events import HandoverRequested
from bot.dialogue.slot_values import REQUESTED_SLOT
from bot.dialogue.tracker import Tracker

__all__ = [
    "HANDOFF_ACTION",
    "handover_events",
    "immediate_handover",
    "player_language",
    "summarise",
]

HANDOFF_ACTION = "action_handoff"
HANDOFF_SLOTS = ("handoff_reason", "handoff_skill", "handoff_note")
TWO_STAGE_FALLBACK = "action_two_stage_fallback"
FALLBACK_INTENT = "nlu_fallback"

INTENT_REASONS = {
    "human_handoff": "player_asked",
    "complaint": "complaint",
    "responsible_gambling": "responsible_gambling",
    FALLBACK_INTENT: "two_fallbacks",
}
REASON_PRIORITIES = {"responsible_gambling": 3, "complaint": 2}
TOPIC_SKILLS = {
    "deposit_missing": "finance", "deposit_methods": "finance", "withdrawal_request": "finance",
    "withdrawal_status": "finance", "balance": "finance", "bonus_info": "finance",
    "bonus_missing": "finance", "kyc_status": "kyc", "kyc_documents": "kyc",
    "technical_issue": "technical", "password_reset": "technical",
}  # fmt: skip
SKILLS = ("finance", "kyc", "technical", "general")
# Slots that are the bot's own bookkeeping, or secrets: never in the summary.
_HIDDEN_SLOTS = {REQUESTED_SLOT, "session_started_metadata", "otp_code", "otp_sent",
                 "pending_action", "verified", *HANDOFF_SLOTS}  # fmt: skip
_LAST_MESSAGES = 3


def _user_turns(tracker: Tracker) -> list[UserUttered]:
    return [e for e in tracker.applied_events() if isinstance(e, UserUttered)]


def player_language(tracker: Tracker) -> str | None:
    """Another language than the project's that the player writes in: the one the NLU
    found in their latest two messages (it marks only messages it could not read as the
    project's language), or None when it found none or two different ones."""
    found = {turn.parse_data.get("language") for turn in _user_turns(tracker)[-2:]}
    found.discard(None)
    language = found.pop() if len(found) == 1 else None
    return language if isinstance(language, str) and language else None


def _reason(tracker: Tracker) -> str:
    slot = tracker.get_slot("handoff_reason")
    if isinstance(slot, str) and slot:
        return slot
    intent = tracker.latest_message.intent_name or ""
    if intent == FALLBACK_INTENT and tracker.latest_action_name != TWO_STAGE_FALLBACK:
        return "rule"
    return INTENT_REASONS.get(intent, "rule")


def _skill(tracker: Tracker) -> str:
    slot = tracker.get_slot("handoff_skill")
    if isinstance(slot, str) and slot:
        return slot
    for turn in reversed(_user_turns(tracker)):
        skill = TOPIC_SKILLS.get(turn.intent_name or "")
        if skill:
            return skill
    return "general"


def summarise(tracker: Tracker, domain: Domain, reason: str) -> str:
    """A few lines in Turkish for the agent who takes the conversation."""
    turns = _user_turns(tracker)
    topics: list[str] = []
    for turn in turns:
        name = turn.intent_name
        if name and name not in topics and name in TOPIC_SKILLS | INTENT_REASONS:
            topics.append(name)
    lines = [f"Sebep: {reason}"]
    if topics:
        lines.append("Konular: " + ", ".join(topics))
    language = player_language(tracker)
    if language is not None:
        lines.append(f"Oyuncunun yazdığı dil: {language}")
    verified = tracker.get_slot("verified") is True
    player = tracker.get_slot("player_id")
    if verified:
        lines.append(f"Oyuncu: kimliği doğrulandı (oyuncu no {player})")
    else:
        lines.append("Oyuncu: kimliği doğrulanmadı")
    details = [
        f"{name}={_shown(value)}"
        for name, value in tracker.slots.items()
        if value not in (None, "", [], {}) and name not in _HIDDEN_SLOTS and name != "player_id"
        and name in domain.slots
    ]  # fmt: skip
    if details:
        lines.append("Bilgiler: " + ", ".join(details))
    note = tracker.get_slot("handoff_note")
    if isinstance(note, str) and note:
        lines.append(f"Not: {note}")
    said = [t.text for t in turns if t.text and not t.text.startswith("/")][-_LAST_MESSAGES:]
    if said:
        lines.append("Son mesajlar: " + " | ".join(f'"{_clip(text)}"' for text in said))
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("value", value)
    return _clip(str(value), 80)


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def handover_events(tracker: Tracker, domain: Domain) -> list[Event]:
    """What ``action_handoff`` appends: the form ends, the reasons are recorded and
    cleared, and the conversation goes to the queue (unless it waits there already)."""
    if tracker.in_handover:
        return []
    reason = _reason(tracker)
    skill = _skill(tracker)
    if skill not in SKILLS:
        skill = "general"
    priority = REASON_PRIORITIES.get(reason, 1)
    summary = summarise(tracker, domain, reason)
    events: list[Event] = []
    if tracker.active_loop_name is not None:
        events.append(ActiveLoop(None))
        if REQUESTED_SLOT in tracker.slots:
            events.append(SlotSet(REQUESTED_SLOT, None))
    events.extend(
        SlotSet(name, None) for name in HANDOFF_SLOTS if tracker.get_slot(name) is not None
    )
    events.append(HandoverRequested(reason=reason, skill=skill, priority=priority, summary=summary))
    return events


def unsure_twice(tracker: Tracker) -> bool:
    """The player's message before this one was not understood either, and the bot
    already asked what they meant."""
    turns_back = 0
    asked = False
    for event in reversed(tracker.applied_events()):
        if (
            isinstance(event, ActionExecuted)
            and event.name == TWO_STAGE_FALLBACK
            and turns_back == 1
        ):
            asked = True
        if isinstance(event, UserUttered):
            turns_back += 1
            if turns_back == 2:
                return asked and event.intent_name == FALLBACK_INTENT
        if isinstance(event, ActionExecuted) and event.name == ACTION_LISTEN and turns_back > 2:
            break
    return False


def immediate_handover(tracker: Tracker, domain: Domain, reason: str) -> list[Event]:
    """``action_handoff`` run at once, outside the policies (the turn itself failed)."""
    if tracker.in_handover:
        return []
    events: list[Event] = []
    if "handoff_reason" in domain.slots:
        events.append(SlotSet("handoff_reason", reason))
    events.append(ActionExecuted(HANDOFF_ACTION, policy="engine"))
    with_reason = tracker.with_events(tracker.prepare_events(events)[0])
    return [*events, *handover_events(with_reason, domain)]
