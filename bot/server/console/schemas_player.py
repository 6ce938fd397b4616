"""The JSON of the console's player area: the player panel and the canned responses.

Amounts are numbers in Turkish lira (the page formats them as ``1.500,00 ₺``); times are
the backend's ISO-8601 text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

__all__ = [
    "AccountOut",
    "BalanceOut",
    "BonusOut",
    "CannedItem",
    "CannedList",
    "KycDocumentOut",
    "KycOut",
    "PanelReason",
    "PlayerPanel",
    "TransactionOut",
]

PanelReason = Literal["not_verified", "not_configured", "unavailable", "player_not_found"]
"""Why the panel shows no account: the player is not verified yet, no backend is
configured, the backend did not answer in time (or answered garbage), or it knows no
such player."""


class BalanceOut(BaseModel):
    cash: float
    bonus: float
    withdrawable: float
    currency: str


class TransactionOut(BaseModel):
    reference: str
    method: str
    amount: float
    currency: str
    state: str  # deposits: pending, credited, failed; withdrawals: + processing, paid, rejected
    reason: str | None = None
    created_at: str
    overdue: bool = False


class BonusOut(BaseModel):
    code: str
    name: str
    amount: float
    state: str
    progress: float  # wagered share, 0 to 1
    wagering_remaining: float
    expires_at: str


class KycDocumentOut(BaseModel):
    type: str
    state: str
    reason: str | None = None


class KycOut(BaseModel):
    status: str  # not_started, pending, approved, rejected
    documents: list[KycDocumentOut]
    missing: list[str]  # identity, address, selfie


class AccountOut(BaseModel):
    player_id: int
    username: str
    full_name: str
    vip_level: int
    status: str  # active, suspended, self_excluded
    language: str
    balance: BalanceOut
    deposits: list[TransactionOut]  # the latest first
    withdrawals: list[TransactionOut]
    bonuses: list[BonusOut]  # the active ones
    kyc: KycOut


class PlayerPanel(BaseModel):
    """The player of a chat as the account backend knows them. ``account`` only once the
    player is verified and the backend answered; else ``available`` is false and
    ``reason`` says why."""

    sender_id: str
    verified: bool
    player_id: str | None
    available: bool
    reason: PanelReason | None = None
    account: AccountOut | None = None


class CannedItem(BaseModel):
    shortcut: str
    title: str
    text: str  # the variables this chat knows filled in
    missing: list[str]  # the variables left as {name} for the agent to write
    suggested: bool  # fits the intent of the player's latest message
    intents: list[str]


class CannedList(BaseModel):
    intent: str | None  # of the player's latest message
    items: list[CannedItem]
    total: int  # canned responses in the project
