"""Who may use the supervisor's and the admin's API, and how their refusals read.

Supervisors and admins watch the floor and move chats; only admins change agents.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.errors import HandoverError
from bot.handover.admin import ADMIN_ROLE
from bot.handover.agent_actions import SUPERVISOR_ROLES
from bot.server.console.floor import ConsoleProblem, Floor, floor_of
from bot.store.queue_base import Agent

__all__ = ["AdminDep", "FloorDep", "SupervisorDep", "refused"]

_STATUS_CODES = {"unknown_agent": 404, "bad_field": 400, "bad_transfer": 400, "bad_status": 400}


async def _floor(request: Request) -> Floor:
    return floor_of(request.app)


async def _supervisor(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    if agent.role not in SUPERVISOR_ROLES:
        raise ConsoleProblem(403, "supervisors_only", "for supervisors and admins only")
    return agent


async def _admin(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    agent = await floor.signed_in(request)
    if agent.role != ADMIN_ROLE:
        raise ConsoleProblem(403, "admins_only", "for admins only")
    return agent


FloorDep = Annotated[Floor, Depends(_floor)]
SupervisorDep = Annotated[Agent, Depends(_supervisor)]
AdminDep = Annotated[Agent, Depends(_admin)]


def refused(error: HandoverError) -> ConsoleProblem:
    """A refused step: bad input is a 400, an unknown agent a 404, the rest a 409."""
    status = _STATUS_CODES.get(error.code, 409)
    return ConsoleProblem(status, error.code, str(error), dict(error.details))
