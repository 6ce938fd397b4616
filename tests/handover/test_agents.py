"""Agents as they are added, and their passwords (Argon2id)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from bot.errors import DataError
from bot.handover.agents import new_agent, split_names
from bot.handover.logins import authenticate
from bot.handover.passwords import hash_password, needs_rehash, verify_password
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Agent


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


@pytest.mark.anyio
async def test_an_operator_signs_in_with_login_and_password() -> None:
    store = InMemoryQueueStore()
    agent = new_agent(login="ayse", name="Ayşe", password="parola-123")
    await store.add_agent(agent)
    assert (await authenticate(store, "ayse", "parola-123")) == agent
    assert await authenticate(store, "ayse", "Parola-123") is None
    assert await authenticate(store, "kimse", "parola-123") is None
    await store.set_agent_disabled("ayse", True)
    assert await authenticate(store, "ayse", "parola-123") is None


@pytest.mark.anyio
async def test_a_weak_old_hash_is_replaced_at_sign_in() -> None:
    store = InMemoryQueueStore()
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("parola-123")
    await store.add_agent(Agent("a1", "ali", "Ali", password_hash=weak))
    assert await authenticate(store, "ali", "parola-123") is not None
    stored = await store.agent("a1")
    assert stored is not None and stored.password_hash != weak
    assert not needs_rehash(stored.password_hash)
