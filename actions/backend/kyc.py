"""KYC: a player's documents, the verification status they add up to, and what is missing."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter

from actions.backend.dependencies import DatabaseDep
from actions.backend.models import parse_db_time
from actions.backend.players import fetch_player
from actions.backend.schemas import DocumentType, KycDocument, KycRequirement, KycState, KycStatus

__all__ = ["REQUIREMENTS", "Requirement", "kyc_status", "router"]

router = APIRouter(tags=["kyc"])

RequirementState = Literal["met", "waiting", "rejected", "missing"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing verification needs, satisfied by an approved document of any accepted type."""

    name: Literal["identity", "address", "selfie"]
    accepted_types: tuple[DocumentType, ...]
    description: str


REQUIREMENTS = (
    Requirement(
        "identity",
        ("kimlik", "pasaport", "ehliyet"),
        "Kimlik belgesi: T.C. kimlik kartınızın, pasaportunuzun veya ehliyetinizin ön ve arka yüzü",
    ),
    Requirement(
        "address",
        ("ikametgah", "fatura"),
        "Adres belgesi: son 3 ayda alınmış ikametgah belgesi ya da adınıza düzenlenmiş fatura",
    ),
    Requirement(
        "selfie",
        ("selfie",),
        "Kimliğinizi elinizde tutarken çekilmiş, yüzünüzün net göründüğü bir selfie",
    ),
)


@router.get("/players/{player_id}/kyc", response_model=KycStatus)
async def get_kyc(player_id: int, db: DatabaseDep) -> KycStatus:
    """``approved`` when every requirement is met; ``rejected`` when one was rejected and not
    re-sent; ``pending`` once anything was sent; ``not_started`` before that."""
    rows = await db.run(_document_rows, player_id)
    return kyc_status(player_id, rows)


def kyc_status(player_id: int, rows: Sequence[sqlite3.Row]) -> KycStatus:
    documents = [_document(row) for row in rows]
    states = {req.name: _requirement_state(req, documents) for req in REQUIREMENTS}
    missing = [req for req in REQUIREMENTS if states[req.name] in ("missing", "rejected")]
    placeholders = [
        KycDocument(type=req.accepted_types[0], state="missing")
        for req in REQUIREMENTS
        if states[req.name] == "missing"
    ]
    return KycStatus(
        player_id=player_id,
        status=_overall(list(states.values())),
        documents=documents + placeholders,
        missing_documents=[
            KycRequirement(
                requirement=req.name,
                accepted_types=list(req.accepted_types),
                description=req.description,
            )
            for req in missing
        ],
    )


def _requirement_state(req: Requirement, documents: Sequence[KycDocument]) -> RequirementState:
    states = {doc.state for doc in documents if doc.type in req.accepted_types}
    if "approved" in states:
        return "met"
    if "uploaded" in states:
        return "waiting"
    return "rejected" if "rejected" in states else "missing"


def _overall(states: Sequence[RequirementState]) -> KycState:
    if all(state == "met" for state in states):
        return "approved"
    if "rejected" in states:
        return "rejected"
    if any(state in ("met", "waiting") for state in states):
        return "pending"
    return "not_started"


def _document_rows(conn: sqlite3.Connection, player_id: int) -> list[sqlite3.Row]:
    fetch_player(conn, player_id)
    return conn.execute(
        "SELECT * FROM kyc_documents WHERE player_id = ? ORDER BY uploaded_at, id", (player_id,)
    ).fetchall()


def _document(row: sqlite3.Row) -> KycDocument:
    return KycDocument(
        type=row["type"],
        state=row["state"],
        reason=row["reason"],
        uploaded_at=parse_db_time(row["uploaded_at"]),
        reviewed_at=parse_db_time(row["reviewed_at"]) if row["reviewed_at"] else None,
    )
