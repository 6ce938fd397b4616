"""The admin's privacy API (KVKK/GDPR) and the audit log, under ``/console/api/admin``.

- ``GET /privacy/export?sender=<conversation id>`` or ``?player_id=<account id>``:
  everything stored about the player, as one JSON document.
- ``POST /privacy/erase`` ``{"sender": ..., "confirm": true}`` (or ``"player_id"``):
  removes or anonymises it everywhere and answers what was erased, in counts. Without
  ``confirm: true`` nothing happens (400): an erasure cannot be undone. Erasing again
  erases nothing and says so. A chat an agent holds is ended and the consoles told.
- ``GET /audit?since=&until=&action=&limit=``: the audit log, newest first.

Admins only; each export and erasure is itself audited (by whom and when, never what).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.errors import HandoverError
from bot.handover.privacy import PlayerPrivacy, PlayerQuery
from bot.server.audit_trail import audit_of, install_audit
from bot.server.console.floor import ConsoleProblem, Floor
from bot.server.console.guards import AdminDep, FloorDep, refused
from bot.server.handover_wiring import LiveAgents
from bot.store.audit import ACTIONS
from bot.store.queue_base import QueueEntry
from bot.store.sql import SQLTrackerStore
from bot.store.sql_privacy import SQLPrivacyStore

__all__ = ["install_privacy", "privacy_router"]

privacy_router = APIRouter(prefix="/console/api/admin", tags=["console"])
NO_STORE = {"Cache-Control": "no-store"}  # a player's data is never kept by a cache


class ErasureBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: str | None = Field(default=None, min_length=1, max_length=255)
    player_id: str | None = Field(default=None, min_length=1, max_length=64)
    confirm: bool = False


class ErasureOut(BaseModel):
    reference: str | None = Field(description="the erasure's opaque reference (None: nothing)")
    erased: dict[str, int]


class AuditOut(BaseModel):
    id: int
    at: str = Field(description="ISO 8601, UTC")
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


def install_privacy(app: FastAPI, live_agents: LiveAgents) -> None:
    """The audit log on the queue store's database, and this API."""
    install_audit(app, live_agents.store)
    app.include_router(privacy_router)


def _query(sender: str | None, player_id: str | None) -> PlayerQuery:
    try:
        return PlayerQuery(sender_id=sender, player_id=player_id)
    except HandoverError as error:
        raise refused(error) from None


def _privacy(request: Request, floor: Floor) -> PlayerPrivacy:
    live_agents: LiveAgents = request.app.state.live_agents
    store = live_agents.store
    if not isinstance(store, SQLTrackerStore):
        raise ConsoleProblem(409, "not_stored", "the stores are in memory: nothing is kept")

    async def ended(entry: QueueEntry) -> None:
        await floor.queue.publish("withdrawn", entry, by="erased")
        await floor.queue.route()  # the agent's freed slot goes to the next chat

    return PlayerPrivacy(
        SQLPrivacyStore(store), audit_of(request.app), live_agents.desk.locks, ended
    )


@privacy_router.get("/privacy/export")
async def export(
    request: Request,
    admin: AdminDep,
    floor: FloorDep,
    sender: Annotated[str | None, Query(max_length=255)] = None,
    player_id: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    query = _query(sender, player_id)
    document = await _privacy(request, floor).export(query, admin.login)
    return JSONResponse(document, headers=NO_STORE)


@privacy_router.post("/privacy/erase")
async def erase(
    body: ErasureBody, request: Request, admin: AdminDep, floor: FloorDep
) -> ErasureOut:
    query = _query(body.sender, body.player_id)
    if not body.confirm:
        raise ConsoleProblem(400, "confirm_required", 'erasure is final: send "confirm": true')
    erasure = await _privacy(request, floor).erase(query, admin.login)
    return ErasureOut(reference=erasure.reference, erased=erasure.counts)


@privacy_router.get("/audit")
async def audit_log(
    request: Request,
    admin: AdminDep,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    """Records with ``since <= at < until`` (ISO 8601; without a zone, UTC)."""
    if action is not None and action not in ACTIONS:
        raise ConsoleProblem(
            400, "bad_field", f"action: one of {', '.join(ACTIONS)}", {"field": "action"}
        )
    records = await audit_of(request.app).list(_epoch(since), _epoch(until), action, limit)
    return [AuditOut(**record.as_dict()) for record in records]


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
