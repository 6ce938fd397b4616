"""Reading Meta's webhooks: the signature check and the envelope to ``UserMessage``s.

Both are pure. A message the bot cannot read (audio, a sticker, a location...) becomes a
``UserMessage`` with ``text=None`` and its WhatsApp ``type`` in the metadata, so the
channel can answer it politely; a reaction or a system notice is dropped (it asks nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from bot.channels import UserMessage

__all__ = ["CHANNEL", "parse", "signature_ok"]

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_PREFIX = "sha256="
CAPTIONED = frozenset({"image", "video", "document"})
SILENT = frozenset({"reaction", "system", "request_welcome"})  # nothing to answer


def signature_ok(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is ``sha256=<hex HMAC-SHA256(app_secret, body)>`` (constant time)."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    # Bytes, not text: compare_digest refuses non-ASCII text (a TypeError, so a 500).
    given = header[len(SIGNATURE_PREFIX) :].lower().encode()
    return hmac.compare_digest(given, expected.encode())


def parse(payload: Any, phone_number_id: str) -> list[UserMessage]:
    """The players' messages of a webhook envelope, in the order they came.

    Status callbacks, fields other than ``messages``, messages to another business
    number and malformed parts are skipped (and logged).
    """
    if not isinstance(payload, Mapping):
        return []
    messages: list[UserMessage] = []
    for value in _message_values(payload):
        number = str(_mapping(value.get("metadata")).get("phone_number_id", ""))
        if number != phone_number_id:
            log.warning("whatsapp: a message for another business number was ignored")
            continue
        names = _contact_names(value.get("contacts"))
        for raw in _list(value.get("messages")):
            message = _user_message(_mapping(raw), number, names)
            if message is not None:
                messages.append(message)
    return messages


def _message_values(payload: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for entry in _list(payload.get("entry")):
        for change in _list(_mapping(entry).get("changes")):
            change = _mapping(change)
            if change.get("field") != "messages":
                log.info("whatsapp: ignored a %r webhook", change.get("field"))
                continue
            value = _mapping(change.get("value"))
            for error in _list(value.get("errors")):
                log.warning("whatsapp: the webhook reports an error: %s", error)
            yield value


def _contact_names(contacts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in _list(contacts):
        contact = _mapping(contact)
        name = _mapping(contact.get("profile")).get("name")
        if isinstance(name, str) and contact.get("wa_id"):
            names[str(contact["wa_id"])] = name
    return names


def _user_message(raw: Mapping[str, Any], number: str, names: dict[str, str]) -> UserMessage | None:
    sender, wamid, kind = raw.get("from"), raw.get("id"), raw.get("type")
    if not isinstance(sender, str) or not sender or not isinstance(wamid, str):
        log.warning("whatsapp: a message without sender or id was ignored")
        return None
    if kind in SILENT:
        return None
    metadata: dict[str, Any] = {"phone_number_id": number, "type": kind}
    if sender in names:
        metadata["name"] = names[sender]
    if isinstance(raw.get("context"), Mapping):
        metadata["context"] = dict(raw["context"])
    if kind in CAPTIONED:
        media = _mapping(raw.get(kind))
        metadata["attachment"] = {"type": kind, "id": media.get("id"), "mime_type":
                                  media.get("mime_type")}  # fmt: skip
    return UserMessage(_text(raw), sender, CHANNEL, metadata, wamid)


def _text(raw: Mapping[str, Any]) -> str | None:
    """The text the bot reads: the body, a tapped reply's id (our payload), a caption."""
    kind = raw.get("type")
    if kind == "text":
        return _str(_mapping(raw.get("text")).get("body"))
    if kind == "interactive":
        interactive = _mapping(raw.get("interactive"))
        reply = _mapping(interactive.get(str(interactive.get("type"))))
        return _str(reply.get("id")) or _str(reply.get("title"))
    if kind == "button":
        button = _mapping(raw.get("button"))
        return _str(button.get("payload")) or _str(button.get("text"))
    if kind in CAPTIONED:
        return _str(_mapping(raw.get(kind)).get("caption"))
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
