"""A turn whose events are stored is answered, whatever fails after: the player is
never told "not stored, retry" about a message that was (the retry would find it done
and say nothing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.channels import UserMessage
from bot.store.sql import SQLTrackerStore
from tests.dialogue.engine_project import make_engine, train_project

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_stored_handover_is_answered_though_its_record_fails(tmp_path: Path) -> None:
    core = train_project(tmp_path / "project")
    database = tmp_path / "destek.db"
    store = SQLTrackerStore(f"sqlite:///{database}", retries=1, backoff=0.001)
    await store.open()
    with sqlite3.connect(database) as connection:  # the handover record cannot be written
        connection.execute("DROP TABLE handovers")
    engine = make_engine(core, store=store)  # type: ignore[arg-type]
    try:
        replies = await engine.handle(UserMessage("temsilci istiyorum", "p1", message_id="m1"))
        assert replies  # answered, not a StoreError (which the server turns into a 503)
        events = await store.load("p1")
        assert [e["event"] for e in events].count("handover_requested") == 1
        # the player's retry finds the message stored and stores nothing again
        assert await engine.handle(UserMessage("temsilci istiyorum", "p1", message_id="m1")) == []
        assert len(await store.load("p1")) == len(events)
    finally:
        await store.close()
