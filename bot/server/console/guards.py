"""Who may do what, and how refusals read: the access matrix of the server.

========================  ====  =====  ======  ==========  ======  =====  =========
route                     anon  agent  superv  editor      admin   token  player
========================  ====  =====  ======  ==========  ======  =====  =========
/health /version          yes   yes    yes     yes         yes     yes    yes
/openapi.json             yes   (the schema only: every route says what it needs)
console page, its files   yes   (the page asks for a sign-in)
/console/api/login,       yes   (sign-in is limited per login and per address)
logout, session
/console/api/me           401   yes    yes     yes         yes     401    401
my status, queue, a chat  401   own¹   all     403         all     401    401
  and its player panel,
  canned, accept, write,
  note, transfer, close
/console/ws               4401  own¹   all     no topics   all     4401   4401
floor, agents' status,    401   403    yes     403         yes     401    401
  reassign, list agents
  and teams
reports                   401   403    yes     yes         yes     401    401
model (status, activate)  401   403    403     yes         yes     401    401
admin: add, change,       401   403    403     403         yes     401    401
  disable agents, teams
HTTP API (parse, status,  401   401    401     401         401     yes    401
  tracker, trigger, model)
channels' webhooks,       each channel checks its own secret or signature; the
  web chat, socket.io     player's session is the channel's (web-chat session)
========================  ====  =====  ======  ==========  ======  =====  =========

¹ an agent sees the chats they hold and those waiting in the common queue or in their
teams' queues (a chat transferred to a team waits for that team only); a chat they
held that has ended stays readable to them. Anything else, unknown ids alike, is 403
(no probing for ids). Writing, noting, transferring and closing need the chat held.

A forged, expired or logged-out session is anonymous. The console's cookie is scoped
to ``/console``, so it opens nothing of the HTTP API, and the API's token opens nothing
of the console. ``tests/server/test_access_matrix.py`` walks this table for every route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.errors import HandoverError
from bot.handover.admin import ADMIN_ROLE
from bot.handover.agent_actions import SUPERVISOR_ROLES
from bot.handover.agents import CHAT_ROLES, MODEL_ROLES, REPORT_ROLES
from bot.server.console.floor import ConsoleProblem, Floor, floor_of
from bot.store.queue_base import Agent

__all__ = [
    "AdminDep",
    "ChatAgentDep",
    "FloorDep",
    "ModelEditorDep",
    "ReportReaderDep",
    "SupervisorDep",
    "refused",
    "require_role",
]

_STATUS_CODES = {"unknown_agent": 404, "bad_field": 400, "bad_transfer": 400, "bad_status": 400}


async def _floor(request: Request) -> Floor:
    return floor_of(request.app)


def require_role(agent: Agent, roles: tuple[str, ...], code: str, message: str) -> Agent:
    """``agent`` if their role is one of ``roles``; a 403 with ``code`` otherwise."""
    if agent.role not in roles:
        raise ConsoleProblem(403, code, message)
    return agent


async def _chat_agent(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    return require_role(agent, CHAT_ROLES, "no_chats", "content editors take no chats")


async def _supervisor(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    return require_role(
        agent, SUPERVISOR_ROLES, "supervisors_only", "for supervisors and admins only"
    )


async def _report_reader(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    return require_role(
        agent, REPORT_ROLES, "supervisors_only", "reports are for supervisors, editors and admins"
    )


async def _model_editor(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    return require_role(agent, MODEL_ROLES, "editors_only", "for content editors and admins only")


async def _admin(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    return require_role(agent, (ADMIN_ROLE,), "admins_only", "for admins only")


FloorDep = Annotated[Floor, Depends(_floor)]
ChatAgentDep = Annotated[Agent, Depends(_chat_agent)]
SupervisorDep = Annotated[Agent, Depends(_supervisor)]
ReportReaderDep = Annotated[Agent, Depends(_report_reader)]
ModelEditorDep = Annotated[Agent, Depends(_model_editor)]
AdminDep = Annotated[Agent, Depends(_admin)]


def refused(error: HandoverError) -> ConsoleProblem:
    """A refused step: bad input is a 400, an unknown agent a 404, the rest a 409."""
    status = _STATUS_CODES.get(error.code, 409)
    return ConsoleProblem(status, error.code, str(error), dict(error.details))
