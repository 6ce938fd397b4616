"""The WhatsApp channel: its options, its webhook routes, and one turn per message.

``GET /webhooks/whatsapp/webhook`` answers Meta's verification; ``POST`` checks the
signature on the raw body before anything else, then runs each player's messages in
order (players in parallel) and sends the replies before answering 200, so nothing
acknowledged is lost. A retried webhook is answered 200 and does nothing: the bot
ignores a ``wamid`` it already holds.

:meth:`WhatsAppChannel.deliver` sends messages outside a turn (an agent's answer, the
rating question) to the player's number, the conversation id. WhatsApp refuses such a
free-form message once the player last wrote over 24 hours ago: that raises
:class:`~connectors.whatsapp.graph.OutsideServiceWindow` for the caller to see. A
message that names a ``template`` (the follow-up asks for ``follow_up`` when the window
has closed) goes as the approved template credentials.yml names for it
(``follow_up_template``, in ``template_language``), its buttons' payloads as the
template's quick replies; without one configured it is not sent (a DeliveryError).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse

from bot.channels import (
    FOLLOW_UP_TEMPLATE,
    TEMPLATE_KEY,
    BotMessage,
    ChannelContext,
    DeliveryError,
    MessageHandler,
    UserMessage,
)
from bot.errors import ConfigError
from connectors.whatsapp.graph import GraphClient, GraphRefused, GraphUnavailable, masked
from connectors.whatsapp.inbound import parse, signature_ok
from connectors.whatsapp.outbound import template_message, to_whatsapp

__all__ = ["WEBHOOK", "WhatsAppChannel", "WhatsAppOptions"]

log = logging.getLogger(__name__)

WEBHOOK = "/webhooks/whatsapp/webhook"
NO_DIALOGUE = "the model has no dialogue policies; train it with 'bot train'"
REQUIRED = ("access_token", "phone_number_id", "app_secret", "verify_token")
API_VERSION = re.compile(r"v\d+\.\d+")
DEFAULT_API_VERSION = "v21.0"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
DEFAULT_TEMPLATE_LANGUAGE = "tr"


@dataclass(frozen=True, slots=True)
class WhatsAppOptions:
    """The ``whatsapp:`` section of credentials.yml."""

    access_token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    api_version: str = DEFAULT_API_VERSION
    graph_url: str = DEFAULT_GRAPH_URL
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    retry_backoff: float = DEFAULT_BACKOFF
    follow_up_template: str | None = None  # an approved template with two quick replies
    template_language: str = DEFAULT_TEMPLATE_LANGUAGE

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> WhatsAppOptions:
        """Raises:
        ConfigError: a required option is missing or an option is malformed (named)."""
        missing = [key for key in REQUIRED if not str(options.get(key) or "").strip()]
        if missing:
            raise ConfigError(f"credentials.yml: whatsapp needs {', '.join(missing)}")
        given = {key: str(options[key]).strip() for key in REQUIRED}
        if not given["phone_number_id"].isdecimal():
            raise ConfigError("credentials.yml: whatsapp phone_number_id must be digits")
        version = str(options.get("api_version") or DEFAULT_API_VERSION)
        if not API_VERSION.fullmatch(version):
            raise ConfigError(f"credentials.yml: whatsapp api_version {version!r} is not vNN.N")
        graph_url = str(options.get("graph_url") or DEFAULT_GRAPH_URL).rstrip("/")
        if not graph_url.startswith(("https://", "http://")):
            raise ConfigError("credentials.yml: whatsapp graph_url must be an http(s) URL")
        return cls(
            **given,
            api_version=version,
            graph_url=graph_url,
            timeout=_number(options, "timeout", DEFAULT_TIMEOUT, float) or DEFAULT_TIMEOUT,
            retries=int(_number(options, "retries", DEFAULT_RETRIES, int)),
            retry_backoff=_number(options, "retry_backoff", DEFAULT_BACKOFF, float),
            follow_up_template=str(options.get("follow_up_template") or "").strip() or None,
            template_language=str(options.get("template_language") or DEFAULT_TEMPLATE_LANGUAGE),
        )

    @property
    def endpoint(self) -> str:
        return f"{self.graph_url}/{self.api_version}/{self.phone_number_id}/messages"


class WhatsAppChannel:
    """WhatsApp Cloud API webhooks in, Graph API messages out."""

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.options = WhatsAppOptions.from_options(context.options)
        self._http: httpx.AsyncClient | None = None
        self._graph: GraphClient | None = None

    def install(self, app: FastAPI) -> None:
        router = APIRouter()
        router.add_api_route(WEBHOOK, self.verify, methods=["GET"], response_model=None)
        router.add_api_route(WEBHOOK, self.receive, methods=["POST"])
        app.include_router(router)

    async def start(self) -> None:
        options = self.options
        self._http = httpx.AsyncClient(
            timeout=options.timeout, headers={"Authorization": f"Bearer {options.access_token}"}
        )
        self._graph = GraphClient(self._http, options.endpoint, options.retries,
                                  options.retry_backoff)  # fmt: skip

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._http = self._graph = None

    async def deliver(self, sender_id: str, messages: Sequence[BotMessage]) -> None:
        """Send ``messages`` to the number ``sender_id`` outside a turn, in order.

        Raises:
            DeliveryError: the channel has not started; or, from the Graph API,
                :class:`GraphUnavailable`, :class:`GraphRefused` or its
                :class:`OutsideServiceWindow` (what was sent before the failure stays sent).
        """
        graph = self._graph
        if graph is None:
            raise DeliveryError("whatsapp: the channel has not started")
        for reply in messages:
            if reply.get(TEMPLATE_KEY):
                await graph.send(sender_id, self._template(reply))
                continue
            for message in to_whatsapp(reply):
                await graph.send(sender_id, message)

    def _template(self, reply: BotMessage) -> dict[str, Any]:
        """The approved template standing in for ``reply`` outside the 24-hour window."""
        purpose = str(reply[TEMPLATE_KEY])
        name = self.options.follow_up_template if purpose == FOLLOW_UP_TEMPLATE else None
        if name is None:
            raise DeliveryError(
                f"whatsapp: the player's 24-hour window has closed and credentials.yml names "
                f"no {purpose}_template to reach them with"
            )
        return template_message(name, self.options.template_language, reply.get("buttons"))

    async def verify(self, request: Request) -> PlainTextResponse:
        """Meta's subscription check: echo ``hub.challenge`` if the token is ours."""
        query = request.query_params
        token = query.get("hub.verify_token", "").encode()
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token, self.options.verify_token.encode()
        ):
            raise HTTPException(403, "webhook verification failed")
        return PlainTextResponse(query.get("hub.challenge", ""))

    async def receive(self, request: Request) -> dict[str, str]:
        """One webhook delivery: checked, run, answered; 200 once the replies are sent."""
        body = await request.body()
        if not signature_ok(body, request.headers.get("x-hub-signature-256"),
                            self.options.app_secret):  # fmt: skip
            log.warning("whatsapp: a webhook with a missing or wrong signature was refused")
            raise HTTPException(403, "missing or invalid X-Hub-Signature-256")
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise HTTPException(400, "request body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise HTTPException(400, "request body is not a JSON object")
        messages = parse(payload, self.options.phone_number_id)
        if messages:
            await self._answer_all(messages)
        return {"status": "ok"}

    async def _answer_all(self, messages: list[UserMessage]) -> None:
        graph = self._graph
        if graph is None or self.context.handler() is None:
            raise HTTPException(503, NO_DIALOGUE if graph else "the channel is not started")
        by_sender: dict[str, list[UserMessage]] = {}
        for message in messages:
            by_sender.setdefault(message.sender_id, []).append(message)
        # Every player's turns run to the end even if another's fail: none is cut halfway.
        results = await asyncio.gather(
            *(self._answer_sender(graph, sender, queue) for sender, queue in by_sender.items()),
            return_exceptions=True,
        )
        failures = [result for result in results if isinstance(result, BaseException)]
        if any(isinstance(failure, _CannotChat) for failure in failures):
            raise HTTPException(503, NO_DIALOGUE)
        for failure in failures[1:]:
            log.error("whatsapp: a turn failed", exc_info=failure)
        if failures:
            raise failures[0]

    async def _answer_sender(
        self, graph: GraphClient, sender: str, queue: list[UserMessage]
    ) -> None:
        for message in queue:
            bot = self.context.handler()
            if bot is None:
                raise _CannotChat
            await _deliver(graph, sender, await _replies(bot, message))


class _CannotChat(Exception):
    """The model was swapped for one without dialogue while a webhook was running."""


async def _replies(bot: MessageHandler, message: UserMessage) -> list[BotMessage]:
    # A message without text goes through the engine too: it is kept for the agent,
    # deduplicated, answered politely, and left unanswered during a handover.
    return await bot.handle(message)


async def _deliver(graph: GraphClient, to: str, replies: list[BotMessage]) -> None:
    outgoing = [message for reply in replies for message in to_whatsapp(reply)]
    for index, message in enumerate(outgoing):
        try:
            await graph.send(to, message)
        except GraphRefused:
            continue  # logged with Meta's code; the next message may still go
        except GraphUnavailable as exc:
            log.error("whatsapp: %s; %d message(s) to %s were not sent",
                      exc, len(outgoing) - index, masked(to))  # fmt: skip
            return


def _number(options: Mapping[str, Any], key: str, default: float, kind: type) -> float:
    value = options.get(key)
    if value is None or value == "":
        return default
    try:
        number = float(kind(value))
    except (TypeError, ValueError):
        raise ConfigError(f"credentials.yml: whatsapp {key} must be a number") from None
    if number < 0:
        raise ConfigError(f"credentials.yml: whatsapp {key} must not be negative")
    return number
