"""The player panel as each role reads it: an agent sees the account's personal data
masked, a supervisor or an admin in clear."""

from __future__ import annotations

import pytest

from bot.server.console.routes_player import account_for_role
from bot.server.console.schemas_player import AccountOut
from bot.store.queue_base import Agent

ACCOUNT = AccountOut.model_validate(
    {
        "player_id": 1001,
        "username": "ahmet.yilmaz@example.com",
        "full_name": "Ahmet Yılmaz",
        "vip_level": 1,
        "status": "active",
        "language": "tr",
        "balance": {"cash": 320.5, "bonus": 0, "withdrawable": 320.5, "currency": "TRY"},
        "deposits": [],
        "withdrawals": [
            {
                "reference": "W-1001-1",
                "method": "havale",
                "amount": 1500,
                "currency": "TRY",
                "state": "rejected",
                "reason": "IBAN TR33 0006 1005 1978 6457 8413 26 adınıza değil; +90 532 123 45 67",
                "created_at": "2026-11-21T20:40:00+03:00",
            }
        ],
        "bonuses": [],
        "kyc": {"status": "approved", "documents": [], "missing": []},
    }
)


def test_an_agent_reads_the_accounts_personal_data_masked() -> None:
    shown = account_for_role(Agent("a1", "ayse", "Ayşe", role="agent"), ACCOUNT)
    assert shown.username == "a***@example.com"
    assert shown.withdrawals[0].reason == (
        "IBAN TR** **** **** **** **** **** 26 adınıza değil; +90 5** *** ** 67"
    )
    assert shown.full_name == "Ahmet Yılmaz" and shown.balance == ACCOUNT.balance
    assert shown.withdrawals[0].amount == 1500 and shown.withdrawals[0].reference == "W-1001-1"


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_supervisor_or_an_admin_reads_it_in_clear(role: str) -> None:
    assert account_for_role(Agent("s1", "sefa", "Sefa", role=role), ACCOUNT) == ACCOUNT
