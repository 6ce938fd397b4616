"""Button payloads: ``/intent`` and ``/intent{"entity": "value"}`` skip NLU, as in Rasa.

``/intent@0.8`` gives the confidence. A payload naming an intent the domain does not
know, or with entities that are not a JSON object, is not a payload: the text goes to
NLU like anything else the player types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["parse_payload"]

_PAYLOAD = re.compile(r"^/([^{@\s]+)(?:@([0-9]*\.?[0-9]+))?(\{.*\})?$", re.DOTALL)


def parse_payload(text: str | None, intents: Iterable[str]) -> dict[str, Any] | None:
    """Rasa's parse data for a payload, or None when ``text`` is not one."""
    if not text:
        return None
    match = _PAYLOAD.match(text.strip())
    if match is None:
        return None
    intent, confidence_text, entities_text = match.groups()
    if intent not in set(intents):
        return None
    confidence = 1.0
    if confidence_text is not None:
        confidence = min(1.0, max(0.0, float(confidence_text)))
    entities: list[dict[str, Any]] = []
    if entities_text:
        try:
            raw = json.loads(entities_text)
        except json.JSONDecodeError:
            return None
        if not isinstance(raw, dict):
            return None
        start, end = match.span(3)
        for name, value in raw.items():
            for item in value if isinstance(value, list) else [value]:
                entities.append({"entity": str(name), "value": item, "start": start, "end": end})
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": entities,
    }
