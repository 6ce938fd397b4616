"""Reading Chatwoot's webhooks: the signature, and what a delivery means for the desk.

Both are pure (a log line aside). Signed deliveries, as Chatwoot documents them (the
webhook object's ``secret`` field in its API reference, and
github.com/chatwoot/chatwoot/pull/13573, which introduced signing; API-inbox and
agent-bot webhooks are signed the same way since pull/13892): ``X-Chatwoot-Timestamp:
<unix seconds>`` and ``X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret,
"{timestamp}.{raw body}")>``; receivers should refuse a timestamp more than about five
minutes old (a retry is signed afresh). Chatwoot versions before these send no
signature: there a shared token in the webhook URL's query (``?token=``) is the proof.

Which deliveries matter (PROTOCOLS.md, Chatwoot): ``message_created`` of an
``outgoing``, non-private message whose sender is a human (``sender.type`` ``user``):
an agent's reply; ``conversation_updated`` with a new assignee; a
``conversation_status_changed`` to ``resolved`` (or an agent bot's
``conversation_resolved``). Everything else is acknowledged and ignored: the player's
messages (``incoming``, we posted them), private notes, agent-bot messages, our own
posts (their ``source_id`` starts with :data:`OUR_SOURCE`), ``message_updated``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DELIVERY_HEADER",
    "OUR_SOURCE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AgentAssigned",
    "AgentReply",
    "Conversation",
    "ConversationResolved",
    "Event",
    "Malformed",
    "agent_id",
    "parse_event",
    "sign",
    "signature_ok",
]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"
OUR_SOURCE = "destek:"
"""The ``source_id`` prefix of every message Destek posts (its webhook comes back to us)."""
_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Chatwoot-Signature`` value Chatwoot sends for ``body`` at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return _PREFIX + digest.hexdigest()


def signature_ok(
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    secret: str,
    *,
    now: float,
    tolerance: float,
) -> bool:
    """Whether the headers sign ``body`` with ``secret``, at most ``tolerance`` seconds
    from ``now`` (constant-time comparison)."""
    stamp = (timestamp or "").strip()
    if not signature or not (stamp.isascii() and stamp.isdigit()):  # "²" is a digit too
        return False
    if abs(now - int(stamp)) > tolerance:
        return False
    # Bytes, not text: compare_digest refuses non-ASCII text (a TypeError, so a 500).
    expected = sign(secret, stamp, body).encode()
    return hmac.compare_digest(signature.strip().lower().encode(), expected)


@dataclass(frozen=True, slots=True)
class Conversation:
    """What a delivery says about the Chatwoot conversation it concerns."""

    id: int
    inbox_id: int | None
    custom_attributes: Mapping[str, Any]
    contact_identifier: str | None
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AgentReply:
    """A human agent wrote to the player."""

    conversation: Conversation
    message_id: int
    agent_id: str
    agent_name: str
    text: str


@dataclass(frozen=True, slots=True)
class AgentAssigned:
    """The conversation has a (new) human assignee."""

    conversation: Conversation
    agent_id: str
    agent_name: str


@dataclass(frozen=True, slots=True)
class ConversationResolved:
    """The humans resolved the conversation."""

    conversation: Conversation


Event = AgentReply | AgentAssigned | ConversationResolved


class Malformed(ValueError):
    """A delivery that should concern a conversation but names none."""


def parse_event(payload: Mapping[str, Any]) -> Event | None:
    """The desk's business in ``payload``, or None when there is none (ignored).

    Raises:
        Malformed: an event that matters lacks its conversation or message id.
    """
    event = payload.get("event")
    if event == "message_created":
        return _reply(payload)
    if event == "conversation_updated":
        return _assigned(payload)
    if event in ("conversation_status_changed", "conversation_resolved"):
        conversation = _conversation(payload)
        if conversation is None:
            raise Malformed("a status change without its conversation")
        if event == "conversation_resolved" or payload.get("status") == "resolved":
            return ConversationResolved(conversation)
    return None


def agent_id(sender: Mapping[str, Any]) -> str:
    """Destek's id for a Chatwoot agent (distinct from the console's own agents)."""
    return f"chatwoot:{sender.get('id')}"


def _reply(payload: Mapping[str, Any]) -> AgentReply | None:
    if "private" not in payload:
        # Chatwoot versions whose webhooks do not say whether a message is a private
        # note: a note must never reach the player, so no message is taken from them.
        log.warning("chatwoot: a message webhook without 'private' was ignored; upgrade Chatwoot")
        return None
    sender = _mapping(payload.get("sender"))
    source = payload.get("source_id")
    if (
        payload.get("message_type") not in ("outgoing", 1)
        or payload.get("private") is True
        or sender.get("type") != "user"
        or (isinstance(source, str) and source.startswith(OUR_SOURCE))
    ):
        return None
    text = _text(payload)
    if not text:
        return None
    message_id = _as_int(payload.get("id"))
    conversation = _conversation(_mapping(payload.get("conversation")))
    if conversation is None or message_id is None:
        raise Malformed("an agent message without its conversation or id")
    name = sender.get("available_name") or sender.get("name") or ""
    return AgentReply(conversation, message_id, agent_id(sender), str(name), text)


def _text(payload: Mapping[str, Any]) -> str:
    """The message as the player will read it: its text, then a link to each attachment
    (the player's channel may not carry files; a link always goes through)."""
    content = payload.get("content")
    lines = [content.strip()] if isinstance(content, str) and content.strip() else []
    for attachment in _list(payload.get("attachments")):
        url = _mapping(attachment).get("data_url")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            lines.append(url)
    return "\n".join(lines)


def _assigned(payload: Mapping[str, Any]) -> AgentAssigned | None:
    changed = _list(payload.get("changed_attributes"))
    if not any(isinstance(c, Mapping) and "assignee_id" in c for c in changed):
        return None
    assignee = _mapping(_mapping(payload.get("meta")).get("assignee"))
    if not assignee.get("id"):
        return None  # unassigned: the conversation waits for someone else
    conversation = _conversation(payload)
    if conversation is None:
        raise Malformed("an assignment without its conversation")
    name = assignee.get("available_name") or assignee.get("name") or ""
    return AgentAssigned(conversation, agent_id(assignee), str(name))


def _conversation(data: Mapping[str, Any]) -> Conversation | None:
    """A conversation's fields (its ``id`` is the account's number, as in API paths)."""
    conversation_id = _as_int(data.get("id"))
    if conversation_id is None:
        return None
    meta = _mapping(data.get("meta"))
    contact = _mapping(meta.get("sender"))
    identifier = contact.get("identifier")
    labels = tuple(str(label) for label in _list(data.get("labels")))
    return Conversation(
        id=conversation_id,
        inbox_id=_as_int(data.get("inbox_id")),
        custom_attributes=_mapping(data.get("custom_attributes")),
        contact_identifier=identifier if isinstance(identifier, str) else None,
        labels=labels,
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdecimal() else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
