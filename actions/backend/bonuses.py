"""Bonuses: campaigns, a player's bonuses with wagering progress, and bonus-code claims."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from fastapi import APIRouter

from actions.backend.bonus_rules import CampaignRules, ClaimContext, Refusal, decide
from actions.backend.dependencies import ClockDep, DatabaseDep
from actions.backend.errors import ApiError
from actions.backend.identifiers import fold_username
from actions.backend.models import db_time, from_kurus, parse_db_time
from actions.backend.players import fetch_player
from actions.backend.schemas import (
    BonusClaimRequest,
    BonusClaimResult,
    BonusState,
    Campaign,
    CampaignList,
    Eligibility,
    PlayerBonus,
    PlayerBonusList,
)

__all__ = ["claim_bonus", "router"]

router = APIRouter(tags=["bonuses"])

BONUS_VALIDITY = timedelta(days=30)
_PLAYER_BONUSES = """
SELECT b.*, c.name FROM player_bonuses b JOIN bonus_campaigns c ON c.code = b.code
"""


@router.get("/bonus-campaigns", response_model=CampaignList)
async def list_campaigns(
    db: DatabaseDep, clock: ClockDep, include_expired: bool = False
) -> CampaignList:
    rows = await db.run(_campaign_rows)
    now = clock.now()
    campaigns = [_campaign(row, now) for row in rows]
    return CampaignList(campaigns=[c for c in campaigns if c.active or include_expired])


@router.get("/bonus-campaigns/{code}", response_model=Campaign)
async def get_campaign(code: str, db: DatabaseDep, clock: ClockDep) -> Campaign:
    row = await db.run(_campaign_row, _code_key(code))
    if row is None:
        raise ApiError(404, "campaign_not_found", f"no bonus campaign with code {code!r}")
    return _campaign(row, clock.now())


@router.get("/players/{player_id}/bonuses", response_model=PlayerBonusList)
async def list_player_bonuses(
    player_id: int, db: DatabaseDep, state: BonusState | None = None
) -> PlayerBonusList:
    """The player's bonuses, newest first; ``state=active`` for the running ones."""
    rows = await db.run(_player_bonus_rows, player_id, state)
    return PlayerBonusList(bonuses=[_player_bonus(row) for row in rows])


@router.post("/players/{player_id}/bonus-claims", response_model=BonusClaimResult)
async def create_bonus_claim(
    player_id: int, body: BonusClaimRequest, db: DatabaseDep, clock: ClockDep
) -> BonusClaimResult:
    """200 either way: ``status`` is ``credited`` or ``refused`` with a ``reason``."""
    return await db.run(claim_bonus, player_id, body.code, clock.now())


def claim_bonus(
    conn: sqlite3.Connection, player_id: int, code: str, now: datetime
) -> BonusClaimResult:
    player = fetch_player(conn, player_id)
    key = _code_key(code)
    row = _campaign_row(conn, key)
    deposits = conn.execute(
        "SELECT amount FROM deposits WHERE player_id = ? AND state = 'credited'"
        " ORDER BY created_at, id",
        (player_id,),
    ).fetchall()
    claimed = conn.execute(
        "SELECT 1 FROM player_bonuses WHERE player_id = ? AND code = ?", (player_id, key)
    ).fetchone()
    context = ClaimContext(
        status=player["status"],
        vip_level=player["vip_level"],
        credited_deposits=[d["amount"] for d in deposits],
        claimed_before=claimed is not None,
        now=now,
    )
    decision = decide(code, _rules(row) if row else None, context)
    if isinstance(decision, Refusal):
        return BonusClaimResult(status="refused", reason=decision.reason, message=decision.message)
    cursor = conn.execute(
        "INSERT INTO player_bonuses (player_id, code, amount, wagering_required, wagered,"
        " state, created_at, expires_at) VALUES (?, ?, ?, ?, 0, 'active', ?, ?)",
        (player_id, key, decision.amount, decision.wagering_required, db_time(now),
         db_time(now + BONUS_VALIDITY)),
    )  # fmt: skip
    conn.execute(
        "UPDATE balances SET bonus = bonus + ?, updated_at = ? WHERE player_id = ?",
        (decision.amount, db_time(now), player_id),
    )
    bonus = conn.execute(_PLAYER_BONUSES + " WHERE b.id = ?", (cursor.lastrowid,)).fetchone()
    return BonusClaimResult(status="credited", message=decision.message, bonus=_player_bonus(bonus))


def _code_key(code: str) -> str:
    return fold_username(code).upper()


def _campaign_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM bonus_campaigns ORDER BY valid_until DESC").fetchall()


def _campaign_row(conn: sqlite3.Connection, code: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM bonus_campaigns WHERE code = ?", (code,)
    ).fetchone()
    return row


def _player_bonus_rows(
    conn: sqlite3.Connection, player_id: int, state: str | None
) -> list[sqlite3.Row]:
    fetch_player(conn, player_id)
    query = _PLAYER_BONUSES + " WHERE b.player_id = ?"
    params: tuple[object, ...] = (player_id,)
    if state is not None:
        query += " AND b.state = ?"
        params = (player_id, state)
    return conn.execute(query + " ORDER BY b.created_at DESC, b.id DESC", params).fetchall()


def _rules(row: sqlite3.Row) -> CampaignRules:
    return CampaignRules(
        code=row["code"],
        name=row["name"],
        percentage=row["percentage"],
        max_amount=row["max_amount"],
        wagering_multiplier=row["wagering_multiplier"],
        min_deposit=row["min_deposit"],
        valid_until=parse_db_time(row["valid_until"]),
        first_deposit_only=bool(row["first_deposit_only"]),
        min_vip_level=row["min_vip_level"],
        one_per_player=bool(row["one_per_player"]),
    )


def _campaign(row: sqlite3.Row, now: datetime) -> Campaign:
    rules = _rules(row)
    return Campaign(
        code=rules.code,
        name=rules.name,
        description=row["description"],
        percentage=rules.percentage,
        max_amount=from_kurus(rules.max_amount),
        wagering_multiplier=rules.wagering_multiplier,
        min_deposit=from_kurus(rules.min_deposit),
        valid_until=rules.valid_until,
        active=now <= rules.valid_until,
        eligibility=Eligibility(
            first_deposit_only=rules.first_deposit_only,
            min_deposit=from_kurus(rules.min_deposit),
            min_vip_level=rules.min_vip_level,
            one_per_player=rules.one_per_player,
        ),
    )


def _player_bonus(row: sqlite3.Row) -> PlayerBonus:
    required, wagered = row["wagering_required"], row["wagered"]
    return PlayerBonus(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        amount=from_kurus(row["amount"]),
        state=row["state"],
        wagered=from_kurus(wagered),
        wagering_required=from_kurus(required),
        wagering_remaining=from_kurus(max(required - wagered, 0)),
        progress=round(wagered / required, 4) if required else 1.0,
        created_at=parse_db_time(row["created_at"]),
        expires_at=parse_db_time(row["expires_at"]),
    )
