"""A fake Chatwoot (Application API and its webhooks), to serve on loopback with LiveServer.

It keeps contacts, contact inboxes, conversations and messages of one account in memory
and answers in Chatwoot's documented shapes (``{"payload": ...}`` envelopes; a
conversation's ``id`` is its number in the account). Every request is recorded in
:attr:`FakeChatwoot.calls`; :meth:`FakeChatwoot.fail_next` scripts failures first.

Like Chatwoot, it queues a webhook for each message created (ours included: the
connector must recognise its own), each status change and each assignment; a test plays
the agent with :meth:`agent_reply`, :meth:`assign` and :meth:`resolve`, and
:meth:`deliver` POSTs a webhook signed as Chatwoot signs (``X-Chatwoot-Signature:
sha256=HMAC(secret, "{timestamp}.{body}")``, ``X-Chatwoot-Timestamp``).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.chatwoot import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

__all__ = ["AGENT", "ChatwootCall", "FakeChatwoot"]

AGENT = {
    "id": 7,
    "name": "Ayşe Yılmaz",
    "available_name": "Ayşe",
    "type": "user",
    "email": "ayse@example.com",
    "availability_status": "online",
    "thumbnail": "",
}
ACCOUNT = {"id": 1, "name": "Destek Casino"}
PAGE = 15  # contacts a search answers at a time
TOKEN_OWNER = {"id": 1, "name": "Destek API", "available_name": "Destek API", "type": "user"}


@dataclass(frozen=True, slots=True)
class ChatwootCall:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass(slots=True)
class FakeChatwoot:
    """``LiveServer(fake.app)`` serves it; ``fake.calls`` is what it received."""

    token: str
    account_id: int = 1
    inbox_id: int = 4
    keeps_source_id: bool = True  # versions before messages kept a given source_id: False
    calls: list[ChatwootCall] = field(default_factory=list)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    _failures: deque[tuple[int, str | None] | None] = field(default_factory=deque)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def app(self) -> Starlette:
        base = "/api/v1/accounts/{account_id:int}"
        endpoints = [
            ("GET", "/contacts/search", self._search),
            ("POST", "/contacts", self._create_contact),
            ("POST", "/contacts/{id:int}/contact_inboxes", self._contact_inbox),
            ("GET", "/contacts/{id:int}/conversations", self._contact_conversations),
            ("POST", "/conversations", self._create_conversation),
            ("GET", "/conversations/{id:int}", self._show_conversation),
            ("POST", "/conversations/{id:int}/messages", self._create_message),
            ("POST", "/conversations/{id:int}/custom_attributes", self._custom_attributes),
            ("POST", "/conversations/{id:int}/labels", self._labels),
            ("POST", "/conversations/{id:int}/toggle_priority", self._priority),
            ("POST", "/conversations/{id:int}/toggle_status", self._status),
        ]
        return Starlette(
            routes=[
                Route(base + path, self._gated(handler), methods=[method])
                for method, path, handler in endpoints
            ]
        )

    # ---- scripting ------------------------------------------------------------------------

    def fail_next(
        self, status: int, times: int = 1, retry_after: str | None = None, after: int = 0
    ) -> None:
        """Answer ``times`` requests with ``status`` (and a ``Retry-After``), once ``after``
        more requests have been answered normally."""
        with self._lock:
            self._failures.extend([None] * after)
            self._failures.extend([(status, retry_after)] * times)

    def reset(self) -> None:
        with self._lock:
            self.keeps_source_id = True
            for part in (
                self.calls,
                self.contacts,
                self.conversations,
                self.messages,
                self.outbox,
                self._failures,
            ):
                part.clear()

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested (below the account) and answered 2xx, in order."""
        prefix = f"/api/v1/accounts/{self.account_id}"
        return [
            f"{call.method} {call.path.removeprefix(prefix)}"
            for call in self.calls
            if call.status < 300 and (method is None or call.method == method)
        ]

    def agent_reply(
        self, conversation_id: int, text: str, agent: dict[str, Any] = AGENT, private: bool = False
    ) -> dict[str, Any]:
        """An agent writes in Chatwoot's dashboard; the ``message_created`` webhook."""
        with self._lock:
            return self._add_message(
                conversation_id,
                {
                    "content": text,
                    "message_type": "outgoing",
                    "private": private,
                    "content_type": "text",
                    "source_id": None,
                },
                sender=agent,
            )

    def assign(self, conversation_id: int, agent: dict[str, Any] = AGENT) -> dict[str, Any]:
        """An agent is assigned; the ``conversation_updated`` webhook."""
        with self._lock:
            conversation = self.conversations[conversation_id]
            previous = (conversation["meta"]["assignee"] or {}).get("id")
            conversation["meta"]["assignee"] = dict(agent)
            change = {"assignee_id": {"previous_value": previous, "current_value": agent["id"]}}
            return self._queue("conversation_updated", conversation, [change])

    def resolve(self, conversation_id: int, labels: tuple[str, ...] = ()) -> dict[str, Any]:
        """An agent adds ``labels`` and resolves; the ``conversation_status_changed`` webhook."""
        with self._lock:
            conversation = self.conversations[conversation_id]
            conversation["labels"] = [*conversation["labels"], *labels]
            return self._set_status(conversation, "resolved")

    async def deliver(
        self,
        url: str,
        payload: dict[str, Any] | bytes,
        secret: str | None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST one webhook to ``url`` as Chatwoot does (signed when ``secret`` is given)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Chatwoot-Delivery": str(uuid.uuid4())}
        if secret is not None:
            stamp = str(int(time.time()) if timestamp is None else timestamp)
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = signature or sign(secret, stamp, body)
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(url, content=body, headers=headers)

    async def deliver_outbox(self, url: str, secret: str) -> list[httpx.Response]:
        """Deliver every queued webhook in order, emptying the queue."""
        with self._lock:
            queued, self.outbox[:] = list(self.outbox), []
        return [await self.deliver(url, payload, secret) for payload in queued]

    # ---- the API --------------------------------------------------------------------------

    async def _search(self, request: Request) -> JSONResponse:
        query = request.query_params.get("q", "")
        page = int(request.query_params.get("page", "1"))
        found = [
            c
            for c in self.contacts.values()
            if query
            and any(
                query.lower() in str(c.get(key) or "").lower()
                for key in ("name", "email", "phone_number", "identifier")
            )
        ]
        paged = found[(page - 1) * PAGE : page * PAGE]
        return await self._answer(request, {"meta": {"count": len(found)}, "payload": paged})

    async def _create_contact(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            for key in ("identifier", "phone_number", "email"):  # unique in an account
                if body.get(key) and any(c[key] == body[key] for c in self.contacts.values()):
                    error = {"message": f"{key} has already been taken", "attributes": [key]}
                    return await self._answer(request, error, 422)
            contact = {
                "id": next(self._ids),
                "name": body.get("name"),
                "type": "contact",
                "email": body.get("email"),
                "phone_number": body.get("phone_number"),
                "identifier": body.get("identifier"),
                "custom_attributes": {},
                "additional_attributes": {},
                "contact_inboxes": [],
            }
            self.contacts[contact["id"]] = contact
            inbox = self._new_contact_inbox(contact, body.get("inbox_id"))
        return await self._answer(
            request, {"payload": {"contact": contact, "contact_inbox": inbox}}
        )

    async def _contact_inbox(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            contact = self.contacts[request.path_params["id"]]
            inbox = self._new_contact_inbox(contact, body.get("inbox_id"))
        return await self._answer(request, inbox)

    async def _contact_conversations(self, request: Request) -> JSONResponse:
        contact_id = request.path_params["id"]
        found = [c for c in self.conversations.values() if c["meta"]["sender"]["id"] == contact_id]
        return await self._answer(request, {"payload": found})

    async def _create_conversation(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            contact = self.contacts[body["contact_id"]]
            sources = [ci["source_id"] for ci in contact["contact_inboxes"]]
            if body.get("source_id") not in sources or body.get("inbox_id") != self.inbox_id:
                return await self._answer(request, {"error": "Invalid source or inbox"}, 422)
            conversation_id = len(self.conversations) + 1
            self.conversations[conversation_id] = {
                "id": conversation_id,
                "inbox_id": self.inbox_id,
                "channel": "Channel::Api",
                "status": body.get("status") or "open",
                "priority": None,
                "labels": [],
                "custom_attributes": dict(body.get("custom_attributes") or {}),
                "additional_attributes": {},
                "can_reply": True,
                "meta": {"sender": contact, "assignee": None, "team": None},
            }
            self.messages[conversation_id] = []
        return await self._answer(request, self.conversations[conversation_id])

    async def _show_conversation(self, request: Request) -> JSONResponse:
        conversation = self.conversations.get(request.path_params["id"])
        if conversation is None:
            return await self._answer(request, {"error": "Resource could not be found"}, 404)
        return await self._answer(request, conversation)

    async def _create_message(self, request: Request) -> JSONResponse:
        body = await request.json()
        conversation_id = request.path_params["id"]
        if conversation_id not in self.conversations:
            return await self._answer(request, {"error": "Resource could not be found"}, 404)
        with self._lock:
            fields = {
                key: body.get(key)
                for key in ("content", "message_type", "private", "content_type", "source_id")
            }
            fields["private"] = bool(fields["private"])
            if not self.keeps_source_id:
                fields["source_id"] = None
            if (fields["message_type"] or "outgoing") == "incoming":
                sender = self.conversations[conversation_id]["meta"]["sender"]
            elif body.get("sender_type") == "AgentBot":
                sender = {"id": body["sender_id"], "name": "Destek", "type": "agent_bot"}
            else:  # the token's owner, a user: as if a human had written it
                sender = TOKEN_OWNER
            payload = self._add_message(conversation_id, fields, sender=sender)
        return await self._answer(
            request, {key: payload[key] for key in ("id", "content", "message_type", "private")}
        )

    async def _custom_attributes(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            conversation = self.conversations[request.path_params["id"]]
            conversation["custom_attributes"] = dict(body["custom_attributes"])  # replaced
        return await self._answer(request, {"custom_attributes": conversation["custom_attributes"]})

    async def _labels(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            conversation = self.conversations[request.path_params["id"]]
            conversation["labels"] = list(body["labels"])  # replaced, as Chatwoot does
        return await self._answer(request, {"payload": conversation["labels"]})

    async def _priority(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.conversations[request.path_params["id"]]["priority"] = body.get("priority")
        return await self._answer(request, {})

    async def _status(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            conversation = self.conversations[request.path_params["id"]]
            self._set_status(conversation, body["status"])
        return await self._answer(
            request,
            {
                "meta": {},
                "payload": {
                    "success": True,
                    "current_status": conversation["status"],
                    "conversation_id": conversation["id"],
                },
            },
        )

    # ---- inside ---------------------------------------------------------------------------

    def _gated(
        self, handler: Callable[[Request], Awaitable[JSONResponse]]
    ) -> Callable[[Request], Awaitable[JSONResponse]]:
        """Checks the token and the account, and plays scripted failures before ``handler``
        changes anything (a Chatwoot that is down stores nothing)."""

        async def endpoint(request: Request) -> JSONResponse:
            with self._lock:
                failure = self._failures.popleft() if self._failures else None
            if request.headers.get("api_access_token") != self.token:
                failure = (401, None)
            elif request.path_params.get("account_id") != self.account_id:
                failure = (404, None)
            if failure is None:
                return await handler(request)
            status, retry_after = failure
            headers = {"Retry-After": retry_after} if retry_after else None
            await self._record(request, status)
            return JSONResponse({"error": "scripted failure"}, status, headers=headers)

        return endpoint

    async def _answer(self, request: Request, body: Any, status: int = 200) -> JSONResponse:
        await self._record(request, status)
        return JSONResponse(body, status_code=status)

    async def _record(self, request: Request, status: int) -> None:
        raw = await request.body()
        call = ChatwootCall(
            request.method,
            request.url.path,
            dict(request.query_params),
            dict(request.headers),
            json.loads(raw) if raw else None,
            status,
        )
        with self._lock:
            self.calls.append(call)

    def _new_contact_inbox(self, contact: dict[str, Any], inbox_id: Any) -> dict[str, Any]:
        inbox = {
            "source_id": str(uuid.uuid4()),
            "inbox": {"id": inbox_id, "name": "Destek", "channel_type": "Channel::Api"},
        }
        contact["contact_inboxes"].append(inbox)
        return inbox

    def _add_message(
        self, conversation_id: int, fields: dict[str, Any], sender: dict[str, Any]
    ) -> dict[str, Any]:
        conversation = self.conversations[conversation_id]
        message = {"id": next(self._ids), **fields, "sender": dict(sender)}
        self.messages[conversation_id].append(message)
        payload = {
            "event": "message_created",
            **message,
            "created_at": "2026-12-04T17:00:00Z",
            "content_attributes": {},
            "account": ACCOUNT,
            "inbox": {"id": self.inbox_id, "name": "Destek"},
            "conversation": json.loads(json.dumps(conversation)),
        }
        self.outbox.append(payload)
        return payload

    def _set_status(self, conversation: dict[str, Any], status: str) -> dict[str, Any]:
        previous, conversation["status"] = conversation["status"], status
        change = {"status": {"previous_value": previous, "current_value": status}}
        return self._queue("conversation_status_changed", conversation, [change])

    def _queue(
        self, event: str, conversation: dict[str, Any], changes: list[dict[str, Any]]
    ) -> dict[str, Any]:
        payload = {
            **json.loads(json.dumps(conversation)),
            "event": event,
            "changed_attributes": changes,
        }
        self.outbox.append(payload)
        return payload
