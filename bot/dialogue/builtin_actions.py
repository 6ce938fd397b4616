"""Actions the engine runs itself: Rasa's default actions, the two-stage fallback and
the handover.

Each takes the conversation and a way to render responses, and returns its events.
Rasa's default actions say their response (``utter_default``, ``utter_ask_rephrase``,
``utter_back``, ``utter_restart``) only when the domain declares it, and nothing otherwise,
as Rasa does: a project without ``utter_default`` gets no fallback text. Destek's own
replies have a Turkish default: the answer to a message without text
(``utter_non_text``), and the two-stage fallback's question and handover notice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.dialogue.domain import Domain
from bot.dialogue.events import (
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
)
from bot.dialogue.handoff import (
    FALLBACK_INTENT,
    HANDOFF_ACTION,
    handover_events,
    unsure_twice,
)
from bot.dialogue.responses import BotMessage
from bot.dialogue.slot_values import REQUESTED_SLOT
from bot.dialogue.tracker import Tracker

__all__ = ["BUILTIN_ACTIONS", "Render", "bot_uttered", "non_text_reply", "run_builtin"]

Render = Callable[[str, Tracker], BotMessage | None]
"""Renders a domain response for a conversation, or None if the domain lacks it."""

ASK_AFFIRMATION = "Bunu mu demek istediniz?"
OTHER_TOPIC = ("Başka bir konu", "/out_of_scope")
TO_AGENT = ("Temsilciye bağlan", "/human_handoff")
UNSURE_AGAIN = (
    "Size doğru yardımcı olabilmek için sizi bir müşteri temsilcimize aktarıyorum; "
    "kısa süre içinde sohbete katılacak."
)
ASK_REPHRASE = "Sorunuzu başka kelimelerle yazabilir misiniz?"
# Responses of Destek's own that are said even when the domain does not declare them;
# Rasa's (utter_default, utter_ask_rephrase, ...) are said only when it does.
DEFAULT_TEXTS = {
    "utter_non_text": (
        "Şimdilik yalnızca yazılı mesajları anlayabiliyorum; derdinizi kısaca yazar mısınız?"
    ),
}
# Button titles for the clarification question, when the domain has no
# `utter_intent_<name>` response to give one.
INTENT_TITLES = {
    "greet": "Selamlaşma", "goodbye": "Vedalaşma", "thank": "Teşekkür",
    "affirm": "Evet", "deny": "Hayır", "deposit_methods": "Para yatırma yöntemleri",
    "deposit_missing": "Yatırımım hesabıma geçmedi", "withdrawal_request": "Para çekmek istiyorum",
    "withdrawal_status": "Çekimim ne durumda?", "balance": "Bakiyemi öğrenmek istiyorum",
    "bonus_info": "Bonuslar ve kampanyalar", "bonus_missing": "Bonusum yüklenmedi",
    "password_reset": "Şifremi unuttum", "kyc_status": "Hesap doğrulamam ne durumda?",
    "kyc_documents": "Doğrulama için gereken belgeler", "human_handoff": "Müşteri temsilcisi",
    "complaint": "Şikayetim var", "responsible_gambling": "Limit ve hesap kapatma",
    "technical_issue": "Teknik bir sorun yaşıyorum", "out_of_scope": "Başka bir konu",
}  # fmt: skip
_DATA_KEYS = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")


def bot_uttered(message: Mapping[str, Any], action: str | None = None) -> BotUttered:
    """A bot message (rendered response or an action server's reply) as an event."""
    data = {key: message.get(key) for key in _DATA_KEYS}
    metadata = {"utter_action": action} if action else {}
    text = message.get("text")
    return BotUttered(text=text if isinstance(text, str) else None, data=data, metadata=metadata)


def _say(name: str, tracker: Tracker, render: Render) -> list[Event]:
    message = render(name, tracker)
    if message is None:
        text = DEFAULT_TEXTS.get(name)
        return [bot_uttered({"text": text}, name)] if text else []
    return [bot_uttered(message, name)]


def _title(intent: str, tracker: Tracker, render: Render) -> str:
    message = render(f"utter_intent_{intent}", tracker)
    if message is not None and isinstance(message.get("text"), str):
        return str(message["text"])
    return INTENT_TITLES.get(intent, intent.replace("_", " "))


def two_stage_fallback(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    """First unsure turn: ask which of the likeliest intents was meant. Second in a row:
    hand over."""
    if unsure_twice(tracker):
        return [bot_uttered({"text": UNSURE_AGAIN}, "action_two_stage_fallback"),
                FollowupAction(HANDOFF_ACTION)]  # fmt: skip
    known = set(domain.intent_names)
    ranking = tracker.latest_message.parse_data.get("intent_ranking") or []
    likely = [
        str(item["name"])
        for item in ranking
        if isinstance(item, Mapping) and item.get("name") in known
        and item.get("name") not in (FALLBACK_INTENT, "out_of_scope", "human_handoff")
        and float(item.get("confidence") or 0) >= 0.05
    ][:3]  # fmt: skip
    buttons = [{"title": _title(i, tracker, render), "payload": f"/{i}"} for i in likely]
    for title, payload in (OTHER_TOPIC, TO_AGENT):
        if payload[1:] in known:
            buttons.append({"title": title, "payload": payload})
    asked = render("utter_ask_affirmation", tracker)
    text = asked.get("text") if asked else None
    if not likely:
        rephrase = render("utter_ask_rephrase", tracker)
        text = (rephrase or {}).get("text") or ASK_REPHRASE
    message = {"text": text or ASK_AFFIRMATION, "buttons": buttons}
    return [bot_uttered(message, "action_two_stage_fallback")]


def non_text_reply(tracker: Tracker, render: Render) -> list[Event]:
    """The answer to a message with no text (a sticker, a photo, a voice note): say so
    (``utter_non_text``) and revert the message, so a form asking something goes on."""
    return [*_say("utter_non_text", tracker, render), UserUtteranceReverted()]


def _restart(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return [*_say("utter_restart", tracker, render), Restarted()]


def _default_fallback(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return [*_say("utter_default", tracker, render), UserUtteranceReverted()]


def _deactivate_loop(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


def _back(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return [*_say("utter_back", tracker, render), UserUtteranceReverted(), UserUtteranceReverted()]


def _send_text(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    text = tracker.latest_message.parse_data.get("metadata", {}).get("message", {})
    return [bot_uttered(text)] if isinstance(text, Mapping) and text.get("text") else []


def _nothing(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return []


def _handoff(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return handover_events(tracker, domain)


def _ask_rephrase(tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return _say("utter_ask_rephrase", tracker, render)


BuiltinAction = Callable[[Tracker, Domain, Render], list[Event]]
BUILTIN_ACTIONS: dict[str, BuiltinAction] = {
    "action_listen": _nothing,
    "action_restart": _restart,
    "action_default_fallback": _default_fallback,
    "action_deactivate_loop": _deactivate_loop,
    "action_revert_fallback_events": _nothing,
    "action_default_ask_affirmation": two_stage_fallback,
    "action_default_ask_rephrase": _ask_rephrase,
    "action_two_stage_fallback": two_stage_fallback,
    "action_unlikely_intent": _nothing,
    "action_back": _back,
    "action_send_text": _send_text,
    "action_extract_slots": _nothing,
    HANDOFF_ACTION: _handoff,
}


def run_builtin(name: str, tracker: Tracker, domain: Domain, render: Render) -> list[Event]:
    return BUILTIN_ACTIONS[name](tracker, domain, render)
