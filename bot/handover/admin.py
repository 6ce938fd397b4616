"""What an admin does with the operators: add one, change their profile or role, disable
or enable them, reset a password, and add teams.

Every refusal is a :class:`HandoverError` with a code a page can say in its own
language: ``bad_field`` (``field`` names which), ``login_taken``, ``unknown_agent``,
``self_disable``, ``self_demote`` and ``last_admin`` (an enabled admin must remain, so
nobody is locked out of this page). Passwords are hashed off the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

import anyio.to_thread

from bot.errors import HandoverError
from bot.handover.agent_actions import AgentActions
from bot.handover.agents import (
    CHAT_ROLES,
    MAX_CHATS_LIMIT,
    OFFLINE,
    ROLES,
    new_agent,
    valid_login,
    valid_name,
)
from bot.handover.passwords import hash_password
from bot.store.queue_base import Agent, QueueStore, Team

__all__ = ["ADMIN_ROLE", "MIN_PASSWORD", "AgentAdmin", "AgentProfile"]

ADMIN_ROLE = "admin"
MIN_PASSWORD = 8
MAX_NAMES = 20


def _bad(field: str, message: str) -> HandoverError:
    return HandoverError(f"{field}: {message}", "bad_field", field=field)


def _names(field: str, names: Iterable[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not valid_name(name):
            raise _bad(field, f"{raw!r}: use lower-case letters, digits, '-' and '_'")
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_NAMES:
        raise _bad(field, f"at most {MAX_NAMES}")
    return tuple(cleaned)


class AgentProfile:
    """A checked profile: what an admin may set on an agent, password aside."""

    def __init__(
        self,
        *,
        name: str,
        role: str,
        skills: Iterable[str],
        languages: Iterable[str],
        teams: Iterable[str],
        max_chats: int,
    ) -> None:
        if not name.strip() or len(name) > 255:
            raise _bad("name", "1 to 255 characters")
        if role not in ROLES:
            raise _bad("role", f"one of {', '.join(ROLES)}")
        if not 1 <= max_chats <= MAX_CHATS_LIMIT:
            raise _bad("max_chats", f"1 to {MAX_CHATS_LIMIT}")
        self.name = name.strip()
        self.role = role
        self.skills = _names("skills", skills) or ("general",)
        self.languages = _names("languages", languages) or ("tr",)
        self.teams = _names("teams", teams)
        self.max_chats = max_chats

    def applied(self, agent: Agent) -> Agent:
        return replace(
            agent,
            name=self.name,
            role=self.role,
            skills=self.skills,
            languages=self.languages,
            teams=self.teams,
            max_chats=self.max_chats,
        )


def _password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= 1024:
        raise _bad("password", f"at least {MIN_PASSWORD} characters")
    return password


class AgentAdmin:
    def __init__(self, actions: AgentActions, clock: Callable[[], float] = time.time) -> None:
        self.actions = actions
        self.store: QueueStore = actions.store
        self.clock = clock

    async def create(self, login: str, password: str, profile: AgentProfile) -> Agent:
        """A new, offline agent."""
        login = login.strip()
        if not valid_login(login):
            raise _bad("login", "2-255 letters, digits or . _ @ + -")
        _password(password)
        if await self.store.agent_by_login(login) is not None:
            raise HandoverError(f"the login {login!r} is taken", "login_taken", login=login)
        agent = await anyio.to_thread.run_sync(
            lambda: new_agent(
                login=login,
                name=profile.name,
                password=password,
                role=profile.role,
                max_chats=profile.max_chats,
                now=self.clock(),
            )
        )
        agent = profile.applied(agent)
        await self.store.add_agent(agent)
        return agent

    async def edit(self, actor: Agent, agent_id: str, profile: AgentProfile) -> Agent:
        """Change an agent's profile; an admin cannot demote themselves, nor anyone the
        last enabled admin."""
        agent = await self._known(agent_id)
        if agent.role == ADMIN_ROLE and profile.role != ADMIN_ROLE:
            if agent.id == actor.id:
                raise HandoverError("you cannot take your own admin role", "self_demote")
            await self._not_last_admin(agent)
        changed = profile.applied(agent)
        if changed.role not in CHAT_ROLES and agent.status != OFFLINE:
            # One who takes no chats any more (a content editor) gives theirs back first,
            # so no player waits on someone who will never answer.
            await self.actions.set_status(agent.id, OFFLINE)
            changed = replace(changed, status=OFFLINE)
        await self.store.update_agent(changed)
        if agent.role == ADMIN_ROLE and changed.role != ADMIN_ROLE and not await self._admins():
            await self.store.update_agent(agent)  # another admin was demoted meanwhile
            raise HandoverError("the last admin must remain", "last_admin")
        return changed

    async def set_disabled(self, actor: Agent, agent_id: str, disabled: bool) -> Agent:
        """Disable (their chats go back to the queue first) or enable an agent."""
        agent = await self._known(agent_id)
        if disabled and agent.id == actor.id:
            raise HandoverError("you cannot disable yourself", "self_disable")
        if disabled and agent.role == ADMIN_ROLE:
            await self._not_last_admin(agent)
        if disabled and agent.role == ADMIN_ROLE and not agent.disabled:
            await self.store.set_agent_disabled(agent.login, True, self.clock())
            if not await self._admins():  # another admin was disabled meanwhile
                await self.store.set_agent_disabled(agent.login, False)
                raise HandoverError("the last admin must remain", "last_admin")
        if disabled and not agent.disabled and agent.status != OFFLINE:
            await self.actions.set_status(agent.id, OFFLINE)
        await self.store.set_agent_disabled(agent.login, disabled, self.clock())
        return await self._known(agent_id)

    async def reset_password(self, agent_id: str, password: str) -> None:
        agent = await self._known(agent_id)
        hashed = await anyio.to_thread.run_sync(hash_password, _password(password))
        await self.store.set_password_hash(agent.id, hashed)

    async def add_team(self, name: str, description: str = "") -> Team:
        if not name.strip():
            raise _bad("name", "must not be empty")
        (checked,) = _names("name", [name])
        if len(description) > 1000:
            raise _bad("description", "at most 1000 characters")
        team = Team(checked, description.strip())
        await self.store.add_team(team)
        return team

    async def _known(self, agent_id: str) -> Agent:
        agent = await self.store.agent(agent_id)
        if agent is None:
            raise HandoverError(f"no agent {agent_id!r}", "unknown_agent")
        return agent

    async def _not_last_admin(self, agent: Agent) -> None:
        """Refuse early when ``agent`` is the only enabled admin. Two admins changing
        each other at once both pass this check; each change is therefore checked again
        once written, and undone if no enabled admin is left."""
        if [a.id for a in await self._admins()] == [agent.id]:
            raise HandoverError("the last admin must remain", "last_admin")

    async def _admins(self) -> list[Agent]:
        return [a for a in await self.store.agents() if a.role == ADMIN_ROLE and not a.disabled]
