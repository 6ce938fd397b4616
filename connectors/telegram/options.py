"""The ``telegram:`` section of credentials.yml, checked once when the channel is built.

Keys are Rasa's where Rasa has them (``access_token``, ``verify``, ``webhook_url``);
``secret_token`` is the Bot API's webhook secret, ``base_url`` / ``base_file_url`` point
the client at a local Bot API server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import ConfigError

__all__ = ["TelegramOptions"]

SECTION = "credentials.yml: telegram"
# The Bot API accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
BOT_API = "https://api.telegram.org/bot"
BOT_API_FILES = "https://api.telegram.org/file/bot"
_KNOWN = {"access_token", "verify", "webhook_url", "secret_token", "base_url", "base_file_url"}


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """The channel's settings. ``webhook_url`` set: webhook mode; absent: long polling."""

    access_token: str
    verify: str | None = None
    webhook_url: str | None = None
    secret_token: str | None = None
    base_url: str = BOT_API
    base_file_url: str = BOT_API_FILES

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> TelegramOptions:
        """Raises:
        ConfigError: a required option is missing, or one is malformed (named)."""
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            known = ", ".join(sorted(_KNOWN))
            raise ConfigError(f"{SECTION}: unknown option {', '.join(unknown)}; known: {known}")
        token = _text(options, "access_token")
        if token is None:
            raise ConfigError(f"{SECTION}.access_token is required")
        secret = _text(options, "secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise ConfigError(
                f"{SECTION}.secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        verify = _text(options, "verify")
        return cls(
            access_token=token,
            verify=verify.lstrip("@") if verify else None,
            webhook_url=_url(options, "webhook_url"),
            secret_token=secret,
            base_url=_url(options, "base_url") or BOT_API,
            base_file_url=_url(options, "base_file_url") or BOT_API_FILES,
        )

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None


def _text(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"{SECTION}.{key} must be a string")
    return str(value).strip() or None


def _url(options: Mapping[str, Any], key: str) -> str | None:
    value = _text(options, key)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{SECTION}.{key} must be an http(s) URL")
    return value
