"""An admin's change to an agent's profile, in memory, on SQLite and on PostgreSQL: the
profile is replaced, the status, password and disabled flag stay."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.store.queue_base import Agent, QueueStore
from tests.store.test_queue_store import queue_store, queue_store_factory

__all__ = ["queue_store", "queue_store_factory"]


@pytest.mark.anyio
async def test_update_agent_replaces_the_profile_only(queue_store: QueueStore) -> None:
    ali = Agent("ali", "ali@destek", "Ali", password_hash="h1", status="online")
    await queue_store.add_agent(ali)
    changed = replace(
        ali,
        name="Ali Veli",
        role="supervisor",
        skills=("finance", "kyc"),
        languages=("tr", "en"),
        teams=("vip",),
        max_chats=6,
        status="offline",  # not the profile's: ignored
        password_hash="other",
        disabled=True,
    )
    assert await queue_store.update_agent(changed)
    stored = await queue_store.agent("ali")
    assert stored is not None
    assert (stored.name, stored.role, stored.skills, stored.languages) == (
        "Ali Veli", "supervisor", ("finance", "kyc"), ("tr", "en"),
    )  # fmt: skip
    assert (stored.teams, stored.max_chats) == (("vip",), 6)
    assert (stored.status, stored.password_hash, stored.disabled) == ("online", "h1", False)
    assert not await queue_store.update_agent(replace(ali, id="nobody"))
