"""The player panel (the account backend's view of the player in a chat) and canned responses.

``GET /console/api/conversations/{id}/player`` and ``GET /console/api/canned?sender_id=&q=``
answer whoever may read the chat (the rule of the conversation route): a waiting chat or
one's own, any for supervisors, and a chat one held after it ended. The account shows
only for a verified player; a backend that is not configured, slow or down is a 200 with
``available: false`` and its reason, so the console says so and stays responsive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from bot.handover.agent_actions import SUPERVISOR_ROLES
from bot.handover.canned import read_canned
from bot.handover.canned_search import CannedLibrary
from bot.pii import mask_pii
from bot.server import audit_trail
from bot.server.account_panel import AccountPanelClient, AccountUnavailable
from bot.server.console.floor import ConsoleProblem, Floor, floor_of
from bot.server.console.guards import ChatAgentDep
from bot.server.console.history import history_items
from bot.server.console.player_context import ChatPlayer, canned_values, chat_player
from bot.server.console.schemas_player import AccountOut, CannedItem, CannedList, PlayerPanel
from bot.settings import Settings
from bot.store.queue_base import Agent

__all__ = ["PlayerDesk", "account_for_role", "install_player", "player_router"]

log = logging.getLogger(__name__)

player_router = APIRouter(prefix="/console/api", tags=["console"])


@dataclass(frozen=True, slots=True)
class PlayerDesk:
    """What the player area works with: the account backend and the canned responses."""

    accounts: AccountPanelClient
    canned: CannedLibrary

    @classmethod
    def from_settings(cls, settings: Settings) -> PlayerDesk:
        """Raises DataError (``canned.yml:12: ...``) for a malformed canned file; a
        missing one means no canned responses."""
        path = settings.canned
        responses = read_canned(path) if path.is_file() else ()
        if not path.is_file():
            log.info("no canned responses: %s does not exist", path)
        return cls(AccountPanelClient.from_settings(settings), CannedLibrary(responses))


def install_player(app: FastAPI, settings: Settings) -> None:
    """Give the console's player area its backend client and canned responses."""
    app.state.console_player = PlayerDesk.from_settings(settings)


async def _floor(request: Request) -> Floor:
    return floor_of(request.app)


async def _desk(request: Request) -> PlayerDesk:
    desk: PlayerDesk | None = getattr(request.app.state, "console_player", None)
    if desk is None:
        raise ConsoleProblem(404, "no_console", "the player area is not installed")
    return desk


FloorDep = Annotated[Floor, Depends(_floor)]
DeskDep = Annotated[PlayerDesk, Depends(_desk)]
AgentDep = ChatAgentDep  # content editors read no chat


async def _readable_player(floor: Floor, agent: Agent, sender_id: str) -> ChatPlayer:
    """The chat's player if the agent may read the chat: as the conversation route
    decides (waiting or mine, supervisors any, one I held stays readable); 403 for the
    rest and for unknown ids alike, 404 for an unknown id a supervisor asks for."""
    entry = await floor.queue.store.entry(sender_id)
    raw = await floor.trackers.load(sender_id)
    held = any(item.kind == "assigned" and item.agent_id == agent.id for item in history_items(raw))
    if entry is not None or not held:
        await floor.visible_entry(agent, sender_id)
    if entry is None and not raw:
        raise ConsoleProblem(404, "not_found", "no such conversation")
    return chat_player(sender_id, raw, entry)


@player_router.get("/conversations/{sender_id}/player")
async def player_panel(
    sender_id: str, agent: AgentDep, floor: FloorDep, desk: DeskDep, request: Request
) -> PlayerPanel:
    player = await _readable_player(floor, agent, sender_id)
    await audit_trail.panel_viewed(request, agent, sender_id, player.verified)
    panel: dict[str, Any] = {
        "sender_id": sender_id,
        "verified": player.verified,
        "player_id": player.player_id,
    }
    if not player.verified or player.player_id is None:
        return PlayerPanel(**panel, available=False, reason="not_verified")
    try:
        account = await desk.accounts.account(player.player_id)
    except AccountUnavailable as problem:
        log.info("player panel of %s: %s", sender_id, problem)
        return PlayerPanel(**panel, available=False, reason=problem.reason)
    return PlayerPanel(**panel, available=True, account=account_for_role(agent, account))


def account_for_role(agent: Agent, account: AccountOut) -> AccountOut:
    """The account as ``agent``'s role may see it: an agent reads phone numbers, e-mail
    addresses and the other personal data in it masked (:mod:`bot.pii`); supervisors and
    admins read it in clear."""
    if agent.role in SUPERVISOR_ROLES:
        return account
    return AccountOut.model_validate(_masked(account.model_dump()))


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


@player_router.get("/canned")
async def canned(
    agent: AgentDep,
    floor: FloorDep,
    desk: DeskDep,
    sender_id: Annotated[str, Query(min_length=1, max_length=255)],
    q: Annotated[str, Query(max_length=100)] = "",
) -> CannedList:
    """The canned responses matching ``q`` for this chat: those fitting the intent of
    the player's latest message first (``suggested``), each with the variables the chat
    knows filled in and the others listed in ``missing``."""
    player = await _readable_player(floor, agent, sender_id)
    account: AccountOut | None = None
    if player.verified and player.player_id is not None:
        try:
            account = await desk.accounts.cached_account(player.player_id)
        except AccountUnavailable:
            account = None  # the figures stay as {balance} for the agent to fill in
    values = canned_values(player, agent, account)
    items = []
    for match in desk.canned.search(q, player.intent):
        rendered = desk.canned.rendered(match, values, player.language)
        response = match.response
        items.append(
            CannedItem(
                shortcut=response.shortcut,
                title=response.title,
                text=rendered.text,
                missing=list(rendered.missing),
                suggested=match.suggested,
                intents=list(response.intents),
            )
        )
    return CannedList(intent=player.intent, items=items, total=len(desk.canned))
