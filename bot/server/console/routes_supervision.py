"""The supervisor's floor view and what a supervisor does on the floor: set an agent's
status (an agent sent offline gives their chats back to the queue) and move a chat.

Supervisors and admins only; the admin page's API (agents, teams, roles) is in
:mod:`bot.server.console.routes_admin` and included here.
"""

from __future__ import annotations

from fastapi import APIRouter

from bot.errors import HandoverError
from bot.handover.floor_report import AgentLoad, FloorReport, QueueLine, floor_report
from bot.handover.supervision import reassign
from bot.server.console.floor import Floor, queue_item
from bot.server.console.guards import FloorDep, SupervisorDep, refused
from bot.server.console.routes_admin import admin_router, team_names
from bot.server.console.schemas import StatusBody
from bot.server.console.schemas_supervision import (
    AgentLoadOut,
    FloorTotalsOut,
    FloorView,
    QueueLineOut,
    ReassignBody,
)
from bot.store.queue_base import ENTRY_ASSIGNED, ENTRY_WAITING

__all__ = ["LATE_SHOWN", "supervision_router"]

LATE_SHOWN = 100  # chats past SLA listed by name; the totals count them all
HANDLE_TIME_SAMPLE = 50
supervision_router = APIRouter(prefix="/console/api", tags=["console"])


def _line_out(line: QueueLine) -> QueueLineOut:
    return QueueLineOut(
        kind="team" if line.kind == "team" else "skill",
        name=line.name,
        language=line.language,
        waiting=line.waiting,
        longest_wait=line.longest_wait,
        past_sla=line.past_sla,
        expected_wait=line.expected_wait,
        oldest_sender_id=line.oldest_sender_id,
    )


def _load_out(load: AgentLoad) -> AgentLoadOut:
    agent = load.agent
    return AgentLoadOut(
        id=agent.id,
        login=agent.login,
        name=agent.name,
        role=agent.role,
        status=agent.status,
        skills=list(agent.skills),
        languages=list(agent.languages),
        teams=list(agent.teams),
        chats=load.chats,
        max_chats=agent.max_chats,
        load=load.load,
        last_assigned_at=agent.last_assigned_at,
        status_since=agent.status_since,
    )


async def _report(floor: Floor) -> FloorReport:
    """One read per table, however long the queue is."""
    store, queue = floor.queue.store, floor.queue
    return floor_report(
        waiting=await store.entries(ENTRY_WAITING),
        assigned=await store.entries(ENTRY_ASSIGNED),
        agents=await store.agents(),
        sla=queue.config.sla,
        handle_times=await store.recent_handle_times(HANDLE_TIME_SAMPLE),
        default_handle_time=queue.config.default_handle_time,
        now=queue.clock(),
    )


@supervision_router.get("/floor")
async def floor_view(supervisor: SupervisorDep, floor: FloorDep) -> FloorView:
    report = await _report(floor)
    totals = report.totals
    return FloorView(
        now=report.now,
        queues=[_line_out(line) for line in report.queues],
        agents=[_load_out(load) for load in report.agents],
        totals=FloorTotalsOut(
            waiting=totals.waiting,
            in_chats=totals.in_chats,
            online_agents=totals.online_agents,
            away_agents=totals.away_agents,
            free_capacity=totals.free_capacity,
            past_sla=totals.past_sla,
        ),
        late=[queue_item(floor.queue, late.entry, report.now) for late in report.late[:LATE_SHOWN]],
        teams=await team_names(floor),
    )


@supervision_router.put("/agents/{agent_id}/status", status_code=204)
async def force_status(
    agent_id: str, body: StatusBody, supervisor: SupervisorDep, floor: FloorDep
) -> None:
    """Set another agent online, away or offline (offline: their chats go back)."""
    try:
        await floor.actions.set_status(agent_id, body.status)
    except HandoverError as error:
        raise refused(error) from None


@supervision_router.post("/conversations/{sender_id}/reassign", status_code=204)
async def reassign_chat(
    sender_id: str, body: ReassignBody, supervisor: SupervisorDep, floor: FloorDep
) -> None:
    """Give a waiting or held chat to an agent, or a held one back to a team's queue."""
    try:
        await reassign(
            floor.actions,
            sender_id,
            supervisor.id,
            to_agent=body.to_agent,
            team=body.team,
            note=body.note,
        )
    except HandoverError as error:
        raise refused(error) from None


supervision_router.include_router(admin_router)
