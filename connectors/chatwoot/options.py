"""The ``live_agents:`` section of endpoints.yml for ``type: chatwoot``, checked once.

```yaml
live_agents:
  type: chatwoot
  url: https://chatwoot.example.com
  account_id: 1
  inbox_id: 7                        # an API inbox ("API" channel)
  api_access_token: ${CHATWOOT_TOKEN}
  webhook_secret: ${CHATWOOT_WEBHOOK_SECRET}   # the webhook's signing secret
  # webhook_token: ...   # for Chatwoot versions that do not sign: ?token= in the URL
  # agent_bot_id: 3      # the bot's messages are this agent bot's, not the token's user
  # timeout: 10, retries: 3, retry_backoff: 0.5, signature_tolerance: 300
  # resolution_label_prefix: "resolution-"
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import ConfigError

__all__ = ["SECTION", "ChatwootOptions"]

SECTION = "endpoints.yml: live_agents"
TYPE = "chatwoot"
REQUIRED = ("url", "account_id", "inbox_id", "api_access_token")
_KNOWN = {
    "type",
    *REQUIRED,
    "webhook_secret",
    "agent_bot_id",
    "webhook_token",
    "timeout",
    "retries",
    "retry_backoff",
    "signature_tolerance",
    "resolution_label_prefix",
}


@dataclass(frozen=True, slots=True)
class ChatwootOptions:
    """Where Chatwoot is, who we are there, and how its webhooks prove they are its."""

    url: str
    account_id: int
    inbox_id: int
    api_access_token: str
    webhook_secret: str | None = None
    webhook_token: str | None = None
    agent_bot_id: int | None = None
    timeout: float = 10.0
    retries: int = 3
    retry_backoff: float = 0.5
    signature_tolerance: float = 300.0
    resolution_label_prefix: str = "resolution-"

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> ChatwootOptions:
        """Raises:
        ConfigError: a required option is missing, or one is unknown or malformed (named)."""
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            known = ", ".join(sorted(_KNOWN))
            raise ConfigError(f"{SECTION}: unknown option {', '.join(unknown)}; known: {known}")
        kind = _text(options, "type")
        if kind is not None and kind != TYPE:
            raise ConfigError(f"{SECTION}.type is {kind!r}, not {TYPE!r}")
        missing = [key for key in REQUIRED if _text(options, key) is None]
        if missing:
            raise ConfigError(f"{SECTION}.{missing[0]} is required (missing: {', '.join(missing)})")
        secret, token = _text(options, "webhook_secret"), _text(options, "webhook_token")
        if secret is None and token is None:
            raise ConfigError(
                f"{SECTION}.webhook_secret is required (or webhook_token, for a Chatwoot "
                "that does not sign its webhooks)"
            )
        return cls(
            url=_url(options, "url"),
            account_id=_positive_int(options, "account_id"),
            inbox_id=_positive_int(options, "inbox_id"),
            api_access_token=str(_text(options, "api_access_token")),
            webhook_secret=secret,
            webhook_token=token,
            agent_bot_id=_positive_int(options, "agent_bot_id")
            if _text(options, "agent_bot_id") is not None
            else None,
            timeout=_number(options, "timeout", 10.0) or 10.0,
            retries=int(_number(options, "retries", 3)),
            retry_backoff=_number(options, "retry_backoff", 0.5),
            signature_tolerance=_number(options, "signature_tolerance", 300.0),
            resolution_label_prefix=_text(options, "resolution_label_prefix") or "resolution-",
        )

    @property
    def account_api(self) -> str:
        """The base of every Application API call: ``{url}/api/v1/accounts/{account_id}``."""
        return f"{self.url}/api/v1/accounts/{self.account_id}"


def _text(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"{SECTION}.{key} must be a string")
    return str(value).strip() or None


def _url(options: Mapping[str, Any], key: str) -> str:
    value = str(_text(options, key))
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{SECTION}.{key} must be an http(s) URL")
    return value.rstrip("/")


def _positive_int(options: Mapping[str, Any], key: str) -> int:
    value = str(_text(options, key))
    if not value.isdecimal() or int(value) == 0:
        raise ConfigError(f"{SECTION}.{key} must be a positive whole number")
    return int(value)


def _number(options: Mapping[str, Any], key: str, default: float) -> float:
    value = options.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ConfigError(f"{SECTION}.{key} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{SECTION}.{key} must be a number") from None
    if number < 0:
        raise ConfigError(f"{SECTION}.{key} must not be negative")
    return number
