"""Telegram updates as the bot's messages: pure functions, no I/O.

A text message is the player's text; a button press (callback query) is the button's
callback data; a sticker, photo or voice note without a caption has no text the bot can
read. Everything else (edited messages, membership changes, polls...) is not for the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.channels import UserMessage

__all__ = ["ALLOWED_UPDATES", "CHANNEL", "TelegramInput", "message_id", "parse_update"]

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "callback_query")
"""The update kinds the bot asks the Bot API for; others are ignored if they come."""

_ATTACHMENTS = (
    "sticker", "photo", "voice", "video_note", "video", "audio", "animation", "document",
    "venue", "location", "contact", "poll", "dice",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TelegramInput:
    """What one update asks of the bot.

    ``message.text`` is None when the player sent something without text (a sticker, a
    photo...). A button press has its ``callback_query_id`` (it must be answered) and the
    pressed button's title when the update carries the keyboard.
    """

    message: UserMessage
    callback_query_id: str | None = None
    button_title: str | None = None


def message_id(update_id: int) -> str:
    """The channel-unique id of an update, by which the bot ignores a redelivery."""
    return f"{CHANNEL}:{update_id}"


def parse_update(update: Update) -> TelegramInput | None:
    """The bot's input from ``update``, or None when the update is not for the bot."""
    if update.callback_query is not None:
        return _button_press(update.update_id, update.callback_query)
    message = update.message
    if message is None:
        return None  # edited messages, chat member changes...: nothing to answer
    attachment = _attachment(message)
    text = message.text or message.caption
    if text is None and attachment is None:
        return None  # a service message: someone joined, a message was pinned...
    return TelegramInput(
        UserMessage(
            text=text,
            sender_id=str(message.chat.id),
            input_channel=CHANNEL,
            metadata=_metadata(message.from_user, message.chat, attachment),
            message_id=message_id(update.update_id),
        )
    )


def _button_press(update_id: int, query: CallbackQuery) -> TelegramInput | None:
    if not query.data:
        return None  # a game's button: not one of the bot's
    chat = query.message.chat if query.message is not None else None
    sender = chat.id if chat is not None else query.from_user.id
    return TelegramInput(
        UserMessage(
            text=query.data,
            sender_id=str(sender),
            input_channel=CHANNEL,
            metadata=_metadata(query.from_user, chat, None),
            message_id=message_id(update_id),
        ),
        callback_query_id=query.id,
        button_title=_title_of(query),
    )


def _title_of(query: CallbackQuery) -> str | None:
    """The title of the pressed button, from the keyboard of the message it was under."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


def _attachment(message: Message) -> str | None:
    return next((kind for kind in _ATTACHMENTS if getattr(message, kind, None)), None)


def _metadata(user: User | None, chat: Chat | None, attachment: str | None) -> dict[str, Any]:
    about: dict[str, Any] = {"chat_type": chat.type if chat is not None else None}
    if user is not None:
        about.update(user_id=user.id, username=user.username, language_code=user.language_code)
    about["attachment"] = attachment
    return {CHANNEL: {key: value for key, value in about.items() if value is not None}}
