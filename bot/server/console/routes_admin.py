"""The admin page's API under ``/console/api/admin``: agents (add, change, disable or
enable, reset a password) and teams.

Supervisors may read the lists (the floor names agents and teams); only admins change
them. The rules (an enabled admin must remain, nobody disables or demotes themselves)
are :class:`bot.handover.admin.AgentAdmin`'s.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from bot.errors import HandoverError
from bot.handover.admin import AgentAdmin, AgentProfile
from bot.server import audit_trail
from bot.server.console.floor import Floor
from bot.server.console.guards import AdminDep, FloorDep, SupervisorDep, refused
from bot.server.console.schemas_supervision import (
    AdminAgent,
    AgentEdit,
    DisabledBody,
    NewAgent,
    NewTeam,
    PasswordBody,
    TeamOut,
)
from bot.store.queue_base import Agent

__all__ = ["admin_router", "team_names"]

admin_router = APIRouter(prefix="/admin")


def _out(agent: Agent) -> AdminAgent:
    return AdminAgent(
        id=agent.id,
        login=agent.login,
        name=agent.name,
        role=agent.role,
        status=agent.status,
        skills=list(agent.skills),
        languages=list(agent.languages),
        teams=list(agent.teams),
        max_chats=agent.max_chats,
        disabled=agent.disabled,
        created_at=agent.created_at,
    )


def _admin(floor: Floor) -> AgentAdmin:
    return AgentAdmin(floor.actions, floor.queue.clock)


async def team_names(floor: Floor) -> list[str]:
    """The teams on record and those agents are in."""
    names = {team.name for team in await floor.queue.store.teams()}
    for agent in await floor.queue.store.agents():
        names.update(agent.teams)
    return sorted(names)


@admin_router.get("/agents")
async def agents(supervisor: SupervisorDep, floor: FloorDep) -> list[AdminAgent]:
    return [_out(agent) for agent in await floor.queue.store.agents()]


@admin_router.post("/agents", status_code=201)
async def add_agent(body: NewAgent, admin: AdminDep, floor: FloorDep) -> AdminAgent:
    try:
        profile = AgentProfile(
            name=body.name,
            role=body.role,
            skills=body.skills,
            languages=body.languages,
            teams=body.teams,
            max_chats=body.max_chats,
        )
        agent = await _admin(floor).create(body.login, body.password, profile)
    except HandoverError as error:
        raise refused(error) from None
    return _out(agent)


@admin_router.patch("/agents/{agent_id}")
async def edit_agent(
    agent_id: str, body: AgentEdit, admin: AdminDep, floor: FloorDep, request: Request
) -> AdminAgent:
    current = await floor.queue.store.agent(agent_id)
    try:
        if current is None:
            raise HandoverError(f"no agent {agent_id!r}", "unknown_agent")
        profile = AgentProfile(
            name=current.name if body.name is None else body.name,
            role=current.role if body.role is None else body.role,
            skills=current.skills if body.skills is None else body.skills,
            languages=current.languages if body.languages is None else body.languages,
            teams=current.teams if body.teams is None else body.teams,
            max_chats=current.max_chats if body.max_chats is None else body.max_chats,
        )
        agent = await _admin(floor).edit(admin, agent_id, profile)
    except HandoverError as error:
        raise refused(error) from None
    await audit_trail.role_changed(request, admin, current, agent)
    return _out(agent)


@admin_router.put("/agents/{agent_id}/disabled")
async def set_disabled(
    agent_id: str, body: DisabledBody, admin: AdminDep, floor: FloorDep, request: Request
) -> AdminAgent:
    try:
        agent = await _admin(floor).set_disabled(admin, agent_id, body.disabled)
    except HandoverError as error:
        raise refused(error) from None
    await audit_trail.agent_disabled(request, admin, agent)
    return _out(agent)


@admin_router.post("/agents/{agent_id}/password", status_code=204)
async def reset_password(
    agent_id: str, body: PasswordBody, admin: AdminDep, floor: FloorDep
) -> None:
    try:
        await _admin(floor).reset_password(agent_id, body.password)
    except HandoverError as error:
        raise refused(error) from None
    await floor.queue.store.end_sessions(agent_id)  # the old password's sessions end


@admin_router.get("/teams")
async def teams(supervisor: SupervisorDep, floor: FloorDep) -> list[TeamOut]:
    store = floor.queue.store
    members: dict[str, int] = {}
    for agent in await store.agents():
        for team in agent.teams:
            members[team] = members.get(team, 0) + 1
    described = {team.name: team.description for team in await store.teams()}
    names = sorted(set(described) | set(members))
    return [
        TeamOut(name=n, description=described.get(n, ""), members=members.get(n, 0)) for n in names
    ]


@admin_router.post("/teams", status_code=201)
async def add_team(body: NewTeam, admin: AdminDep, floor: FloorDep) -> TeamOut:
    try:
        team = await _admin(floor).add_team(body.name, body.description)
    except HandoverError as error:
        raise refused(error) from None
    members = sum(1 for agent in await floor.queue.store.agents() if team.name in agent.teams)
    return TeamOut(name=team.name, description=team.description, members=members)
