"""What the account backend answers, as frozen values (read by :mod:`actions.backend_client`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "Balance",
    "Campaign",
    "KycDocument",
    "KycStatus",
    "OtpResult",
    "PlayerBonus",
    "Transaction",
]


@dataclass(frozen=True, slots=True)
class Transaction:
    reference: str
    method: str
    amount: float
    state: str
    reason: str | None
    created_at: datetime
    expected_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class Balance:
    cash: float
    bonus: float
    withdrawable: float


@dataclass(frozen=True, slots=True)
class Campaign:
    code: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class PlayerBonus:
    code: str
    name: str
    amount: float
    wagered: float
    wagering_required: float
    wagering_remaining: float
    progress: float
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class KycDocument:
    type: str
    state: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class KycStatus:
    status: str
    documents: tuple[KycDocument, ...]
    missing: tuple[str, ...]  # Turkish descriptions of what to upload


@dataclass(frozen=True, slots=True)
class OtpResult:
    """A send (``sent``/``locked``) or a check (``verified``, ``wrong_code``, ...).

    ``lockout_started``: this wrong code began the lockout (the answers after it: False);
    ``player_id``: who was verified.
    """

    status: str
    attempts_left: int | None = None
    locked_until: datetime | None = None
    destination: str | None = None
    expires_in: int | None = None
    lockout_started: bool = False
    player_id: int | None = None
