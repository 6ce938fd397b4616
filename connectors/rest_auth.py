"""Who may write to a REST conversation: credentials.yml's ``rest:`` section.

Rasa's REST channel trusts whoever posts: the ``sender`` is the only credential, so a
caller who learns a conversation id can write to it and read the answers, a verified
player's balance included. Destek lets a project choose::

    rest:                         # open, as in Rasa (a warning at start-up says so)

    rest:
      auth: secret                # a server of yours calls: "Authorization: Bearer <secret>"
      secret: ${DESTEK_REST_SECRET}     # or
      secret_file: .destek/rest-secret  # made (mode 0600) when missing; relative to the project

    rest:
      auth: token                 # each player's page calls with a token your site signs:
      token_secret: ${DESTEK_REST_TOKEN_SECRET}   # HS256 {"aud": "destek-rest",
                                                  #  "sid": <sender>, "exp": ...}

A token names the one conversation it opens (``sid``) and expires; a request whose
``sender`` is another conversation is refused like a forged one (401, no detail).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt
from fastapi import HTTPException, Request

from bot.errors import ConfigError
from bot.secret_files import project_secret

__all__ = ["AUDIENCE", "RestAuth"]

log = logging.getLogger(__name__)

AUDIENCE = "destek-rest"
_KEYS = {"auth", "secret", "secret_file", "token_secret"}
_LEEWAY = 30
Mode = Literal["open", "secret", "token"]
REFUSED = "User is not authenticated."


@dataclass(frozen=True, slots=True)
class RestAuth:
    """The REST channel's check of its callers; :meth:`check` raises a 401 or returns."""

    mode: Mode
    secret: str = ""

    @classmethod
    def from_options(cls, options: Mapping[str, Any], project: Path) -> RestAuth:
        """From the ``rest:`` section; ``project`` is where a relative ``secret_file`` is.

        Raises:
            ConfigError: an unknown key or mode, or a mode without its secret.
        """
        unknown = sorted(set(options) - _KEYS)
        if unknown:
            raise ConfigError(
                f"credentials.yml: rest.{unknown[0]} is not an option of the REST channel "
                f"(it has {', '.join(sorted(_KEYS))})"
            )
        mode = options.get("auth", "open")
        if mode == "open":
            log.warning(
                "the REST channel is open: anyone who knows a conversation id can write to "
                "it; set rest.auth in credentials.yml (see docs/security.md)"
            )
            return cls("open")
        if mode == "secret":
            return cls("secret", _secret(options, project))
        if mode == "token":
            return cls("token", _text(options.get("token_secret"), "rest.token_secret"))
        raise ConfigError(f"credentials.yml: rest.auth must be open, secret or token, not {mode!r}")

    def check(self, request: Request, sender: str) -> None:
        """Raises a 401 unless the request may write to the conversation ``sender``."""
        if self.mode == "open":
            return
        given = _bearer(request)
        if self.mode == "secret":
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                raise HTTPException(401, REFUSED)
            return
        try:
            claims = jwt.decode(
                given,
                self.secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                leeway=_LEEWAY,
                options={"require": ["exp", "aud", "sid"]},
            )
        except jwt.PyJWTError as exc:
            log.info("a REST call with a refused token: %s", type(exc).__name__)
            raise HTTPException(401, REFUSED) from exc
        if not hmac.compare_digest(str(claims.get("sid")).encode(), sender.encode()):
            log.info("a REST call for a conversation its token does not open")
            raise HTTPException(401, REFUSED)


def _bearer(request: Request) -> str:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _secret(options: Mapping[str, Any], project: Path) -> str:
    if options.get("secret") not in (None, ""):
        return _text(options["secret"], "rest.secret")
    file = options.get("secret_file")
    if not isinstance(file, str) or not file.strip():
        raise ConfigError(
            "credentials.yml: rest.auth is secret, so set rest.secret or rest.secret_file"
        )
    path = Path(file)
    path = path if path.is_absolute() else project / path
    if path.parent.name == ".destek":  # the project's own: made when missing
        return project_secret(path.parent.parent, path.name)
    try:
        return _text(path.read_text(encoding="utf-8").strip(), "rest.secret_file")
    except OSError as exc:
        raise ConfigError(f"credentials.yml: rest.secret_file {file}: {exc.strerror}") from exc


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or len(value.strip()) < 16:
        raise ConfigError(f"credentials.yml: {key} must be a secret of at least 16 characters")
    return value.strip()
