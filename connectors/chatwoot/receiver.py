"""``POST /webhooks/chatwoot/webhook``: what Chatwoot's agents did, told to the desk.

Point an account webhook (Settings → Integrations → Webhooks: ``message_created``,
``conversation_updated``, ``conversation_status_changed``) or the API inbox's webhook URL
here. The delivery is authenticated on the raw body before anything else (401), read
(400 when it is not JSON or an event lacks its ids), and ignored with a 200 when it is
none of the desk's business. A conversation that is not Destek's is a 404. An agent
message goes to the desk with its Chatwoot message id as the idempotency key, so the
player gets it once however often, and to whichever worker, Chatwoot delivers it; a
delivery racing another worker's for the same message is a 503 (the other may yet
fail, so Chatwoot must not stop retrying). The desk refusing a step
(:class:`HandoverError`: the conversation is no longer with the humans) is answered 200
and logged, so Chatwoot does not retry forever; the desk or Chatwoot failing is a 503,
so it does.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request

from bot.errors import DestekError, HandoverError
from bot.live_agents import HandoverDesk
from connectors.chatwoot.api import ChatwootAPI, ChatwootRejected
from connectors.chatwoot.conversations import STATE_ATTR, WITHDRAWN, ConversationMap
from connectors.chatwoot.options import ChatwootOptions
from connectors.chatwoot.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AgentAssigned,
    AgentReply,
    Conversation,
    ConversationResolved,
    Event,
    Malformed,
    parse_event,
    signature_ok,
)

__all__ = ["WEBHOOK", "WebhookReceiver"]

log = logging.getLogger(__name__)

WEBHOOK = "/webhooks/chatwoot/webhook"
TOKEN_PARAM = "token"
KEY_PREFIX = "chatwoot:"  # the desk's idempotency key: Chatwoot's message id


class WebhookReceiver:
    """Chatwoot's webhooks in, :class:`HandoverDesk` calls out."""

    def __init__(
        self,
        options: ChatwootOptions,
        desk: HandoverDesk,
        conversations: ConversationMap,
        api: Callable[[], ChatwootAPI],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options
        self.desk = desk
        self.conversations = conversations
        self.api = api
        self.clock = clock

    def install(self, app: FastAPI) -> None:
        router = APIRouter()
        router.add_api_route(WEBHOOK, self.receive, methods=["POST"])
        app.include_router(router)

    async def receive(self, request: Request) -> dict[str, str]:
        body = await request.body()
        self._authenticate(request, body)
        try:
            payload: Any = json.loads(body)
        except (ValueError, RecursionError):
            raise HTTPException(400, "request body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise HTTPException(400, "request body is not a JSON object")
        try:
            event = parse_event(payload)
        except Malformed as exc:
            raise HTTPException(400, f"malformed Chatwoot event: {exc}") from None
        if event is None:
            return {"status": "ignored"}
        return {"status": await self._handle(event)}

    async def _handle(self, event: Event) -> str:
        if event.conversation.inbox_id not in (None, self.options.inbox_id):
            return "ignored"  # an account webhook reports every inbox
        conversation = await self._complete(event.conversation)
        if conversation.inbox_id not in (None, self.options.inbox_id):
            return "ignored"
        if conversation.custom_attributes.get(STATE_ATTR) == WITHDRAWN:
            return "ignored"  # we resolved it ourselves when the bot took the player back
        sender = self.conversations.sender_of(conversation)
        if sender is None:
            raise HTTPException(404, "not a conversation handed over by Destek")
        current = self.conversations.current(sender)
        if current is not None and current != conversation.id:
            return "ignored"  # an older conversation of the same player
        async with self.conversations.lock(conversation.id):
            try:
                await self._apply(event, sender)
            except HandoverError as exc:
                log.info(
                    "chatwoot: the desk refused a step of conversation %d: %s", conversation.id, exc
                )
                return "refused"
            except DestekError as exc:
                log.error(
                    "chatwoot: conversation %d: the desk failed (%s); Chatwoot will retry",
                    conversation.id,
                    type(exc).__name__,
                )
                raise HTTPException(503, "the step could not be recorded; retry") from None
        return "ok"

    async def _complete(self, conversation: Conversation) -> Conversation:
        try:
            return await self.conversations.complete(self.api(), conversation)
        except ChatwootRejected as exc:
            if exc.status == 404:
                raise HTTPException(404, "no such conversation in Chatwoot") from None
            log.error("chatwoot: reading conversation %d: %s", conversation.id, exc)
            raise HTTPException(502, "Chatwoot refused to show the conversation") from None
        except DestekError as exc:
            log.warning("chatwoot: could not read conversation %d (%s)", conversation.id, exc)
            raise HTTPException(503, "Chatwoot could not be asked; retry") from None

    async def _apply(self, event: Event, sender: str) -> None:
        conversation_id = event.conversation.id
        if isinstance(event, AgentReply):
            if self.conversations.is_ours(event.message_id):
                return  # posted by Destek, by the token's user
            await self._assign(conversation_id, sender, event.agent_id, event.agent_name)
            key = f"{KEY_PREFIX}{event.message_id}"
            await self.desk.agent_message(sender, event.agent_id, event.text, message_id=key)
        elif isinstance(event, AgentAssigned):
            await self._assign(conversation_id, sender, event.agent_id, event.agent_name)
        elif isinstance(event, ConversationResolved):
            await self.desk.closed(sender, by="agent", resolution=self._resolution(event))
            self.conversations.forget(sender, conversation_id)

    async def _assign(self, conversation_id: int, sender: str, agent: str, name: str) -> None:
        """Tell the desk about a new agent; an agent it already accepted is no news. A
        refusal is logged: the agent's message that comes with it is still offered."""
        if self.conversations.assignee(conversation_id) == agent:
            return
        try:
            await self.desk.assigned(sender, agent, name)
        except HandoverError as exc:
            log.info(
                "chatwoot: conversation %d: assignment not recorded (%s)", conversation_id, exc
            )
            return
        self.conversations.assigned(conversation_id, agent)

    def _resolution(self, event: ConversationResolved) -> str | None:
        prefix = self.options.resolution_label_prefix
        for label in event.conversation.labels:
            if label.startswith(prefix) and len(label) > len(prefix):
                return label[len(prefix) :]
        return None

    def _authenticate(self, request: Request, body: bytes) -> None:
        """Raises a 401 unless the signature (or, for unsigned versions, the token) fits."""
        options, headers = self.options, request.headers
        if options.webhook_secret is not None and signature_ok(
            body,
            headers.get(SIGNATURE_HEADER),
            headers.get(TIMESTAMP_HEADER),
            options.webhook_secret,
            now=self.clock(),
            tolerance=options.signature_tolerance,
        ):
            return
        token = request.query_params.get(TOKEN_PARAM)
        if (
            options.webhook_token is not None
            and token is not None
            and hmac.compare_digest(token.encode(), options.webhook_token.encode())
        ):
            return
        log.warning("chatwoot: a webhook with a missing or wrong signature was refused")
        raise HTTPException(401, "missing or invalid X-Chatwoot-Signature")
