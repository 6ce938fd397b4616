"""Operators: who they are, what they can handle, and how they are added.

Roles are agent, supervisor, editor and admin (what each may do is the access matrix in
:mod:`bot.server.console.guards`); an agent is online (takes chats), away (keeps their
chats, takes no new one) or offline. A disabled agent cannot log in and is
never routed to. The records themselves are :class:`bot.store.queue_base.Agent` and
:class:`~bot.store.queue_base.Team`, persisted by the queue store.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from bot.errors import DataError
from bot.handover.passwords import hash_password
from bot.store.queue_base import AGENT_AWAY, AGENT_OFFLINE, AGENT_ONLINE, Agent, Team

__all__ = [
    "AGENT_STATUSES",
    "AWAY",
    "CHAT_ROLES",
    "MODEL_ROLES",
    "OFFLINE",
    "ONLINE",
    "REPORT_ROLES",
    "ROLES",
    "Agent",
    "Team",
    "new_agent",
    "split_names",
    "valid_login",
    "valid_name",
]

ROLES = ("agent", "supervisor", "editor", "admin")
CHAT_ROLES = ("agent", "supervisor", "admin")
"""Who takes chats: a content editor never goes online, so the queue never routes to one."""
REPORT_ROLES = ("supervisor", "editor", "admin")
"""Who reads the reports: the floor, and the editor who sees what the bot contains."""
MODEL_ROLES = ("editor", "admin")
"""Who serves another trained model from the console."""
ONLINE, AWAY, OFFLINE = AGENT_ONLINE, AGENT_AWAY, AGENT_OFFLINE
AGENT_STATUSES = (ONLINE, AWAY, OFFLINE)
MAX_CHATS_LIMIT = 50
_NAME = re.compile(r"^[a-z0-9_\-]+$")
_LOGIN = re.compile(r"^[A-Za-z0-9_.@+\-]{2,255}$")


def valid_name(name: str) -> bool:
    """Whether ``name`` may name a skill, a language or a team: lower-case letters,
    digits, '-' and '_'."""
    return bool(_NAME.match(name))


def valid_login(login: str) -> bool:
    """Whether ``login`` may be an agent's login: 2-255 letters, digits or . _ @ + -."""
    return bool(_LOGIN.match(login))


def split_names(text: str) -> tuple[str, ...]:
    """``"finance, kyc"`` -> ``("finance", "kyc")``: lower-cased, duplicates dropped."""
    names: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _checked(kind: str, names: Iterable[str]) -> tuple[str, ...]:
    names = tuple(names)
    for name in names:
        if not valid_name(name):
            raise DataError(f"{kind} {name!r}: use lower-case letters, digits, '-' and '_'")
    return names


def new_agent(
    *,
    login: str,
    name: str,
    password: str,
    role: str = "agent",
    skills: Iterable[str] = ("general",),
    languages: Iterable[str] = ("tr",),
    teams: Iterable[str] = (),
    max_chats: int = 3,
    now: float = 0.0,
) -> Agent:
    """A new, offline agent with a hashed password and a random id.

    Raises:
        DataError: a field is malformed (the message names it).
    """
    if not valid_login(login):
        raise DataError(f"login {login!r}: 2-255 letters, digits or . _ @ + -")
    if not name.strip():
        raise DataError("name: must not be empty")
    if role not in ROLES:
        raise DataError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if not 1 <= max_chats <= MAX_CHATS_LIMIT:
        raise DataError(f"max chats {max_chats}: must be 1 to {MAX_CHATS_LIMIT}")
    if len(password) < 8:
        raise DataError("password: at least 8 characters")
    skills = _checked("skill", skills) or ("general",)
    languages = _checked("language", languages) or ("tr",)
    return Agent(
        id=secrets.token_hex(8),
        login=login,
        name=name.strip(),
        role=role,
        skills=skills,
        languages=languages,
        teams=_checked("team", teams),
        max_chats=max_chats,
        status=OFFLINE,
        password_hash=hash_password(password),
        created_at=now,
    )
