"""Telegram through python-telegram-bot: a webhook with its secret token checked, or long
polling for development; text, inline-keyboard buttons and their callback queries."""

from __future__ import annotations

from connectors.telegram.channel import SECRET_HEADER, TelegramChannel
from connectors.telegram.options import TelegramOptions

__all__ = ["SECRET_HEADER", "TelegramChannel", "TelegramOptions"]
