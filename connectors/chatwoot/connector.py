"""The Chatwoot live-agent connector: handed-over conversations go to a Chatwoot API inbox.

``request`` finds or creates the player's contact (its ``identifier`` is Destek's
conversation id), reuses the contact's open conversation in the inbox or creates one
(``pending``, so no agent sees it half-written), posts the history (the player's
messages ``incoming``, the bot's ``outgoing``) and the bot's reason and summary as a
private note, sets labels and priority, and only then opens it to the agents
(``toggle_status`` open). ``player_message`` posts ``incoming``; ``withdraw`` resolves
the conversation with a private note saying why. Every message Destek posts carries a
``source_id`` starting with ``destek:``, so its webhook is known for ours.

What the agents do comes back through :mod:`connectors.chatwoot.receiver`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI

from bot.channels import TranscriptEntry
from bot.errors import HandoverError
from bot.live_agents import HandoverRequest, LiveAgentContext, LiveAgentFactory
from connectors.chatwoot.api import (
    ChatwootAPI,
    ChatwootRejected,
    ChatwootUnavailable,
    priority_name,
)
from connectors.chatwoot.conversations import (
    HISTORY_POSTED,
    SENDER_ATTR,
    STATE_ATTR,
    WITHDRAWN,
    ConversationMap,
)
from connectors.chatwoot.options import SECTION, ChatwootOptions
from connectors.chatwoot.receiver import WEBHOOK, WebhookReceiver
from connectors.chatwoot.webhook import OUR_SOURCE

__all__ = ["WEBHOOK", "ChatwootConnector"]

log = logging.getLogger(__name__)

_E164 = re.compile(r"\+?[1-9]\d{7,14}")
_LABEL_UNSAFE = re.compile(r"[^\w-]+")
WITHDRAW_NOTES = {
    "player": "Destek: oyuncu bota dönmeyi seçti; konuşma kapatıldı.",
    "timeout": "Destek: konuşmayı zamanında alan olmadı; bot devraldı ve konuşma kapatıldı.",
}


class ChatwootConnector:
    """A :class:`bot.live_agents.LiveAgentConnector` on Chatwoot's Application API."""

    def __init__(self, context: LiveAgentContext) -> None:
        self.options = ChatwootOptions.from_mapping(context.options)
        self.desk = context.desk
        self.conversations = ConversationMap(self.options.inbox_id)
        self._http: httpx.AsyncClient | None = None
        self._api: ChatwootAPI | None = None
        self.receiver = WebhookReceiver(self.options, self.desk, self.conversations, self._need_api)

    def install(self, app: FastAPI) -> None:
        """Add ``POST /webhooks/chatwoot/webhook`` (Chatwoot's webhook URL) to ``app``."""
        self.receiver.install(app)

    async def start(self) -> None:
        options = self.options
        self._http = httpx.AsyncClient(
            timeout=options.timeout, headers={"api_access_token": options.api_access_token}
        )
        self._api = ChatwootAPI(
            self._http, options.account_api, options.retries, options.retry_backoff
        )
        if options.webhook_secret is None:
            log.warning(
                "%s.webhook_secret is not set: webhooks are trusted by their URL token", SECTION
            )

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._http = self._api = None

    # ---- the engine's calls ---------------------------------------------------------------

    async def request(self, handover: HandoverRequest) -> None:
        """Open the conversation to Chatwoot's agents; returns once all of it is there.

        Raises:
            ChatwootUnavailable: Chatwoot is down (after retries); calling again later
                reuses what was already created.
            ChatwootRejected: Chatwoot refused a call (token, account or inbox wrong).
        """
        api = self._need_api()
        sender = handover.sender_id
        contact_id, source_id = await self._contact(api, handover)
        conversation = self.conversations.open_conversation(
            await api.contact_conversations(contact_id), sender
        )
        if conversation is None:
            conversation = {
                "id": await api.create_conversation(
                    {
                        "source_id": source_id,
                        "inbox_id": self.options.inbox_id,
                        "contact_id": contact_id,
                        "status": "pending",
                        "custom_attributes": {SENDER_ATTR: sender},
                    }
                )
            }
        conversation_id = int(conversation["id"])
        attributes = {**(conversation.get("custom_attributes") or {}), SENDER_ATTR: sender}
        async with self.conversations.lock(conversation_id):
            self.conversations.remember(sender, conversation_id)
            if attributes.get(STATE_ATTR) != HISTORY_POSTED:
                await self._post_history(api, conversation_id, handover.history)
                attributes[STATE_ATTR] = HISTORY_POSTED
                await api.set_custom_attributes(conversation_id, attributes)
            await self._post(api, conversation_id, _note(handover), "outgoing", private=True)
            labels = [*conversation.get("labels", []), *_labels(handover)]
            await api.add_labels(conversation_id, list(dict.fromkeys(labels)))
            await api.set_priority(conversation_id, priority_name(handover.priority))
            await api.set_status(conversation_id, "open")
        log.info(
            "chatwoot: conversation %d opened for the agents (reason %s, skill %s)",
            conversation_id,
            handover.reason,
            handover.skill,
        )

    async def player_message(self, sender_id: str, entry: TranscriptEntry) -> None:
        """Post the player's message to the agents.

        Raises:
            HandoverError: the player has no open Chatwoot conversation.
            ChatwootUnavailable, ChatwootRejected: as for :meth:`request`.
        """
        api = self._need_api()
        conversation_id = await self.conversations.find(api, sender_id)
        if conversation_id is None:
            raise HandoverError("the player has no open conversation in Chatwoot")
        text = entry_text(entry) or "(metin içermeyen mesaj)"
        async with self.conversations.lock(conversation_id):
            try:
                await self._post(api, conversation_id, text, "incoming")
            except ChatwootRejected as exc:
                if exc.status == 404:  # deleted in Chatwoot: look it up afresh next time
                    self.conversations.forget(sender_id, conversation_id)
                raise

    async def withdraw(self, sender_id: str, by: str) -> None:
        """Resolve the player's Chatwoot conversation with a private note saying why.

        Raises:
            ChatwootUnavailable, ChatwootRejected: as for :meth:`request`.
        """
        api = self._need_api()
        conversation_id = await self.conversations.find(api, sender_id)
        if conversation_id is None:
            log.info("chatwoot: nothing to withdraw for a conversation not in Chatwoot")
            return
        async with self.conversations.lock(conversation_id):
            data = await api.conversation(conversation_id)
            attributes = {
                **(data.get("custom_attributes") or {}),
                SENDER_ATTR: sender_id,
                STATE_ATTR: WITHDRAWN,
            }
            # Marked first: the resolution's webhook must not close the next handover.
            await api.set_custom_attributes(conversation_id, attributes)
            note = WITHDRAW_NOTES.get(by, f"Destek: konuşma bota döndü ({by}); kapatıldı.")
            await self._post(api, conversation_id, note, "outgoing", private=True)
            await api.set_status(conversation_id, "resolved")
        self.conversations.forget(sender_id, conversation_id)

    # ---- parts ----------------------------------------------------------------------------

    def _need_api(self) -> ChatwootAPI:
        if self._api is None:
            raise ChatwootUnavailable("the Chatwoot connector has not started")
        return self._api

    async def _contact(self, api: ChatwootAPI, handover: HandoverRequest) -> tuple[int, str]:
        """The player's contact id and its ``source_id`` in our inbox, created if need be."""
        sender, inbox = handover.sender_id, self.options.inbox_id
        contact = await api.find_contact(sender) or await self._new_contact(api, handover)
        contact_id = contact.get("id")
        if not isinstance(contact_id, int):
            raise ChatwootRejected("create a contact", 200, "(the contact has no id)")
        for contact_inbox in contact.get("contact_inboxes") or []:
            if (contact_inbox.get("inbox") or {}).get("id") == inbox and contact_inbox.get(
                "source_id"
            ):
                return contact_id, str(contact_inbox["source_id"])
        return contact_id, await api.create_contact_inbox(contact_id, inbox)

    async def _new_contact(self, api: ChatwootAPI, handover: HandoverRequest) -> dict[str, Any]:
        fields = _contact_fields(handover, self.options.inbox_id)
        try:
            return await api.create_contact(fields)
        except ChatwootRejected as exc:
            if exc.status != 422:
                raise
        # 422: the identifier was taken meanwhile (another worker), or the phone number or
        # e-mail belongs to another contact (the player wrote from another inbox before).
        found = await api.find_contact(handover.sender_id)
        if found is not None:
            return found
        log.info("chatwoot: the player's phone or e-mail is another contact's; left out")
        minimal = {key: fields[key] for key in ("inbox_id", "name", "identifier")}
        return await api.create_contact(minimal)

    async def _post_history(
        self, api: ChatwootAPI, conversation_id: int, history: tuple[TranscriptEntry, ...]
    ) -> None:
        for entry in history:
            text = entry_text(entry)
            if text:
                kind = "incoming" if entry.get("sender") == "user" else "outgoing"
                await self._post(api, conversation_id, text, kind)

    async def _post(
        self, api: ChatwootAPI, conversation_id: int, text: str, kind: str, private: bool = False
    ) -> None:
        """Post as Destek: marked by its ``source_id`` and remembered, so that its webhook
        is not taken for an agent's; the bot's own messages are sent by the agent bot."""
        bot = self.options.agent_bot_id if kind == "outgoing" else None
        message_id = await api.post_message(
            conversation_id, text, kind, private=private, source_id=_source(), agent_bot_id=bot
        )
        self.conversations.mark_ours(message_id)


def entry_text(entry: Mapping[str, Any]) -> str:
    """A transcript line as an agent reads it: the text, the buttons offered, an image."""
    lines = [str(entry["text"])] if entry.get("text") else []
    buttons = [b.get("title") for b in entry.get("buttons") or [] if isinstance(b, Mapping)]
    lines += [f"• {title}" for title in buttons if title]
    if entry.get("image"):
        lines.append(str(entry["image"]))
    return "\n".join(lines).strip()


def _note(handover: HandoverRequest) -> str:
    lines = [
        "Destek: konuşma canlı desteğe devredildi.",
        f"Neden: {handover.reason}",
        f"Beceri: {handover.skill} · Öncelik: {handover.priority} · Dil: {handover.language}",
    ]
    if handover.channel:
        lines.append(f"Kanal: {handover.channel}")
    if handover.summary:
        lines += ["", handover.summary]
    return "\n".join(lines)


def _labels(handover: HandoverRequest) -> list[str]:
    """Chatwoot labels are lower-case words of letters, digits, ``_`` and ``-``."""
    return [
        _LABEL_UNSAFE.sub("_", f"{kind}-{value}".lower()).strip("_")
        for kind, value in (("skill", handover.skill), ("reason", handover.reason))
        if value
    ]


def _contact_fields(handover: HandoverRequest, inbox_id: int) -> dict[str, Any]:
    player = handover.player
    name = player.get("name") or player.get("username") or f"Oyuncu {handover.sender_id}"
    fields: dict[str, Any] = {
        "inbox_id": inbox_id,
        "name": str(name),
        "identifier": handover.sender_id,
    }
    phone = str(player.get("phone") or player.get("phone_number") or "").replace(" ", "")
    if _E164.fullmatch(phone):  # Chatwoot refuses a number that is not E.164 (422)
        fields["phone_number"] = phone if phone.startswith("+") else f"+{phone}"
    if isinstance(player.get("email"), str) and "@" in player["email"]:
        fields["email"] = player["email"]
    return fields


def _source() -> str:
    return f"{OUR_SOURCE}{uuid.uuid4().hex}"


if TYPE_CHECKING:  # the class is the factory the server calls: checked by mypy
    _FACTORY: LiveAgentFactory = ChatwootConnector
