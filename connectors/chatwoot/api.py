"""Chatwoot's Application API, the calls the connector makes, through one ``httpx`` client.

Every call carries the ``api_access_token`` header and the client's timeout. A 429 or a
5xx, a timeout or a refused connection is retried with exponential backoff (a numeric
``Retry-After`` is honoured up to :data:`MAX_DELAY`); once the retries are spent
:class:`ChatwootUnavailable` is raised. Any other 4xx would fail again: it is raised at
once as :class:`ChatwootRejected`, with Chatwoot's message but never the request body.

Shapes, from Chatwoot's API reference (developers.chatwoot.com, Application API:
contacts, conversations, messages, labels; checked 2026): a created contact comes back
as ``{"payload": {"contact": {...}, "contact_inbox": {"source_id"}}}``, a search as
``{"payload": [contact, ...]}``, each with ``contact_inboxes[].{source_id, inbox.id}``; a
conversation's ``id`` is its number in the account (the one in URLs and webhooks).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from bot.errors import DestekError

__all__ = ["MAX_DELAY", "ChatwootAPI", "ChatwootRejected", "ChatwootUnavailable"]

log = logging.getLogger(__name__)

MAX_DELAY = 10.0
PRIORITIES = ("low", "medium", "high", "urgent")  # Chatwoot's conversation priorities
SEARCH_PAGE_SIZE = 15  # Chatwoot's page of contacts
SEARCH_PAGES = 5


class ChatwootUnavailable(DestekError):
    """Chatwoot did not answer after every retry (down, overloaded, rate limited, 5xx)."""


class ChatwootRejected(DestekError):
    """Chatwoot refused a call (4xx other than 429): a wrong token, id or body."""

    def __init__(self, what: str, status: int, message: str) -> None:
        super().__init__(f"Chatwoot refused to {what}: HTTP {status} {message}".rstrip())
        self.status = status


class ChatwootAPI:
    """The account's API: ``{url}/api/v1/accounts/{account_id}``."""

    __slots__ = ("backoff", "base", "http", "retries")

    def __init__(self, http: httpx.AsyncClient, base: str, retries: int, backoff: float) -> None:
        self.http = http
        self.base = base
        self.retries = retries
        self.backoff = backoff

    # ---- contacts -------------------------------------------------------------------------

    async def find_contact(self, identifier: str) -> dict[str, Any] | None:
        """The contact whose ``identifier`` is exactly ``identifier``. Search is a substring
        match over name, e-mail, phone and identifier, a page at a time: the hits are
        filtered, over a few pages."""
        for page in range(1, SEARCH_PAGES + 1):
            query = {"q": identifier, "page": str(page), "include_contact_inboxes": "true"}
            body = await self._call("GET", "/contacts/search", "search contacts", params=query)
            hits = _list(_mapping(body).get("payload"))
            for contact in hits:
                if isinstance(contact, dict) and contact.get("identifier") == identifier:
                    return contact
            if len(hits) < SEARCH_PAGE_SIZE:
                break
        return None

    async def create_contact(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``fields``: ``inbox_id``, ``name``, ``identifier``, ``phone_number``..."""
        body = _mapping(await self._call("POST", "/contacts", "create a contact", json=fields))
        payload = _mapping(body.get("payload"))
        contact = dict(_mapping(payload.get("contact")) or payload)
        inbox = _mapping(payload.get("contact_inbox"))
        if inbox and not contact.get("contact_inboxes"):
            contact["contact_inboxes"] = [{**inbox, "inbox": {"id": fields.get("inbox_id")}}]
        return contact

    async def create_contact_inbox(self, contact_id: int, inbox_id: int) -> str:
        """A new ``source_id`` for the contact in ``inbox_id``."""
        path = f"/contacts/{contact_id}/contact_inboxes"
        body = await self._call(
            "POST", path, "add the contact to the inbox", json={"inbox_id": inbox_id}
        )
        source_id = _mapping(body).get("source_id")
        if not isinstance(source_id, str) or not source_id:
            raise ChatwootRejected("add the contact to the inbox", 200, "(no source_id)")
        return source_id

    async def contact_conversations(self, contact_id: int) -> list[dict[str, Any]]:
        body = await self._call(
            "GET", f"/contacts/{contact_id}/conversations", "list the contact's conversations"
        )
        return [c for c in _list(_mapping(body).get("payload")) if isinstance(c, dict)]

    # ---- conversations --------------------------------------------------------------------

    async def create_conversation(self, fields: Mapping[str, Any]) -> int:
        """``fields``: ``source_id``, ``inbox_id``, ``contact_id``, ``status``,
        ``custom_attributes``; the new conversation's id."""
        body = await self._call("POST", "/conversations", "create a conversation", json=fields)
        return _id(body, "create a conversation")

    async def conversation(self, conversation_id: int) -> dict[str, Any]:
        body = await self._call("GET", f"/conversations/{conversation_id}", "read a conversation")
        return dict(_mapping(body))

    async def set_custom_attributes(self, conversation_id: int, values: Mapping[str, Any]) -> None:
        path = f"/conversations/{conversation_id}/custom_attributes"
        await self._call(
            "POST", path, "set custom attributes", json={"custom_attributes": dict(values)}
        )

    async def add_labels(self, conversation_id: int, labels: list[str]) -> None:
        """Chatwoot's labels call replaces the list: pass every label the conversation keeps."""
        await self._call(
            "POST",
            f"/conversations/{conversation_id}/labels",
            "set labels",
            json={"labels": labels},
        )

    async def set_priority(self, conversation_id: int, priority: str) -> None:
        await self._call(
            "POST",
            f"/conversations/{conversation_id}/toggle_priority",
            "set the priority",
            json={"priority": priority},
        )

    async def set_status(self, conversation_id: int, status: str) -> None:
        """``open`` (to the humans), ``pending`` (a bot's) or ``resolved``."""
        await self._call(
            "POST",
            f"/conversations/{conversation_id}/toggle_status",
            f"set the status {status}",
            json={"status": status},
        )

    async def post_message(
        self,
        conversation_id: int,
        content: str,
        message_type: str,
        *,
        private: bool = False,
        source_id: str | None = None,
        agent_bot_id: int | None = None,
    ) -> int:
        """A message (``incoming``: the player's; ``outgoing``: ours), or a private note;
        its id. ``source_id`` marks it as Destek's, so its webhook is recognised and
        ignored; ``agent_bot_id`` makes that agent bot its sender (not the token's user,
        whose first outgoing message Chatwoot would count as an agent's first reply)."""
        fields: dict[str, Any] = {
            "content": content,
            "message_type": message_type,
            "private": private,
            "content_type": "text",
        }
        if source_id is not None:
            fields["source_id"] = source_id
        if agent_bot_id is not None:
            fields["sender_type"], fields["sender_id"] = "AgentBot", agent_bot_id
        body = await self._call(
            "POST", f"/conversations/{conversation_id}/messages", "post a message", json=fields
        )
        return _id(body, "post a message")

    # ---- one call, retried ----------------------------------------------------------------

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """Raises:
        ChatwootUnavailable: every attempt failed, timed out or got a 429/5xx.
        ChatwootRejected: Chatwoot refused the call."""
        why = "no attempt"
        for attempt in range(self.retries + 1):
            retry_after: str | None = None
            try:
                response = await self.http.request(method, self.base + path, **kwargs)
            except httpx.TransportError as exc:
                why = type(exc).__name__
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return _body(response, what)
                why = f"HTTP {response.status_code}"
                retry_after = response.headers.get("retry-after")
            if attempt < self.retries:
                delay = _delay(self.backoff, attempt, retry_after)
                log.warning("chatwoot: %s failed (%s); retry in %.2fs", what, why, delay)
                await asyncio.sleep(delay)
        raise ChatwootUnavailable(
            f"Chatwoot did not {what} after {self.retries + 1} attempts (last: {why})"
        )


def priority_name(priority: int) -> str:
    """Destek's priority (higher is sooner: 0, 1, 2 complaint, 3 responsible gambling)."""
    return PRIORITIES[max(0, min(priority, len(PRIORITIES) - 1))]


def _body(response: httpx.Response, what: str) -> Any:
    if response.is_error:
        raise ChatwootRejected(what, response.status_code, _error_message(response))
    try:
        return response.json()
    except ValueError:
        return {}


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    body = _mapping(body)
    message = body.get("message") or body.get("error") or body.get("errors") or ""
    return str(message)[:200]


def _id(body: Any, what: str) -> int:
    value = _mapping(body).get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChatwootRejected(what, 200, "(the answer has no id)")
    return value


def _delay(backoff: float, attempt: int, retry_after: str | None) -> float:
    delay = backoff * 2.0**attempt
    if retry_after is not None and retry_after.strip().isdecimal():
        delay = max(delay, float(retry_after))
    return min(delay, MAX_DELAY)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
