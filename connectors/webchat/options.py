"""The web chat's options: its credentials.yml section (``webchat:`` over ``socketio:``).

Rasa's socket.io keys keep their meaning (``user_message_evt``, ``bot_message_evt``,
``namespace``, ``session_persistence``, ``socketio_path``, ``metadata_key``); the others
set up the widget and are served to it as JSON (:meth:`WebChatOptions.widget_config`).
A misspelt key is a :class:`ConfigError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError

__all__ = ["WebChatOptions"]

COLOUR = r"^#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?$"


class WebChatOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Rasa's socket.io channel.
    user_message_evt: str = Field(default="user_uttered", min_length=1)
    bot_message_evt: str = Field(default="bot_uttered", min_length=1)
    namespace: str | None = None
    session_persistence: bool = False
    socketio_path: str = "/socket.io"
    metadata_key: str = Field(default="metadata", min_length=1)
    jwt_key: str | None = None
    jwt_method: str | None = None
    # Seconds a widget socket may stay without a frame (the widget pings every 25 s)
    # before it is closed: a client that stopped answering holds no socket for long.
    idle_timeout: float = Field(default=90.0, gt=0, le=3600)
    # Origins allowed to open a socket; "*" is any site that embeds the widget.
    cors_allowed_origins: list[str] | Literal["*"] = "*"
    # The widget.
    title: str | None = None
    subtitle: str | None = None
    language: Literal["tr", "en"] = "tr"
    primary_color: str = Field(default="#0b7a4b", pattern=COLOUR)
    text_color: str = Field(default="#ffffff", pattern=COLOUR)
    logo: str | None = None
    position: Literal["right", "left"] = "right"
    invite_text: str | None = None
    invite_after_seconds: float | None = Field(default=None, ge=0)
    invite_urls: list[str] = Field(default_factory=list)
    typing_min_ms: int = Field(default=600, ge=0, le=10_000)
    demo_page: bool = True

    @field_validator("socketio_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        path = "/" + value.strip("/")
        if path == "/":
            raise ValueError("must name a path such as /socket.io")
        return path

    @classmethod
    def from_section(cls, options: Mapping[str, Any]) -> WebChatOptions:
        """The options of a credentials.yml section (empty values mean the defaults).

        Raises:
            ConfigError: an unknown key, a malformed value, or Rasa's ``jwt_key`` (socket
                authentication with JWTs is not supported: use the signed player token).
        """
        given = {key: value for key, value in options.items() if value is not None}
        try:
            parsed = cls.model_validate(given)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigError(f"credentials.yml webchat/socketio: {problems}") from exc
        if parsed.jwt_key is not None:
            raise ConfigError(
                "credentials.yml webchat/socketio: jwt_key is not supported; "
                "verify players with the signed player token (player_token_secret)"
            )
        return parsed

    def widget_config(self) -> dict[str, Any]:
        """What the widget reads from ``/webchat/config`` (camelCase, unset keys left out)."""
        config: dict[str, Any] = {
            "title": self.title,
            "subtitle": self.subtitle,
            "language": self.language,
            "primaryColor": self.primary_color,
            "textColor": self.text_color,
            "logo": self.logo,
            "position": self.position,
            "inviteText": self.invite_text,
            "inviteAfterSeconds": self.invite_after_seconds,
            "inviteUrls": self.invite_urls or None,
            "typingMinMs": self.typing_min_ms,
        }
        return {key: value for key, value in config.items() if value is not None}
