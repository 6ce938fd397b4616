"""The Telegram channel: Rasa's ``/webhooks/telegram/webhook`` route, or long polling.

With ``webhook_url`` set, :meth:`TelegramChannel.start` registers the webhook (with the
secret token) and Telegram POSTs each update to the route; the update is handled, the
turn stored and the replies sent before the 200, so nothing acknowledged is lost, and
Telegram's retries of a non-2xx are ignored by their ``update_id``. Without it the
channel long-polls ``getUpdates`` in a background task. A Bot API that is down at start
is retried in the background; the server stays up.

:meth:`TelegramChannel.deliver` sends messages outside a turn (an agent's answer, the
rating question) to the chat whose id is the conversation id, with the same retries.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.channels import BotMessage, ChannelContext, DeliveryError, MessageHandler, UserMessage
from bot.errors import ConfigError
from connectors.telegram.callback_data import is_key, resolve_key
from connectors.telegram.options import SECTION, TelegramOptions
from connectors.telegram.polling import POLL_TIMEOUT, LongPoller, pause
from connectors.telegram.replies import TelegramSender
from connectors.telegram.retries import Backoff
from connectors.telegram.updates import ALLOWED_UPDATES, TelegramInput, parse_update

__all__ = ["SECRET_HEADER", "TelegramChannel"]

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STOP_TIMEOUT = 10.0
"""Seconds stop() waits for an update being handled before cancelling it."""
_RECENT = 1024


class BotUnavailable(RuntimeError):
    """The model being served cannot chat (NLU only)."""


class TelegramChannel:
    """Telegram through python-telegram-bot; options as :class:`TelegramOptions`."""

    def __init__(self, context: ChannelContext, backoff: Backoff | None = None) -> None:
        self.context = context
        self.options = TelegramOptions.from_mapping(context.options)
        # Without a secret_token of its own, the webhook gets one derived from the server's
        # secret: Destek sets the webhook itself, and an unsigned webhook would let anyone
        # post updates in any chat's name.
        self.secret_token = self.options.secret_token or (context.secret[:64] or None)
        self.backoff = backoff or Backoff()
        self._bot: Bot | None = None
        self._sender: TelegramSender | None = None
        self._poller: LongPoller | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._recent: OrderedDict[int, None] = OrderedDict()  # a fast path; the engine dedupes

    def install(self, app: FastAPI) -> None:
        app.include_router(self._router())

    async def start(self) -> None:
        """Raises:
        ConfigError: the Bot API rejects the token, or it is not ``verify``'s bot."""
        bot = self._bot = Bot(
            self.options.access_token,
            base_url=self.options.base_url,
            base_file_url=self.options.base_file_url,
            request=HTTPXRequest(connection_pool_size=16, read_timeout=10, write_timeout=10),
            get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=10),
        )
        self._sender = TelegramSender(bot, self.backoff)
        if self.options.webhook_mode and self.secret_token is None:
            log.warning("%s.secret_token is not set: anyone can post updates to the webhook",
                        SECTION)  # fmt: skip
        if not self.options.webhook_mode:
            self._poller = LongPoller(bot, self.process, self.backoff, POLL_TIMEOUT)
        try:
            connected = await self._first_connect(bot)
        except ConfigError:
            await bot.shutdown()  # stop() is not called for a channel that failed to start
            raise
        if self._poller is not None or not connected:
            self._task = asyncio.create_task(self._run(bot, connected), name="telegram")
            self._task.add_done_callback(_log_failure)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            if self._poller is None or not self._poller.busy:
                self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=STOP_TIMEOUT)
            if not done:
                self._task.cancel()
                await asyncio.wait({self._task})
        if self._bot is not None:
            await self._bot.shutdown()

    async def deliver(self, sender_id: str, messages: Sequence[BotMessage]) -> None:
        """Send ``messages`` to the chat ``sender_id`` outside a turn, in order.

        Raises:
            DeliveryError: the channel has not started, or the Bot API refused a message
                or kept failing (what was sent before stays sent; the rest is not tried).
        """
        sender = self._sender
        if sender is None:
            raise DeliveryError("telegram: the channel has not started")
        for index, message in enumerate(messages):
            try:
                await sender.send_one(sender_id, message)
            except TelegramError as exc:
                log.error(
                    "chat %s: %d message(s) sent outside a turn were not delivered to "
                    "Telegram (%s)", sender_id, len(messages) - index, type(exc).__name__,
                )  # fmt: skip
                raise DeliveryError(
                    f"telegram: the Bot API did not take a message for chat {sender_id} "
                    f"({type(exc).__name__})"
                ) from None

    # ---- one update -----------------------------------------------------------------------

    async def process(self, update: Update) -> None:
        """Run the update's turn and send the replies (nothing for updates not for the bot).

        Raises:
            BotUnavailable: the model cannot chat.
        """
        incoming = parse_update(update)
        if incoming is None or update.update_id in self._recent:
            log.debug("Telegram update %d ignored", update.update_id)
            return
        bot, sender = self.context.handler(), self._sender
        if bot is None or sender is None:
            raise BotUnavailable("the model cannot chat")
        if incoming.callback_query_id is not None:
            await sender.answer_button(incoming.callback_query_id)
        replies = await self._replies(bot, incoming)
        await sender.send(incoming.message.sender_id, replies)
        self._remember(update.update_id)

    async def _replies(self, bot: MessageHandler, incoming: TelegramInput) -> list[BotMessage]:
        message = incoming.message
        # A sticker or a photo goes through the engine too: kept for the agent,
        # answered politely, left unanswered during a handover.
        if message.text is not None and is_key(message.text):
            message = await self._with_payload(bot, incoming, message.text)
        return await bot.handle(message)

    async def _with_payload(
        self, bot: MessageHandler, incoming: TelegramInput, key: str
    ) -> UserMessage:
        """The button press with the long payload ``key`` names (or the button's title)."""
        message = incoming.message
        payload = resolve_key(key, await bot.transcript(message.sender_id))
        if payload is None:
            log.info("chat %s: a pressed button is no longer in the conversation",
                     message.sender_id)  # fmt: skip
            payload = incoming.button_title or key
        return dataclasses.replace(message, text=payload)

    def _remember(self, update_id: int) -> None:
        self._recent[update_id] = None
        if len(self._recent) > _RECENT:
            self._recent.popitem(last=False)

    # ---- the Bot API connection -----------------------------------------------------------

    async def _first_connect(self, bot: Bot) -> bool:
        try:
            await self._connect(bot)
        except InvalidToken:
            # The library's message shows the token: say it without the cause.
            raise ConfigError(f"{SECTION}.access_token was rejected by the Bot API") from None
        except TelegramError as exc:
            log.error("the Telegram Bot API is unreachable (%s); retrying in the background",
                      type(exc).__name__)  # fmt: skip
            return False
        return True

    async def _connect(self, bot: Bot) -> None:
        await bot.initialize()  # getMe: checks the token
        verify = self.options.verify
        if verify is not None and bot.username.lower() != verify.lower():
            raise ConfigError(
                f"{SECTION}.verify is {verify!r}, but the access token is @{bot.username}'s"
            )
        if self.options.webhook_url is not None:
            await bot.set_webhook(
                self.options.webhook_url,
                secret_token=self.secret_token,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await bot.delete_webhook()  # getUpdates is refused while a webhook is set

    async def _run(self, bot: Bot, connected: bool) -> None:
        attempt = 0
        while not connected and not self._stopping.is_set():
            attempt += 1
            await pause(self._stopping, self.backoff.delay(attempt))
            try:
                await self._connect(bot)
                connected = True
                log.info("connected to the Telegram Bot API")
            except TelegramError as exc:
                log.warning("the Telegram Bot API is still unreachable (%s)", type(exc).__name__)
            except ConfigError:
                log.exception("Telegram channel misconfigured; it stays off")
                return
        if self._poller is not None and connected:
            await self._poller.run(self._stopping)

    # ---- HTTP -----------------------------------------------------------------------------

    def _router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/webhooks/telegram/")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

        if self.options.webhook_mode:
            router.add_api_route("/webhooks/telegram/webhook", self._webhook, methods=["POST"])
        return router

    async def _webhook(self, request: Request) -> dict[str, str]:
        self._check_secret(request.headers.get(SECRET_HEADER))
        if self._bot is None:
            raise HTTPException(503, "the Telegram channel has not started")
        update = _read_update(await request.body(), self._bot)
        try:
            await self.process(update)
        except BotUnavailable:
            raise HTTPException(503, "the model has no dialogue policies") from None
        return {"status": "ok"}

    def _check_secret(self, given: str | None) -> None:
        expected = self.secret_token
        if expected is None:
            return
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(403, "wrong or missing secret token")


def _read_update(body: bytes, bot: Bot) -> Update:
    """The body as an :class:`Update`. Raises a 400 when it is not one."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        raise HTTPException(400, "request body is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(400, "request body is not a Telegram update (no update_id)")
    try:
        return Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise HTTPException(400, "request body is not a well-formed Telegram update") from None


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Telegram channel's background task failed", exc_info=task.exception())
