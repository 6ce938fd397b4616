"""Response templates: domain ``responses`` turned into bot messages.

A response has variations; those whose ``condition`` holds (slot values) and whose
``channel`` is the conversation's are candidates, and one is picked at random. A
variation made for this channel or with a condition beats a generic one, as in Rasa.
``{name}`` in the text, button titles and payloads is replaced by the slot (or the
keyword given to the response) of that name; an unknown name is left as written, so
JSON braces in a payload are safe.

A retrieval action (``utter_faq`` for responses ``utter_faq/ask_name``, ...) says the
response ResponseSelector chose for the latest message, as Rasa's does: the entry of
``response_selector`` named after the retrieval intent, else the ``default`` one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from bot.channels import BotMessage
from bot.dialogue.domain import Domain, ResponseVariation
from bot.dialogue.tracker import Tracker
from bot.nlu.message import DEFAULT_SELECTOR_KEY
from bot.nlu.training_data import retrieval_intent

__all__ = [
    "BotMessage",
    "interpolate",
    "is_retrieval_action",
    "render_response",
    "retrieval_response",
]


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MESSAGE_KEYS = ("text", "buttons", "image", "custom", "attachment", "quick_replies", "elements")


def interpolate(value: Any, values: Mapping[str, Any]) -> Any:
    """``value`` with every ``{name}`` known in ``values`` replaced, recursively."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(
            lambda m: _shown(values[m.group(1)]) if m.group(1) in values else m.group(0), value
        )
    if isinstance(value, list):
        return [interpolate(item, values) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, values) for key, item in value.items()}
    return value


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "evet" if value else "hayır"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _condition_holds(variation: ResponseVariation, slots: Mapping[str, Any]) -> bool:
    for condition in variation.condition:
        if condition.type != "slot":
            return False
        if slots.get(condition.name) != condition.value:
            return False
    return True


def _candidates(
    variations: tuple[ResponseVariation, ...], slots: Mapping[str, Any], channel: str | None
) -> list[ResponseVariation]:
    usable = [
        v
        for v in variations
        if (v.channel is None or v.channel == channel) and _condition_holds(v, slots)
    ]
    for preferred in (
        [v for v in usable if v.channel is not None and v.condition],
        [v for v in usable if v.channel is not None],
        [v for v in usable if v.condition],
    ):
        if preferred:
            return preferred
    return usable


def is_retrieval_action(name: str, domain: Domain) -> bool:
    """``utter_faq`` where the domain has ``utter_faq/<key>`` responses but no ``utter_faq``."""
    if name in domain.responses or not name.startswith("utter_"):
        return False
    prefix = f"{name}/"
    return any(key.startswith(prefix) for key in domain.responses)


def retrieval_response(name: str, domain: Domain, tracker: Tracker) -> str | None:
    """The response ``utter_faq`` stands for now (``utter_faq/ask_name``), or None when
    ``name`` is not a retrieval action or the latest message selected nothing for it."""
    if name in domain.responses or not name.startswith("utter_"):
        return None
    intent = name.removeprefix("utter_")
    selector = tracker.latest_message.parse_data.get("response_selector")
    if not isinstance(selector, Mapping):
        return None
    for key in (intent, DEFAULT_SELECTOR_KEY):
        entry = selector.get(key)
        response = entry.get("response") if isinstance(entry, Mapping) else None
        chosen = response.get("intent_response_key") if isinstance(response, Mapping) else None
        if isinstance(chosen, str) and retrieval_intent(chosen) == intent:
            full = f"utter_{chosen}"
            return full if full in domain.responses else None
    return None


def render_response(
    name: str,
    domain: Domain,
    tracker: Tracker,
    *,
    channel: str | None = None,
    rng: random.Random | None = None,
    extra: Mapping[str, Any] | None = None,
) -> BotMessage | None:
    """One variation of response ``name`` for this conversation, or None if there is none.

    For a retrieval action (``utter_faq``) it is the response selected for the latest
    message (``utter_faq/ask_name``)."""
    name = retrieval_response(name, domain, tracker) or name
    variations = domain.responses.get(name)
    if not variations:
        return None
    candidates = _candidates(variations, tracker.slots, channel)
    if not candidates:
        return None
    chosen = (rng or random).choice(candidates)
    values = {**tracker.slots, **dict(extra or {})}
    message: BotMessage = {}
    for key in _MESSAGE_KEYS:
        raw = chosen.raw.get(key)
        if raw is not None and raw != []:
            message[key] = interpolate(raw, values)
    message["response"] = name
    return message
