"""Agents as they are added, and their passwords (Argon2id)."""

from __future__ import annotations

import pytest

from bot.errors import DataError
from bot.handover.agents import new_agent, split_names
from bot.handover.passwords import hash_password, needs_rehash, verify_password


def test_a_password_is_hashed_with_argon2id_and_verified() -> None:
    hashed = hash_password("Çok-gizli-parola")
    assert hashed.startswith("$argon2id$") and "Çok-gizli-parola" not in hashed
    assert hash_password("Çok-gizli-parola") != hashed  # a fresh salt each time
    assert verify_password(hashed, "Çok-gizli-parola")
    assert not verify_password(hashed, "cok-gizli-parola")
    assert not verify_password("", "x") and not verify_password("bozuk", "x")
    assert not needs_rehash(hashed)


def test_a_new_agent_is_offline_with_a_hashed_password() -> None:
    agent = new_agent(
        login="ayse@destek",
        name=" Ayşe Yılmaz ",
        password="parola-123",
        role="supervisor",
        skills=split_names("Finance, kyc, finance"),
        languages=("tr", "en"),
        teams=("vip",),
        max_chats=5,
        now=10.0,
    )
    assert (agent.name, agent.role, agent.status, agent.max_chats) == (
        "Ayşe Yılmaz",
        "supervisor",
        "offline",
        5,
    )
    assert agent.skills == ("finance", "kyc") and agent.teams == ("vip",)
    assert verify_password(agent.password_hash, "parola-123") and len(agent.id) == 16


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("login", "a b", "login"),
        ("role", "boss", "role"),
        ("max_chats", 0, "max chats"),
        ("password", "kisa", "password"),
        ("name", "  ", "name"),
        ("skills", ("Finans!",), "skill"),
    ],
)
def test_a_malformed_agent_is_refused_by_name(field: str, value: object, message: str) -> None:
    fields: dict[str, object] = {"login": "ali", "name": "Ali", "password": "parola-123"}
    fields[field] = value
    with pytest.raises(DataError, match=message):
        new_agent(**fields)  # type: ignore[arg-type]
