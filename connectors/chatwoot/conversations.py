"""Which Chatwoot conversation holds which Destek conversation.

Chatwoot itself keeps the record, so a restart (or another worker) loses nothing: the
contact's ``identifier`` is Destek's conversation id (the sender id), and the Chatwoot
conversation's custom attributes carry it again (:data:`SENDER_ATTR`) with its state
(:data:`STATE_ATTR`). :class:`ConversationMap` is a cache of that record, plus one lock
per Chatwoot conversation so that our posts and the webhooks about them do not interleave.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from typing import Any

from connectors.chatwoot.api import ChatwootAPI
from connectors.chatwoot.webhook import Conversation

__all__ = ["HISTORY_POSTED", "SENDER_ATTR", "STATE_ATTR", "WITHDRAWN", "ConversationMap"]

SENDER_ATTR = "destek_sender_id"
STATE_ATTR = "destek_state"
HISTORY_POSTED = "history_posted"
WITHDRAWN = "withdrawn"
_RECENT = 4096


class ConversationMap:
    """Destek sender id <-> Chatwoot conversation id, looked up in Chatwoot when not cached."""

    def __init__(self, inbox_id: int) -> None:
        self.inbox_id = inbox_id
        self._by_sender: dict[str, int] = {}
        self._by_id: dict[int, str] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._assignees: dict[int, str] = {}  # the agent the desk last accepted
        self._ours: OrderedDict[int, None] = OrderedDict()  # ids of the messages we posted

    def mark_ours(self, message_id: int) -> None:
        """A message Destek posted: its webhook is not an agent's (even where Chatwoot
        drops the ``source_id`` that says so)."""
        self._ours[message_id] = None
        if len(self._ours) > _RECENT:
            self._ours.popitem(last=False)

    def is_ours(self, message_id: int) -> bool:
        return message_id in self._ours

    def assignee(self, conversation_id: int) -> str | None:
        return self._assignees.get(conversation_id)

    def assigned(self, conversation_id: int, agent_id: str) -> None:
        self._assignees[conversation_id] = agent_id

    def lock(self, conversation_id: int) -> asyncio.Lock:
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    def remember(self, sender_id: str, conversation_id: int) -> None:
        """``conversation_id`` holds ``sender_id``'s handover (a new one: no agent yet)."""
        self._by_sender[sender_id] = conversation_id
        self._by_id[conversation_id] = sender_id
        self._assignees.pop(conversation_id, None)

    def forget(self, sender_id: str, conversation_id: int) -> None:
        if self._by_sender.get(sender_id) == conversation_id:
            del self._by_sender[sender_id]
        self._by_id.pop(conversation_id, None)
        self._assignees.pop(conversation_id, None)
        lock = self._locks.get(conversation_id)
        if lock is not None and not lock.locked():
            del self._locks[conversation_id]

    def current(self, sender_id: str) -> int | None:
        """The cached conversation now holding ``sender_id`` (None: not known here)."""
        return self._by_sender.get(sender_id)

    async def find(self, api: ChatwootAPI, sender_id: str) -> int | None:
        """The unresolved conversation of ``sender_id`` in our inbox, or None."""
        cached = self._by_sender.get(sender_id)
        if cached is not None:
            return cached
        contact = await api.find_contact(sender_id)
        if contact is None or not isinstance(contact.get("id"), int):
            return None
        found = self.open_conversation(await api.contact_conversations(contact["id"]), sender_id)
        if found is not None:
            self.remember(sender_id, int(found["id"]))
            return int(found["id"])
        return None

    def open_conversation(
        self, conversations: list[dict[str, Any]], sender_id: str
    ) -> dict[str, Any] | None:
        """Among a contact's conversations, the one still with the humans in our inbox."""
        for conversation in conversations:
            attributes = conversation.get("custom_attributes") or {}
            if (
                conversation.get("inbox_id") == self.inbox_id
                and conversation.get("status") in ("open", "pending", "snoozed")
                and isinstance(conversation.get("id"), int)
                and attributes.get(SENDER_ATTR, sender_id) == sender_id
                and attributes.get(STATE_ATTR) != WITHDRAWN
            ):
                return conversation
        return None

    async def complete(self, api: ChatwootAPI, conversation: Conversation) -> Conversation:
        """``conversation`` with its inbox, custom attributes and contact identifier, asked
        of Chatwoot when the webhook's payload lacks them (older versions) and the cache
        does not know the conversation.

        Raises:
            ChatwootUnavailable, ChatwootRejected: Chatwoot could not be asked.
        """
        if conversation.custom_attributes.get(SENDER_ATTR) or conversation.id in self._by_id:
            return conversation
        data = await api.conversation(conversation.id)
        meta = data.get("meta")
        contact = meta.get("sender") if isinstance(meta, dict) else None
        identifier = contact.get("identifier") if isinstance(contact, dict) else None
        attributes = data.get("custom_attributes")
        inbox_id = data.get("inbox_id")
        return dataclasses.replace(
            conversation,
            inbox_id=inbox_id if isinstance(inbox_id, int) else conversation.inbox_id,
            custom_attributes=attributes if isinstance(attributes, dict) else {},
            contact_identifier=identifier if isinstance(identifier, str) else None,
        )

    def sender_of(self, conversation: Conversation) -> str | None:
        """The Destek conversation a Chatwoot conversation holds, or None when it is not one
        of ours: its custom attribute, else the cache, else its contact's identifier."""
        value = conversation.custom_attributes.get(SENDER_ATTR)
        if isinstance(value, str) and value:
            return value
        return self._by_id.get(conversation.id) or conversation.contact_identifier or None
