"""The console's sign-in session: a signed cookie, checked on every request and socket.

The cookie holds a JWT (HS256, with an expiry) naming the agent; it is HttpOnly,
SameSite=Strict, and Secure when the console is served over https. Any worker that
has the same secret accepts it, so the session holds across workers; the agent is read
from the queue store on each request, so a disabled agent is out at once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import jwt
from fastapi import Response
from starlette.requests import HTTPConnection

from bot.settings import Settings
from bot.store.queue_base import Agent, QueueStore

__all__ = ["COOKIE", "SESSION_SECONDS", "ConsoleSessions"]

COOKIE = "destek_console"
COOKIE_PATH = "/console"
SESSION_SECONDS = 12 * 3600  # one long shift
_ALGORITHM = "HS256"
_AUDIENCE = "destek-console"


class ConsoleSessions:
    """Signs and reads the session cookie; ``secret`` is shared by every worker."""

    def __init__(
        self,
        secret: str,
        store: QueueStore,
        lifetime: float = SESSION_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self.store = store
        self.lifetime = lifetime
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, store: QueueStore) -> ConsoleSessions:
        """With ``console_secret`` unset, a random secret: sessions end with the process
        (``bot run --workers`` puts one secret in every worker's environment)."""
        given = settings.console_secret
        secret = given.get_secret_value() if given is not None else secrets.token_urlsafe(32)
        return cls(secret, store)

    def token(self, agent: Agent) -> str:
        now = int(self.clock())
        claims = {"sub": agent.id, "aud": _AUDIENCE, "iat": now, "exp": now + int(self.lifetime)}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def agent_id(self, token: str) -> str | None:
        """The agent a token names; None when it is forged, malformed or expired."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                options={"require": ["sub", "exp", "aud"], "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) and subject else None

    async def agent(self, connection: HTTPConnection) -> Agent | None:
        """The signed-in, enabled agent of a request or a socket; None otherwise."""
        token = connection.cookies.get(COOKIE)
        agent_id = self.agent_id(token) if token else None
        if agent_id is None:
            return None
        agent = await self.store.agent(agent_id)
        return None if agent is None or agent.disabled else agent

    def sign_in(self, response: Response, agent: Agent, secure: bool) -> None:
        response.set_cookie(
            COOKIE,
            self.token(agent),
            max_age=int(self.lifetime),
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=secure,
        )

    def sign_out(self, response: Response, secure: bool) -> None:
        response.delete_cookie(
            COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=secure
        )
