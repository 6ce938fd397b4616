"""The console's HTTP API under ``/console/api``: sign in and out, my status, the queue,
one conversation, and what an agent does with it (accept, write, note, transfer, close).

Every step goes through :class:`~bot.handover.agent_actions.AgentActions`; a step that
does not fit the chat's state is a 409, a chat that is not the agent's a 403, and a
content editor (who takes no chats) gets 403 on every chat route. Sign-in is limited
(:mod:`bot.handover.login_limits`): a locked login or address gets 429 with Retry-After.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from bot.errors import HandoverError
from bot.handover.agent_actions import SUPERVISOR_ROLES
from bot.handover.agents import OFFLINE, ONLINE
from bot.handover.login_limits import LoginLocked, sign_in
from bot.server import audit_trail
from bot.server.console.floor import (
    ConsoleProblem,
    Floor,
    agent_out,
    can_see,
    conflict,
    floor_of,
    queue_item,
)
from bot.server.console.guards import ChatAgentDep
from bot.server.console.history import history_items, latest_request
from bot.server.console.schemas import (
    CloseBody,
    Conversation,
    LoginBody,
    Me,
    NoteOut,
    QueueView,
    StatusBody,
    TextBody,
    TransferBody,
)
from bot.store.queue_base import ENTRY_ASSIGNED, ENTRY_WAITING, Agent, Note

__all__ = ["RESOLUTIONS", "router"]

RESOLUTIONS = ("resolved", "not_resolved", "info_given", "follow_up", "spam")
"""The resolution tags an agent closes a chat with."""

WAITING_SHOWN = 200  # a page shows this many waiting chats; thousands would freeze it

router = APIRouter(prefix="/console/api", tags=["console"])


async def _floor(request: Request) -> Floor:
    return floor_of(request.app)


async def _agent(request: Request, floor: Annotated[Floor, Depends(_floor)]) -> Agent:
    return await floor.signed_in(request)


FloorDep = Annotated[Floor, Depends(_floor)]
AgentDep = Annotated[Agent, Depends(_agent)]  # anyone signed in


def _me(agent: Agent) -> Me:
    return Me(
        id=agent.id,
        login=agent.login,
        name=agent.name,
        role=agent.role,
        status=agent.status,
        skills=list(agent.skills),
        teams=list(agent.teams),
        max_chats=agent.max_chats,
    )


def _note_out(note: Note) -> NoteOut:
    return NoteOut(id=note.id, agent_id=note.agent_id, text=note.text, created_at=note.created_at)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.post("/login")
async def login(body: LoginBody, request: Request, response: Response, floor: FloorDep) -> Me:
    agent = await _checked_login(body, request, floor)
    await floor.sessions.sign_in(response, agent, _secure(request))
    await audit_trail.signed_in(request, agent)
    return _me(agent)


async def _checked_login(body: LoginBody, request: Request, floor: Floor) -> Agent:
    """The agent, or 401 (wrong, unknown or disabled alike) or 429 (locked) that say
    nothing about whether the login exists."""
    address = request.client.host if request.client else "unknown"
    sessions = floor.sessions
    try:
        agent = await sign_in(
            floor.queue.store, body.login, body.password, address, sessions.clock(),
            sessions.login_limits,
        )  # fmt: skip
    except LoginLocked as locked:
        raise ConsoleProblem(
            429,
            "too_many_attempts",
            "too many failed sign-ins; try again later",
            {"retry_after": locked.retry_after},
            {"Retry-After": str(locked.retry_after)},
        ) from None
    if agent is None:
        await audit_trail.login_failed(request, floor.queue.store, body.login, "bad_login")
        raise ConsoleProblem(401, "bad_login", "the login or the password is wrong")
    return agent


@router.post("/logout", status_code=204)
async def logout(request: Request, response: Response, floor: FloorDep) -> None:
    """Sign out: every session of the agent ends, on every worker; an agent who leaves
    goes offline, so their chats go back to the queue."""
    agent = await floor.sessions.agent(request)
    if agent is not None and agent.status != OFFLINE:
        await floor.actions.set_status(agent.id, OFFLINE)
    await floor.sessions.sign_out(response, _secure(request), agent)
    await audit_trail.signed_out(request, agent)


@router.post("/session")
async def renew_session(request: Request, response: Response, floor: FloorDep) -> Me:
    """Another idle period for the session (the open console calls this every few
    minutes); never past the session's end, and 401 once it has ended."""
    found = await floor.sessions.current(request)
    if found is None:
        raise ConsoleProblem(401, "not_signed_in", "sign in to the console")
    agent, session = found
    floor.sessions.renew(response, agent, session, _secure(request))
    return _me(agent)


@router.get("/me")
async def me(agent: AgentDep) -> Me:
    return _me(agent)


@router.put("/me/status")
async def set_status(body: StatusBody, agent: ChatAgentDep, floor: FloorDep) -> Me:
    try:
        await floor.actions.set_status(agent.id, body.status)
    except HandoverError as error:
        raise conflict(error) from None
    fresh = await floor.queue.store.agent(agent.id)
    return _me(fresh or agent)


@router.get("/queue")
async def queue(agent: ChatAgentDep, floor: FloorDep) -> QueueView:
    store, now = floor.queue.store, floor.queue.clock()
    # an agent's queue: the common one and their teams' (supervisors: every chat)
    waiting = [e for e in await store.entries(ENTRY_WAITING) if can_see(agent, e)]
    waiting.sort(key=lambda e: (-e.priority, e.requested_at))
    assigned = await store.entries(ENTRY_ASSIGNED)
    supervising = agent.role in SUPERVISOR_ROLES
    others = [e for e in assigned if e.agent_id != agent.id] if supervising else []
    agents = [a for a in await store.agents() if not a.disabled and a.id != agent.id]
    teams = {team.name for team in await store.teams()}
    for other in agents:
        teams.update(other.teams)
    return QueueView(
        now=now,
        waiting=[queue_item(floor.queue, e, now) for e in waiting[:WAITING_SHOWN]],
        waiting_total=len(waiting),
        mine=[queue_item(floor.queue, e, now) for e in assigned if e.agent_id == agent.id],
        others=[queue_item(floor.queue, e, now) for e in others],
        agents=[agent_out(a) for a in agents],
        teams=sorted(teams),
        resolutions=list(RESOLUTIONS),
    )


@router.get("/conversations/{sender_id}")
async def conversation(sender_id: str, agent: ChatAgentDep, floor: FloorDep) -> Conversation:
    """Waiting or mine (supervisors: any); a chat I held that has ended stays readable."""
    entry = await floor.queue.store.entry(sender_id)
    raw = await floor.trackers.load(sender_id)
    history = history_items(raw)
    held = any(item.kind == "assigned" and item.agent_id == agent.id for item in history)
    if entry is not None or not held:
        # refuses what is neither waiting nor mine, unknown ids alike (no probing for ids)
        await floor.visible_entry(agent, sender_id)
    if entry is None and not raw:
        raise ConsoleProblem(404, "not_found", "no such conversation")
    request = latest_request(history)
    notes = await floor.queue.store.notes(sender_id)
    return Conversation(
        sender_id=sender_id,
        entry=queue_item(floor.queue, entry, floor.queue.clock()) if entry else None,
        reason=request.reason if request else None,
        summary=request.summary if request else None,
        history=history,
        notes=[_note_out(n) for n in notes],
    )


@router.post("/conversations/{sender_id}/accept", status_code=204)
async def accept(sender_id: str, agent: ChatAgentDep, floor: FloorDep) -> None:
    """Take a waiting chat. An agent not online goes online first (picking a chat means
    working), and the queue may give them this very chat on the way. A chat that is no
    longer waiting (another agent was quicker) is a 409 ``taken``, and so is one waiting
    in a team's queue the agent is not in, or an unknown id: one answer, no probing."""
    entry = await floor.queue.store.entry(sender_id)
    if entry is None or entry.status != ENTRY_WAITING or not can_see(agent, entry):
        raise ConsoleProblem(409, "taken", "the chat is no longer waiting")
    try:
        if agent.status != ONLINE:
            await floor.actions.set_status(agent.id, ONLINE)
            entry = await floor.queue.store.entry(sender_id)
            if entry is not None and entry.agent_id == agent.id:
                return
        await floor.actions.accept(sender_id, agent.id)
    except HandoverError as error:
        entry = await floor.queue.store.entry(sender_id)
        taken = entry is None or entry.status != ENTRY_WAITING
        raise conflict(error, "taken" if taken else None) from None


@router.post("/conversations/{sender_id}/messages", status_code=204)
async def message(sender_id: str, body: TextBody, agent: ChatAgentDep, floor: FloorDep) -> None:
    await floor.owned_entry(agent, sender_id)
    try:
        await floor.actions.agent_message(sender_id, agent.id, body.text)
    except HandoverError as error:
        raise conflict(error) from None


@router.post("/conversations/{sender_id}/notes", status_code=201)
async def note(sender_id: str, body: TextBody, agent: ChatAgentDep, floor: FloorDep) -> NoteOut:
    await floor.owned_entry(agent, sender_id)
    try:
        note_id = await floor.actions.add_note(sender_id, agent.id, body.text)
    except HandoverError as error:
        raise conflict(error) from None
    notes = await floor.queue.store.notes(sender_id)
    added = next(n for n in notes if n.id == note_id)
    return _note_out(added)


@router.post("/conversations/{sender_id}/transfer", status_code=204)
async def transfer(
    sender_id: str, body: TransferBody, agent: ChatAgentDep, floor: FloorDep
) -> None:
    await floor.owned_entry(agent, sender_id)
    try:
        await floor.actions.transfer(
            sender_id, agent.id, to_agent=body.to_agent, team=body.team, note=body.note
        )
    except HandoverError as error:
        raise conflict(error) from None


@router.post("/conversations/{sender_id}/close", status_code=204)
async def close(sender_id: str, body: CloseBody, agent: ChatAgentDep, floor: FloorDep) -> None:
    await floor.owned_entry(agent, sender_id)
    if body.resolution not in RESOLUTIONS:
        raise ConsoleProblem(400, "bad_resolution", f"resolution: one of {', '.join(RESOLUTIONS)}")
    try:
        await floor.actions.close(sender_id, agent.id, body.resolution)
    except HandoverError as error:
        raise conflict(error) from None
