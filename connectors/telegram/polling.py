"""Long polling, for development: ``getUpdates`` in a loop.

Each update is handled (the turn run, the replies sent) before the next request's
``offset`` confirms it to Telegram, so a crash loses nothing: unconfirmed updates come
again and the bot ignores the ones it already answered. An update that keeps failing is
skipped after a few tries; a failing Bot API is retried with backoff until stopped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from telegram import Bot, Update
from telegram.error import TelegramError

from connectors.telegram.retries import Backoff, retry_delay
from connectors.telegram.updates import ALLOWED_UPDATES

__all__ = ["POLL_TIMEOUT", "LongPoller", "pause"]

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
"""Seconds Telegram holds a getUpdates request open when there is nothing new."""


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less when ``stopping`` is set meanwhile."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


class LongPoller:
    """Fetches updates and hands each to ``handle`` in order, until ``stopping`` is set."""

    def __init__(
        self,
        bot: Bot,
        handle: Callable[[Update], Awaitable[None]],
        backoff: Backoff,
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.bot = bot
        self.handle = handle
        self.backoff = backoff
        self.timeout = timeout
        self.busy = False
        """True while an update is being handled: stopping then waits for it."""
        self._offset: int | None = None
        self._failing: tuple[int, int] | None = None  # (update id, failed attempts)

    async def run(self, stopping: asyncio.Event) -> None:
        failures = 0
        while not stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramError as exc:
                failures += 1
                delay = retry_delay(exc, failures, self.backoff)
                if delay is None:  # a wrong token, a webhook still set...: try now and then
                    delay = self.backoff.max_delay
                log.warning("Telegram getUpdates failed (%s) %d time(s); next try in %.1fs",
                            type(exc).__name__, failures, delay)  # fmt: skip
                await pause(stopping, delay)
                continue
            failures = 0
            if not await self._handle_all(updates, stopping):
                await pause(stopping, self.backoff.delay(self._failing[1] if self._failing else 1))

    async def _handle_all(self, updates: Sequence[Update], stopping: asyncio.Event) -> bool:
        """Handle ``updates`` in order; False when one failed and is to be tried again."""
        self.busy = True
        try:
            for update in updates:
                if stopping.is_set():
                    return True  # the rest are not confirmed: they come again next time
                if not await self._handle_one(update):
                    return False
                self._offset = update.update_id + 1
            return True
        finally:
            self.busy = False

    async def _handle_one(self, update: Update) -> bool:
        """Whether ``update`` is done with: handled, or failed too often to try again."""
        try:
            await self.handle(update)
        except Exception:
            same = self._failing is not None and self._failing[0] == update.update_id
            attempts = (self._failing[1] if same and self._failing else 0) + 1
            self._failing = (update.update_id, attempts)
            if attempts >= self.backoff.attempts:
                log.exception("Telegram update %d failed %d times; skipped",
                              update.update_id, attempts)  # fmt: skip
                return True
            log.exception("Telegram update %d failed; it is tried again", update.update_id)
            return False
        self._failing = None
        return True
