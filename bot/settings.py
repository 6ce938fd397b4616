"""Settings read once from the environment (prefix ``DESTEK_``) and passed down."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CONSOLE_SECRET_VARIABLE", "Settings", "environment", "share_console_secret"]

CONSOLE_SECRET_VARIABLE = "DESTEK_CONSOLE_SECRET"


class Settings(BaseSettings):
    """Every knob that is not in a project file. Nothing else reads ``os.environ``."""

    model_config = SettingsConfigDict(env_prefix="DESTEK_", extra="ignore")

    model: Path = Path("models")
    host: str = "0.0.0.0"
    port: int = 5005
    enable_api: bool = True
    max_body_bytes: int = 1_000_000
    max_batch: int = 64
    log_level: str = "INFO"
    # "json": one JSON object a line, for log collectors; "text": for people.
    log_format: str = "text"
    # Seconds between looks at the models directory for a newer archive; 0: never.
    model_watch_interval: float = 2.0
    # Worker processes behind one port; more than one needs shared stores (Redis, SQL).
    workers: int = 1
    endpoints: Path = Path("endpoints.yml")
    credentials: Path = Path("credentials.yml")
    # HS256 secret the website signs player tokens with; unset: tokens verify nobody.
    player_token_secret: str | None = None
    # Rasa's --auth-token: the HTTP API answers only requests that carry it
    # (`Authorization: Bearer` or ?token=). `bot run` always has one: this, else the file
    # below, else one it makes once in .destek/api-token (see bot/server/auth.py).
    auth_token: SecretStr | None = None
    # A file that holds the token (mode 0600 is advised), so it never needs argv or env.
    auth_token_file: Path | None = None
    # HS256 secret the operator console signs its session cookies with; unset: one is
    # made at start-up (and shared by `bot run --workers`), so sessions end on restart.
    console_secret: SecretStr | None = None
    # A console session ends when not renewed for this long (the open page renews it),
    # and at the latest this long after the password was given.
    console_idle_minutes: float = Field(default=30.0, gt=0)
    console_session_hours: float = Field(default=12.0, gt=0)
    # What channels sign for their clients (web-chat session ids) and derive their keys
    # from; unset: the project's own, made once in .destek/channel-secret.
    channel_secret: SecretStr | None = None
    # The account backend the console's player panel reads (the action server's, by the
    # same variables); unset: the panel says it is not configured.
    backend_url: str | None = None
    backend_token: SecretStr | None = None
    backend_timeout: float = 2.0
    # The secret the engine shows the action server (header X-Destek-Action-Token), and
    # that `bot run actions` asks for; unset: `bot run` makes one for the action server it
    # starts itself, and a standalone action server is open (it warns).
    action_token: SecretStr | None = None
    # The operators' canned responses; a missing file means none.
    canned: Path = Path("canned.yml")

    def as_environment(self) -> dict[str, str]:
        """These settings as ``DESTEK_`` variables, for worker processes to read back."""
        out: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if value is not None:
                out[f"DESTEK_{name.upper()}"] = str(value)
        return out


def share_console_secret() -> None:
    """Give worker processes started from here one console secret: without one set, a
    random one goes into this process's environment (never argv), which they inherit."""
    os.environ.setdefault(CONSOLE_SECRET_VARIABLE, secrets.token_urlsafe(32))


def environment() -> dict[str, str]:
    """The process environment, for ``${VAR}`` in credentials.yml and endpoints.yml."""
    return dict(os.environ)
