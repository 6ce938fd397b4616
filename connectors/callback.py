"""Rasa's callback channel: ``POST /webhooks/callback/webhook``, replies POSTed to a URL.

The body is the REST channel's (``{"sender", "message", "metadata"}``). The answer is
``success`` once the turn is stored, without waiting for the replies; each reply is then
POSTed as JSON (Rasa's REST message shape) to the ``url`` of the ``callback:`` section
of credentials.yml, in order, retried with backoff while the receiver fails. Deliveries
still pending at shutdown are finished first (up to :data:`DRAIN_TIMEOUT`).

Messages sent outside a turn (:meth:`CallbackChannel.deliver`: an agent's answer, the
rating question) go the same way: POSTed to the same URL, in order with the replies of
the same conversation, with the same retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse

from bot.channels import BotMessage, ChannelContext, DeliveryError
from bot.errors import ConfigError
from connectors.rest_message import NO_DIALOGUE, read_body

__all__ = ["CHANNEL", "CallbackChannel"]

log = logging.getLogger(__name__)
CHANNEL = "callback"
TIMEOUT = 10.0
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
DRAIN_TIMEOUT = 30.0


class CallbackChannel:
    def __init__(self, context: ChannelContext) -> None:
        url = context.options.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError("credentials.yml: callback.url must be an http(s) URL")
        self.context = context
        self.url = url
        self.retry_delays: Sequence[float] = RETRY_DELAYS
        self._http: httpx.AsyncClient | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        # One delivery at a time per conversation keeps the replies in order.
        self._order: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, int] = {}  # deliveries holding or awaiting a sender's lock

    def install(self, app: FastAPI) -> None:
        router = APIRouter()

        @router.get("/webhooks/callback/")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

        @router.post("/webhooks/callback/webhook", response_class=PlainTextResponse)
        async def webhook(request: Request) -> str:
            body = await read_body(request)
            bot = self.context.handler()
            if bot is None:
                raise HTTPException(503, NO_DIALOGUE)
            replies = await bot.handle(body.user_message(CHANNEL))
            if replies:
                self._deliver_later(body.sender, replies)
            return "success"

        app.include_router(router)

    async def deliver(self, sender_id: str, messages: Sequence[BotMessage]) -> None:
        """POST ``messages`` to the callback URL, after any replies of the conversation
        still being POSTed; returns once they are queued (a receiver that stays down is
        logged, as for replies).

        Raises:
            DeliveryError: the channel has not started or is stopping.
        """
        if self._http is None or self._http.is_closed:
            raise DeliveryError("callback: the channel is not running")
        if messages:
            self._deliver_later(sender_id, list(messages))

    async def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=TIMEOUT)

    async def stop(self) -> None:
        if self._deliveries:
            _, pending = await asyncio.wait(self._deliveries, timeout=DRAIN_TIMEOUT)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("callback: %d deliveries unfinished at shutdown", len(pending))
        if self._http is not None:
            await self._http.aclose()

    def _deliver_later(self, sender: str, replies: list[BotMessage]) -> None:
        task = asyncio.create_task(self._deliver(sender, replies))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, sender: str, replies: list[BotMessage]) -> None:
        lock = self._order.setdefault(sender, asyncio.Lock())
        self._pending[sender] = self._pending.get(sender, 0) + 1
        try:
            async with lock:
                for reply in replies:
                    await self._post(reply)
        finally:
            # The lock goes only when no delivery still waits for it: one made anew
            # beside a waiter's would let two deliveries of a sender run at once.
            self._pending[sender] -= 1
            if not self._pending[sender]:
                del self._pending[sender], self._order[sender]

    async def _post(self, reply: BotMessage) -> None:
        assert self._http is not None, "the channel is not started"
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                response = await self._http.post(self.url, json=reply)
                if response.status_code < 500 and response.status_code != 429:
                    if response.is_error:
                        log.error("callback: %s refused a reply (%d)", self.url,
                                  response.status_code)  # fmt: skip
                    return
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if delay is None:
                log.error("callback: gave up on a reply to %s after %d tries (%s)",
                          self.url, attempt + 1, problem)  # fmt: skip
                return
            log.warning("callback: %s failed (%s); retrying in %.1f s", self.url, problem, delay)
            await asyncio.sleep(delay)
