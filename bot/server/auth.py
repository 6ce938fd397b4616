"""The HTTP API's token: Rasa's ``--auth-token``, required by default.

Requests carry it as ``Authorization: Bearer <token>`` (no access log or proxy writes a
header down) or, as in Rasa, as ``?token=<token>`` (whose value Destek's own logs mask).
The channels' webhooks are not behind it (each channel checks its own signature or
secret), nor are ``/health`` and ``/version``.

Where the token comes from, first found: ``--auth-token`` or ``DESTEK_AUTH_TOKEN``; the
file ``--auth-token-file`` or ``DESTEK_AUTH_TOKEN_FILE`` names; else ``bot run`` makes a
random one once and keeps it in ``.destek/api-token`` beside the project's files (mode
0600), which every worker and every later run reads. A secret never has to be on a
command line, and the token itself is never logged: only where it is kept.
"""

from __future__ import annotations

import hmac
import logging
import stat
from pathlib import Path

from fastapi import HTTPException, Request
from pydantic import SecretStr

from bot.errors import ConfigError
from bot.secret_files import SECRETS_DIRECTORY, project_secret
from bot.settings import Settings

__all__ = ["API_TOKEN_FILE", "api_token", "project_api_token", "require_token"]

log = logging.getLogger(__name__)
API_TOKEN_FILE = "api-token"
_MIN_LENGTH = 16


async def require_token(request: Request) -> None:
    """A dependency: 401 unless the request carries the server's token (or the server
    was built without one: a library user's choice, which ``create_app`` warns about)."""
    expected: SecretStr | None = getattr(request.app.state, "api_token", None)
    if expected is None:
        return
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    bearer = credentials.strip() if scheme.lower() == "bearer" else ""
    given = bearer or request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, "User is not authenticated.")


def api_token(settings: Settings) -> SecretStr | None:
    """The token the settings give, from the environment or from a file; None when they
    give none.

    Raises:
        ConfigError: the token file cannot be read, or holds too short a token.
    """
    if settings.auth_token is not None and settings.auth_token.get_secret_value():
        return settings.auth_token
    if settings.auth_token_file is not None:
        return SecretStr(_read_token_file(settings.auth_token_file))
    return None


def project_api_token(settings: Settings) -> SecretStr:
    """The token ``bot run`` serves with: the settings' own, else the project's, made once
    in ``.destek/api-token`` (the log says where, never what).

    Raises:
        ConfigError: a token file cannot be read or made.
    """
    given = api_token(settings)
    if given is not None:
        return given
    directory = settings.credentials.resolve().parent
    token = project_secret(directory, API_TOKEN_FILE)
    where = directory / SECRETS_DIRECTORY / API_TOKEN_FILE
    log.info(
        "the HTTP API needs a token: send `Authorization: Bearer <token>` with the token kept "
        "in %s (or start with --auth-token-file / DESTEK_AUTH_TOKEN)",
        where,
    )
    return SecretStr(token)


def _read_token_file(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read the API token ({reason})") from None
    if len(token) < _MIN_LENGTH:
        raise ConfigError(f"{path}: the API token is shorter than {_MIN_LENGTH} characters")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s: others may read the API token; chmod 600 it", path)
    return token
