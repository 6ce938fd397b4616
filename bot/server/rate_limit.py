"""Per-address and per-sender rate limits, as a plain ASGI middleware.

Every HTTP request and websocket handshake is counted against its client address
(``per_ip``), except ``/health``, ``/version``, the widget's and the console's static
files, and addresses endpoints.yml exempts. Messages are also counted against their
sender (``per_sender``): the REST and callback webhooks by the body's ``sender``, the
conversation API by the conversation in the path, ``/model/parse`` (which has no
sender) by its caller's address, and the web chat's frames by their session, through
:class:`RateLimits` at ``app.state.sender_limit`` (see :data:`bot.channels.SENDER_LIMIT`).

A refused request gets 429 with ``Retry-After`` and Rasa's error body, before the
application sees it: a limit never falls on a message the server has accepted. A
message the application then refuses (a 4xx, or a 503 when storage is down) gives its
token back, so forged or failing requests naming a player cannot use up that player's
messages. Being plain ASGI (not ``BaseHTTPMiddleware``) it adds no task per request.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import __version__
from bot.channels import SENDER_LIMIT
from bot.server.rate_limit_buckets import Buckets, Charge, buckets_for
from bot.server.rate_limit_config import RateLimitConfig, rate_limit_config

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.server.runtime import ConversationService

__all__ = ["RateLimit", "RateLimits", "install_rate_limits"]

NOT_LIMITED = frozenset(
    {"/health", "/version", "/webchat/widget.js", "/webchat/widget.css", "/webchat/logo.svg"}
)
NOT_LIMITED_UNDER = ("/console/static/",)
BODY_SENDERS = {"/webhooks/rest/webhook": "rest", "/webhooks/callback/webhook": "callback"}
PARSE = "/model/parse"
CONVERSATIONS = "/conversations/"
_EXEMPT_CACHE = 10_000


class RateLimits:
    """The configured rules and their buckets; also the channels' per-sender limit."""

    def __init__(self, config: RateLimitConfig, buckets: Buckets | None = None) -> None:
        self.config = config
        self.buckets = buckets or buckets_for(config)
        self._exempt: dict[str, bool] = {}

    def exempt(self, host: str) -> bool:
        """Whether requests from ``host`` go uncounted per address (cached per host)."""
        known = self._exempt.get(host)
        if known is None:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:  # a unix socket or a test client's made-up name
                known = False
            else:
                known = any(address in network for network in self.config.exempt)
            if len(self._exempt) >= _EXEMPT_CACHE:
                self._exempt.clear()
            self._exempt[host] = known
        return known

    def per_ip(self, host: str) -> list[Charge]:
        return [] if self.exempt(host) else [(f"ip:{host}", self.config.per_ip)]

    def per_sender(self, key: str) -> Charge:
        return f"sender:{key}", self.config.per_sender

    async def retry_after(self, key: str) -> float:
        """0.0 and one message of ``key`` is counted, or the seconds until it may be sent
        (:class:`bot.channels.SenderLimit`, for the web chat's frames)."""
        if not self.config.enabled:
            return 0.0
        return await self.buckets.take([self.per_sender(key)])


class RateLimit:
    """The middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, receive, self._closing(send))
            return
        path: str = scope["path"]
        if (
            not self.limits.config.enabled
            or path in NOT_LIMITED
            or path.startswith(NOT_LIMITED_UNDER)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        host = client[0] if client else "unknown"
        charges = self.limits.per_ip(host)
        if kind == "websocket":
            wait = await self.limits.buckets.take(charges) if charges else 0.0
            if wait > 0:
                await _refuse_socket(scope, receive, send, wait)
                return
            await self.app(scope, receive, send)
            return
        sender, receive = await self._sender(scope, path, host, receive)
        if sender is not None:
            charges.append(self.limits.per_sender(sender))
        wait = await self.limits.buckets.take(charges) if charges else 0.0
        if wait > 0:
            await _refuse(send, wait)
            return
        if sender is None:
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send, sender)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, sender: str) -> None:
        """Run the app; a message it refuses gives its sender's token back."""
        refused = False

        async def watched(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] >= 400:
                refused = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            if refused:
                await self.limits.buckets.give_back(*self.limits.per_sender(sender))

    async def _sender(
        self, scope: Scope, path: str, host: str, receive: Receive
    ) -> tuple[str | None, Receive]:
        """The sender a request is counted against, and the ``receive`` to pass on (the
        body, once read here to find the sender, is handed to the app again)."""
        if path.startswith(CONVERSATIONS):
            conversation = path[len(CONVERSATIONS) :].partition("/")[0]
            return (f"conversation:{conversation}" if conversation else None), receive
        if path == PARSE:
            return (None if self.limits.exempt(host) else f"parse:{host}"), receive
        channel = BODY_SENDERS.get(path)
        if channel is None or scope["method"] != "POST":
            return None, receive
        body, replay = await _read_body(receive)
        sender = _body_sender(body)
        return (None if sender is None else f"{channel}:{sender}"), replay

    def _closing(self, send: Send) -> Send:
        """``send`` for the lifespan: the buckets' connections close as the app stops."""

        async def closing(message: Message) -> None:
            if message["type"].startswith("lifespan.shutdown."):
                await self.limits.buckets.close()
            await send(message)

        return closing


def install_rate_limits(app: FastAPI, service: ConversationService) -> RateLimits:
    """Add the middleware with endpoints.yml's ``rate_limits:`` (defaults when absent)
    and offer the channels the per-sender limit at ``app.state.sender_limit``.

    Raises:
        ConfigError: the section is malformed.
    """
    config = rate_limit_config(
        service.endpoint_options("rate_limits"), service.endpoint_options("lock_store")
    )
    limits = RateLimits(config)
    setattr(app.state, SENDER_LIMIT, limits)
    app.add_middleware(RateLimit, limits=limits)
    return limits


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _body_sender(body: bytes) -> str | None:
    """The ``sender`` of a Rasa webhook body; None when there is none to count (the
    application answers such a body with a 400 of its own)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    sender = data.get("sender") if isinstance(data, dict) else None
    return sender if isinstance(sender, str) and sender else None


def _refusal(wait: float) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    seconds = max(1, math.ceil(wait))
    body: Mapping[str, Any] = {
        "version": __version__,
        "status": "failure",
        "message": f"too many requests; please retry in {seconds} s",
        "reason": "TooManyRequests",
        "code": 429,
        "retry_after": seconds,
    }
    payload = json.dumps(body).encode()
    headers: Sequence[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    return payload, list(headers)


async def _refuse(send: Send, wait: float) -> None:
    payload, headers = _refusal(wait)
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _refuse_socket(scope: Scope, receive: Receive, send: Send, wait: float) -> None:
    """A 429 to the handshake where the server can send one, else close 1013 (try again
    later), which the server turns into a 403."""
    await receive()  # websocket.connect
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1013})
        return
    payload, headers = _refusal(wait)
    await send({"type": "websocket.http.response.start", "status": 429, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": payload})
