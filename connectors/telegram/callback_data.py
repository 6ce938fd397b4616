"""Button payloads as inline-keyboard ``callback_data``, which Telegram limits to 64 bytes.

A payload that fits is sent as it is. A longer one (``/deposit_missing{"amount": ...}``
with a few entities soon is) is sent as a short key, a hash of the payload; a press of
that button is resolved back to the payload from the conversation's transcript, which
every worker can read, so nothing lives in one process's memory.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "MAX_CALLBACK_BYTES",
    "button_payload",
    "callback_data",
    "is_key",
    "payload_key",
    "resolve_key",
]

MAX_CALLBACK_BYTES = 64
_PREFIX = "~"
_DIGEST_BYTES = 15  # 20 base64 characters: 120 bits, no collision among a chat's buttons


def payload_key(payload: str) -> str:
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:_DIGEST_BYTES]
    return _PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")


def is_key(data: str) -> bool:
    return data.startswith(_PREFIX) and len(data) == len(payload_key(""))


def callback_data(payload: str) -> str:
    """The ``callback_data`` for a button with ``payload``: the payload or its key."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not is_key(payload):
        return payload
    return payload_key(payload)


def button_payload(button: Mapping[str, Any]) -> str:
    """A Rasa button's payload; its title when it has none (Rasa sends the title then)."""
    payload = button.get("payload")
    return str(payload) if payload not in (None, "") else str(button.get("title", ""))


def resolve_key(key: str, transcript: Iterable[Mapping[str, Any]]) -> str | None:
    """The payload of the newest bot button in ``transcript`` whose key is ``key``."""
    for entry in reversed(list(transcript)):
        if entry.get("sender") != "bot":
            continue
        for button in entry.get("buttons") or ():
            if isinstance(button, Mapping):
                payload = button_payload(button)
                if payload_key(payload) == key:
                    return payload
    return None
