"""HTTP bodies: what the API reads and what it answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Balance",
    "BonusClaimRequest",
    "BonusClaimResult",
    "BonusState",
    "Campaign",
    "CampaignList",
    "Channel",
    "ClaimRefusal",
    "Deposit",
    "DepositList",
    "DepositState",
    "DocumentType",
    "FaultRequest",
    "FaultState",
    "KycDocument",
    "KycRequirement",
    "KycState",
    "KycStatus",
    "OutboxList",
    "OutboxMessage",
    "PasswordResetAccepted",
    "PasswordResetRequest",
    "PaymentMethod",
    "Player",
    "PlayerBonus",
    "PlayerBonusList",
    "Transaction",
    "Withdrawal",
    "WithdrawalList",
    "WithdrawalState",
]

PaymentMethod = Literal[
    "havale_eft",
    "papara",
    "kredi_karti",
    "kripto",
    "mefete",
    "payfix",
    "cepbank",
    "parazula",
    "jeton",
    "mobil_odeme",
    "qr",
]
PlayerStatus = Literal["active", "suspended", "self_excluded"]
DepositState = Literal["pending", "credited", "failed"]
WithdrawalState = Literal["pending", "processing", "paid", "rejected"]
BonusState = Literal["active", "completed", "expired", "forfeited"]
DocumentType = Literal["kimlik", "pasaport", "ehliyet", "ikametgah", "fatura", "selfie"]
DocumentState = Literal["missing", "uploaded", "approved", "rejected"]
KycState = Literal["not_started", "pending", "approved", "rejected"]
ClaimRefusal = Literal[
    "unknown_code",
    "expired",
    "not_eligible_first_deposit",
    "min_deposit_not_met",
    "already_claimed",
    "vip_only",
    "self_excluded",
    "account_suspended",
]
Channel = Literal["sms", "email"]


class Body(BaseModel):
    """A request body: unknown keys and surrounding spaces are refused or trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Player(BaseModel):
    id: int
    username: str
    full_name: str
    email: str
    phone: str = Field(description="E.164, e.g. +905321234567")
    vip_level: int = Field(description="0 for none, up to 5")
    status: PlayerStatus
    created_at: datetime
    language: str


class Balance(BaseModel):
    player_id: int
    cash: float
    bonus: float
    withdrawable: float
    currency: Literal["TRY"] = "TRY"
    updated_at: datetime


class Transaction(BaseModel):
    id: int
    reference: str
    method: PaymentMethod
    amount: float
    currency: Literal["TRY"] = "TRY"
    state: str
    reason: str | None = Field(description="why it failed or was rejected")
    created_at: datetime
    updated_at: datetime
    expected_at: datetime | None = Field(description="when a pending one should complete")
    overdue: bool = Field(description="still open after expected_at")


class Deposit(Transaction):
    state: DepositState


class Withdrawal(Transaction):
    state: WithdrawalState


class DepositList(BaseModel):
    deposits: list[Deposit]


class WithdrawalList(BaseModel):
    withdrawals: list[Withdrawal]


class Eligibility(BaseModel):
    first_deposit_only: bool
    min_deposit: float
    min_vip_level: int
    one_per_player: bool


class Campaign(BaseModel):
    code: str
    name: str
    description: str
    percentage: int
    max_amount: float
    wagering_multiplier: int
    min_deposit: float
    valid_until: datetime
    active: bool
    eligibility: Eligibility


class CampaignList(BaseModel):
    campaigns: list[Campaign]


class PlayerBonus(BaseModel):
    id: int
    code: str
    name: str
    amount: float
    state: BonusState
    wagered: float
    wagering_required: float
    wagering_remaining: float
    progress: float = Field(description="wagered / wagering_required, 0 to 1")
    created_at: datetime
    expires_at: datetime


class PlayerBonusList(BaseModel):
    bonuses: list[PlayerBonus]


class BonusClaimRequest(Body):
    code: str = Field(min_length=1, max_length=40)


class BonusClaimResult(BaseModel):
    status: Literal["credited", "refused"]
    reason: ClaimRefusal | None = None
    message: str = Field(description="Turkish, for the player")
    bonus: PlayerBonus | None = None


class KycDocument(BaseModel):
    type: DocumentType
    state: DocumentState
    reason: str | None = None
    uploaded_at: datetime | None = None
    reviewed_at: datetime | None = None


class KycRequirement(BaseModel):
    requirement: Literal["identity", "address", "selfie"]
    accepted_types: list[DocumentType]
    description: str = Field(description="Turkish, for the player")


class KycStatus(BaseModel):
    player_id: int
    status: KycState
    documents: list[KycDocument]
    missing_documents: list[KycRequirement]


class PasswordResetRequest(Body):
    identifier: str = Field(min_length=1, max_length=254, description="username, e-mail or phone")


class PasswordResetAccepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str


class OutboxMessage(BaseModel):
    id: int
    channel: Channel
    to: str
    subject: str
    body: str
    created_at: datetime


class OutboxList(BaseModel):
    messages: list[OutboxMessage]


class FaultRequest(Body):
    """What the backend should do to matching requests until told otherwise."""

    delay_ms: int = Field(0, ge=0, le=60_000)
    fail_rate: float | None = Field(
        None,
        ge=0,
        le=1,
        description="defaults to 1 when status is given or garbage is true, else 0",
    )
    status: int = Field(500, ge=400, le=599)
    garbage: bool = Field(False, description="fail with a 200 and a non-JSON body")
    paths: list[str] = Field(default_factory=list, description="path prefixes; empty for all")
    times: int | None = Field(None, ge=1, description="affect only the next N requests")

    def effective_fail_rate(self) -> float:
        if self.fail_rate is not None:
            return self.fail_rate
        return 1.0 if self.garbage or "status" in self.model_fields_set else 0.0


class FaultState(BaseModel):
    """The fault plan in force, if any."""

    active: bool
    delay_ms: int = 0
    fail_rate: float = 0.0
    status: int = 500
    garbage: bool = False
    paths: list[str] = Field(default_factory=list)
    times: int | None = None
