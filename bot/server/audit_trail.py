"""The server's audit log, and the one-line calls the routes make to it.

The log lives in the queue store's database (:func:`bot.store.sql_audit.audit_log_for`),
so every worker writes to one log and ``bot privacy`` reads it too. Each helper here is
what one route records: who signed in or failed to, who left, who changed a role or
disabled an agent, who activated a model, who opened a player's account panel. None
records a password, a player's data, or a login nobody has (a failed sign-in names the
login tried only if an agent has it: a mistyped password in the login field stays out).
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from bot.store.audit import (
    AGENT_DISABLED,
    LOGIN,
    LOGIN_FAILED,
    LOGOUT,
    MODEL_ACTIVATED,
    PANEL_VIEW,
    ROLE_CHANGE,
    AuditLog,
)
from bot.store.audit_memory import InMemoryAuditLog
from bot.store.queue_base import Agent, QueueStore
from bot.store.sql_audit import audit_log_for

__all__ = [
    "ANONYMOUS",
    "agent_disabled",
    "audit_of",
    "install_audit",
    "login_failed",
    "model_activated",
    "panel_viewed",
    "role_changed",
    "signed_in",
    "signed_out",
]

ANONYMOUS = "anonymous"  # the actor of a failed sign-in: nobody proved who they are


def install_audit(app: FastAPI, store: QueueStore) -> AuditLog:
    """Give ``app`` the audit log on ``store``'s database."""
    audit = audit_log_for(store)
    app.state.audit_log = audit
    return audit


def audit_of(app: FastAPI) -> AuditLog:
    """The app's audit log (one in memory for an app built without the console)."""
    audit: AuditLog | None = getattr(app.state, "audit_log", None)
    if audit is None:
        audit = app.state.audit_log = InMemoryAuditLog()
    return audit


async def signed_in(request: Request, agent: Agent) -> None:
    await audit_of(request.app).record(agent.login, LOGIN, agent.login, {"role": agent.role})


async def login_failed(request: Request, store: QueueStore, login: str, reason: str) -> None:
    """A refused sign-in (``reason``: ``bad_login`` or ``locked``)."""
    known = await store.agent_by_login(login) if 0 < len(login) <= 255 else None
    subject = known.login if known is not None else ""
    await audit_of(request.app).record(ANONYMOUS, LOGIN_FAILED, subject, {"reason": reason})


async def signed_out(request: Request, agent: Agent | None) -> None:
    """A sign-out; one without a valid session is no one's and is not recorded."""
    if agent is not None:
        await audit_of(request.app).record(agent.login, LOGOUT, agent.login)


async def role_changed(request: Request, actor: Agent, before: Agent | None, after: Agent) -> None:
    """An admin changed an agent's profile: recorded when the role changed (skills,
    teams and names are no one's privilege)."""
    if before is not None and before.role != after.role:
        details = {"from": before.role, "to": after.role}
        await audit_of(request.app).record(actor.login, ROLE_CHANGE, after.login, details)


async def agent_disabled(request: Request, actor: Agent, agent: Agent) -> None:
    """An admin disabled ``agent``, or enabled them again (``disabled: false``)."""
    details = {"disabled": agent.disabled}
    await audit_of(request.app).record(actor.login, AGENT_DISABLED, agent.login, details)


async def model_activated(app: FastAPI, actor: str, model_file: str, via: str) -> None:
    """A model was served (``via``: ``api``, ``console``, ``watcher``)."""
    await audit_of(app).record(actor, MODEL_ACTIVATED, model_file[-255:], {"via": via})


async def panel_viewed(request: Request, agent: Agent, sender_id: str, verified: bool) -> None:
    """An agent opened the player panel of a chat (``verified``: of a verified player,
    so the account was asked of the backend)."""
    details = {"verified": verified}
    await audit_of(request.app).record(agent.login, PANEL_VIEW, sender_id, details)
