"""The bot's messages (Rasa's REST shape) sent to a Telegram chat through the Bot API.

``text`` is sent in pieces of at most 4096 characters, ``buttons`` as an inline
keyboard under the last piece, ``image`` as a photo, and a ``custom`` dict holding a Bot
API message (``{"sticker": ...}``, ``{"latitude", "longitude"}``...) with the matching
send method, as Rasa's Telegram channel does. A message that cannot be sent is logged;
the rest are still tried.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.channels import BotMessage
from connectors.telegram.callback_data import button_payload, callback_data
from connectors.telegram.retries import Backoff, call_bot_api

__all__ = ["MAX_TEXT", "TelegramSender", "inline_keyboard", "split_text"]

log = logging.getLogger(__name__)
MAX_TEXT = 4096
"""Telegram's limit on a message's text, in UTF-16 code units."""
CHOOSE = "Lütfen bir seçenek seçin:"
"""The text above buttons that come without one (Telegram needs a text)."""
# The Bot method for a custom message, by the key that marks it (as in Rasa's channel).
_CUSTOM_METHODS = (
    ("text", "send_message"), ("photo", "send_photo"), ("audio", "send_audio"),
    ("document", "send_document"), ("sticker", "send_sticker"), ("video", "send_video"),
    ("video_note", "send_video_note"), ("animation", "send_animation"),
    ("voice", "send_voice"), ("address", "send_venue"), ("latitude", "send_location"),
    ("phone_number", "send_contact"),
)  # fmt: skip


class TelegramSender:
    """Sends the bot's messages to chats; every call retried as ``backoff`` says."""

    def __init__(self, bot: Bot, backoff: Backoff) -> None:
        self.bot = bot
        self.backoff = backoff

    async def send(self, chat_id: str, messages: Sequence[BotMessage]) -> None:
        for message in messages:
            try:
                await self.send_one(chat_id, message)
            except TelegramError as exc:
                log.error(
                    "chat %s: a bot message was not delivered to Telegram (%s: %s)",
                    chat_id, type(exc).__name__, exc.message,
                )  # fmt: skip

    async def send_one(self, chat_id: str, message: BotMessage) -> None:
        """Raises:
        TelegramError: the Bot API refused or kept failing."""
        text, buttons = message.get("text"), message.get("buttons") or []
        if text or buttons:
            pieces = split_text(str(text or CHOOSE))
            for piece in pieces[:-1]:
                await self._retry("sendMessage", partial(self.bot.send_message, chat_id, piece))
            markup = inline_keyboard(buttons) if buttons else None
            await self._retry(
                "sendMessage",
                partial(self.bot.send_message, chat_id, pieces[-1], reply_markup=markup),
            )
        if message.get("image"):
            photo = str(message["image"])
            await self._retry("sendPhoto", partial(self.bot.send_photo, chat_id, photo))
        custom = message.get("custom")
        if custom:
            await self._send_custom(chat_id, custom)

    async def answer_button(self, callback_query_id: str) -> None:
        """Stop the pressed button's spinner; a failure is only logged."""
        try:
            await self._retry(
                "answerCallbackQuery", partial(self.bot.answer_callback_query, callback_query_id)
            )
        except TelegramError as exc:
            log.warning("callback query not answered (%s)", type(exc).__name__)

    async def _send_custom(self, chat_id: str, custom: Any) -> None:
        method = _custom_method(custom)
        if method is None:
            log.info("chat %s: a custom message with no Telegram message in it was skipped",
                     chat_id)  # fmt: skip
            return
        send = getattr(self.bot, method)
        signature = inspect.signature(send)
        fields = {k: v for k, v in custom.items() if k != "api_kwargs"}
        fields["chat_id"] = chat_id  # never another chat than the player's
        known = {k: v for k, v in fields.items() if k in signature.parameters}
        extra = {k: v for k, v in fields.items() if k not in known}
        try:
            signature.bind(**known)
        except TypeError:
            log.warning("chat %s: a custom message for %s lacks a required field; skipped",
                        chat_id, method)  # fmt: skip
            return
        await self._retry(method, partial(send, **known, api_kwargs=extra or None))

    async def _retry(self, what: str, call: Callable[[], Awaitable[Any]]) -> None:
        await call_bot_api(call, what, self.backoff)


def inline_keyboard(buttons: Sequence[Mapping[str, Any]]) -> InlineKeyboardMarkup:
    """One button a row (Turkish titles are long); a ``url`` button opens the link."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button_payload(button))
        if button.get("url"):
            rows.append([InlineKeyboardButton(title, url=str(button["url"]))])
        else:
            rows.append([InlineKeyboardButton(title, callback_data=_data(button))])
    return InlineKeyboardMarkup(rows)


def _data(button: Mapping[str, Any]) -> str:
    return callback_data(button_payload(button))


def _custom_method(custom: Any) -> str | None:
    if not isinstance(custom, Mapping):
        return None
    return next((method for key, method in _CUSTOM_METHODS if key in custom), None)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 units, cut at a line break or a
    space where one is near the end of a piece."""
    pieces: list[str] = []
    rest = text
    while _units(rest) > limit:
        cut = _fitting(rest, limit)
        space = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if space > cut // 2:
            cut = space + 1
        pieces.append(rest[:cut].rstrip() or rest[:cut])
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
