"""The console's sign-in session: a signed cookie, checked on every request and socket.

The cookie holds a JWT (HS256) naming the agent; it is HttpOnly, SameSite=Strict, and
Secure when the console is served over https. Any worker that has the same secret
accepts it, so the session holds across workers; the agent is read from the queue store
on each request, so a disabled agent is out at once.

A session ends three ways, whichever comes first:

- **idle**: the cookie lives ``idle`` seconds (30 minutes); the open console renews it
  (``POST /console/api/session``, every few minutes), so a closed page or a browser left
  with the cookie signs out by itself;
- **shift's end**: ``lifetime`` seconds (12 hours) after the password was given, however
  often it was renewed;
- **logout**: the agent's session generation (``ep``, kept in the queue store) is raised,
  so every cookie signed before, on every worker, stops working at once, and the agent's
  open sockets close within :data:`SOCKET_CHECK_SECONDS`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from fastapi import Response
from starlette.requests import HTTPConnection

from bot.handover.login_limits import LoginLimits
from bot.settings import Settings
from bot.store.queue_base import Agent, QueueStore

__all__ = [
    "COOKIE",
    "IDLE_SECONDS",
    "SESSION_SECONDS",
    "SOCKET_CHECK_SECONDS",
    "ConsoleSessions",
    "Session",
]

COOKIE = "destek_console"
COOKIE_PATH = "/console"
SESSION_SECONDS = 12 * 3600  # one long shift, from the password to the end
IDLE_SECONDS = 30 * 60  # a cookie not renewed for this long has ended
SOCKET_CHECK_SECONDS = 15.0  # how soon an open socket learns its session ended
_ALGORITHM = "HS256"
_AUDIENCE = "destek-console"


@dataclass(frozen=True, slots=True)
class Session:
    """What a valid cookie says: whose session, its generation, when the password was
    given (``signed_in_at``) and when the session ends at the latest (``ends_at``)."""

    agent_id: str
    epoch: int
    signed_in_at: float
    ends_at: float


class ConsoleSessions:
    """Signs and reads the session cookie; ``secret`` is shared by every worker."""

    def __init__(
        self,
        secret: str,
        store: QueueStore,
        lifetime: float = SESSION_SECONDS,
        clock: Callable[[], float] = time.time,
        idle: float = IDLE_SECONDS,
    ) -> None:
        self._secret = secret
        self.store = store
        self.lifetime = lifetime
        self.idle = idle
        self.clock = clock
        self.socket_check = SOCKET_CHECK_SECONDS
        self.login_limits = LoginLimits()

    @classmethod
    def from_settings(cls, settings: Settings, store: QueueStore) -> ConsoleSessions:
        """With ``console_secret`` unset, a random secret: sessions end with the process
        (``bot run --workers`` puts one secret in every worker's environment)."""
        given = settings.console_secret
        secret = given.get_secret_value() if given is not None else secrets.token_urlsafe(32)
        return cls(
            secret,
            store,
            lifetime=settings.console_session_hours * 3600,
            idle=settings.console_idle_minutes * 60,
        )

    def token(self, agent: Agent, epoch: int = 0, signed_in_at: float | None = None) -> str:
        now = int(self.clock())
        start = now if signed_in_at is None else int(signed_in_at)
        ends = min(now + int(self.idle), start + int(self.lifetime))
        claims = {"sub": agent.id, "aud": _AUDIENCE, "iat": now, "exp": ends, "ep": epoch,
                  "auth": start}  # fmt: skip
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def session(self, token: str) -> Session | None:
        """What ``token`` says; None when it is forged, malformed or expired."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                options={
                    "require": ["sub", "exp", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError:
            return None
        subject, epoch, start = claims.get("sub"), claims.get("ep", 0), claims.get("auth", 0)
        if not isinstance(subject, str) or not subject or not isinstance(epoch, int):
            return None
        if not isinstance(start, int | float) or not isinstance(claims["exp"], int | float):
            return None
        ends = min(float(claims["exp"]), float(start) + self.lifetime)
        if self.clock() >= ends:  # checked against our clock, so tests can move it
            return None
        return Session(subject, epoch, float(start), float(start) + self.lifetime)

    def agent_id(self, token: str) -> str | None:
        """The agent a token names; None when it is forged, malformed or expired."""
        found = self.session(token)
        return None if found is None else found.agent_id

    async def current(self, connection: HTTPConnection) -> tuple[Agent, Session] | None:
        """The signed-in, enabled agent of a request or a socket and their session; None
        when there is none or it has ended (expired, logged out, agent disabled)."""
        token = connection.cookies.get(COOKIE)
        found = self.session(token) if token else None
        if found is None:
            return None
        agent = await self.still_valid(found)
        return None if agent is None else (agent, found)

    async def still_valid(self, session: Session) -> Agent | None:
        """The session's agent while the session holds; None once it has ended."""
        if self.clock() >= session.ends_at:
            return None
        agent = await self.store.agent(session.agent_id)
        if agent is None or agent.disabled:
            return None
        if await self.store.session_epoch(agent.id) != session.epoch:
            return None  # logged out (or a password reset) since it was signed
        return agent

    async def agent(self, connection: HTTPConnection) -> Agent | None:
        """The signed-in, enabled agent of a request or a socket; None otherwise."""
        found = await self.current(connection)
        return None if found is None else found[0]

    async def sign_in(self, response: Response, agent: Agent, secure: bool) -> None:
        """A new session: the password was just given."""
        epoch = await self.store.session_epoch(agent.id)
        self._set(response, self.token(agent, epoch), secure)

    def renew(self, response: Response, agent: Agent, session: Session, secure: bool) -> None:
        """Another ``idle`` seconds for a session that holds (never past its end)."""
        self._set(response, self.token(agent, session.epoch, session.signed_in_at), secure)

    async def sign_out(self, response: Response, secure: bool, agent: Agent | None) -> None:
        """Drop the cookie, and end every session of ``agent`` on every worker."""
        if agent is not None:
            await self.store.end_sessions(agent.id)
        response.delete_cookie(
            COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=secure
        )

    def _set(self, response: Response, token: str, secure: bool) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self.idle),
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=secure,
        )
