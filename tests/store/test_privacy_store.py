"""A player's export and erasure on SQLite and PostgreSQL: everything stored about them
is exported, then erased from every table (no text, phone, TC number or sender id left
anywhere), the reports' figures do not move, an agent's open chat is ended, the audit
log says when and by whom and not what, and the export afterwards is empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.dialogue.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatRated,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    LiveAgentUttered,
)
from bot.handover.privacy import PlayerPrivacy, PlayerQuery
from bot.handover.reports import figures, read_facts
from bot.store.audit import PANEL_VIEW, PRIVACY_ERASE, PRIVACY_EXPORT
from bot.store.queue_base import Note, QueueEntry, Ticket
from bot.store.sql_audit import SQLAuditLog
from bot.store.sql_engine import parse_url
from bot.store.sql_privacy import SQLPrivacyStore
from bot.store.sql_queue import SQLQueueStore

PII = ("Ayşe Yılmaz", "10000000146", "0532 123 45 67", "TR330006100519786457841326", "oyuncu-")
ADMIN = "cli:root"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SQLQueueStore]:
    opened = SQLQueueStore(database_url, backoff=0.01)
    yield opened
    await opened.close()


def _privacy(store: SQLQueueStore) -> PlayerPrivacy:
    return PlayerPrivacy(SQLPrivacyStore(store), SQLAuditLog(store), clock=lambda: 5000.0)


async def _player_talked(store: SQLQueueStore, sender_id: str, player_id: int, at: float) -> None:
    """A verified player who asked for a human, got one, was helped and rated it."""
    events = [
        UserUttered(text="merhaba, ben Ayşe Yılmaz", timestamp=at),
        BotUttered(text="Hoş geldiniz", timestamp=at + 1),
        SlotSet("player_id", player_id, timestamp=at + 2),
        SlotSet("verified", True, timestamp=at + 2),
        UserUttered(text="TC 10000000146, tel 0532 123 45 67", timestamp=at + 3),
        UserUttered(text="/human_handoff", timestamp=at + 4),
        ActionExecuted("action_handover", timestamp=at + 4),
        HandoverRequested("player_asked", "finance", summary="Ayşe Yılmaz çekim", timestamp=at + 5),
        HandoverAssigned("agent-1", timestamp=at + 10),
        LiveAgentUttered("agent-1", "IBAN TR330006100519786457841326 doğru mu?", timestamp=at + 20),
        HandoverClosed("agent", "resolved", timestamp=at + 30),
        CsatAsked(timestamp=at + 31),
        CsatRated(4, "Ayşe Yılmaz memnun", timestamp=at + 40),
    ]
    await store.append(sender_id, [event.as_dict() for event in events])
    record = {"reason": "player_asked", "skill": "finance", "priority": 0,
              "summary": "Ayşe Yılmaz çekim", "timestamp": at + 5}  # fmt: skip
    await store.record_handover(sender_id, record)
    entry = QueueEntry(sender_id, "player_asked", summary="Ayşe Yılmaz çekim", requested_at=at + 5,
                       player={"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"})  # fmt: skip
    await store.enqueue(entry)
    await store.finish(sender_id, "closed", at + 30, "follow_up")
    await store.add_ticket(Ticket(sender_id, "outside_hours", "general", ("0532 123 45 67",), at))
    await store.add_note(Note(sender_id, "agent-1", "Ayşe Yılmaz, TC 10000000146", at + 21))


async def _open_chat(store: SQLQueueStore, sender_id: str, player_id: int, at: float) -> None:
    """A second conversation of the player, held by an agent right now."""
    events = [
        SlotSet("player_id", str(player_id), timestamp=at),
        UserUttered(text="yine ben, Ayşe Yılmaz", timestamp=at + 1),
        HandoverRequested("complaint", "general", timestamp=at + 2),
        HandoverAssigned("agent-1", timestamp=at + 3),
    ]
    await store.append(sender_id, [event.as_dict() for event in events])
    await store.enqueue(QueueEntry(sender_id, "complaint", summary="Ayşe", requested_at=at + 2))
    assert await store.assign(sender_id, "agent-1", at + 3)


def _every_row(url: str) -> str:
    """Every table's every row as text, for looking for what must be gone."""
    engine = create_engine(parse_url(url))
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            rows = [
                repr(row)
                for table in tables
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows)


async def _report(store: SQLQueueStore) -> dict[str, Any]:
    return figures(await read_facts(store), 0.0, 10_000.0).as_dict()


@pytest.mark.anyio
async def test_export_erase_and_export_again_is_empty(
    store: SQLQueueStore, database_url: str
) -> None:
    await _player_talked(store, "oyuncu-1", 42, 1000.0)
    await _open_chat(store, "oyuncu-2", 42, 2000.0)
    await store.append("someone-else", [SlotSet("player_id", 7).as_dict(),
                                        UserUttered(text="selam").as_dict()])  # fmt: skip
    privacy = _privacy(store)
    await privacy.audit.record("ayse", PANEL_VIEW, "oyuncu-1", {"available": True}, at=1500.0)
    before = await _report(store)

    one = await privacy.export(PlayerQuery(sender_id="oyuncu-1"), ADMIN)
    (conversation,) = one["conversations"]
    assert conversation["sender_id"] == "oyuncu-1" and len(conversation["events"]) == 13
    assert conversation["handovers"][0]["summary"] == "Ayşe Yılmaz çekim"
    assert conversation["queue_entries"][0]["player"]["phone"] == "0532 123 45 67"
    assert conversation["tickets"][0]["messages"] == ["0532 123 45 67"]
    assert conversation["notes"][0]["text"] == "Ayşe Yılmaz, TC 10000000146"
    assert conversation["csat"] == [{"timestamp": 1040.0, "score": 4,
                                     "comment": "Ayşe Yılmaz memnun"}]  # fmt: skip
    assert [a["action"] for a in conversation["audit"]] == [PANEL_VIEW]
    assert "actor" not in conversation["audit"][0]  # what was done, not which agent did it
    both = await privacy.export(PlayerQuery(player_id="42"), ADMIN)
    assert [c["sender_id"] for c in both["conversations"]] == ["oyuncu-1", "oyuncu-2"]

    erasure = await privacy.erase(PlayerQuery(player_id="42"), ADMIN)
    assert erasure.reference is not None and erasure.reference.startswith("erased-")
    assert erasure.counts["conversations"] == 2 and erasure.counts["notes_removed"] == 1
    assert erasure.counts["queue_entries"] == 2 and erasure.counts["tickets"] == 1
    assert erasure.counts["audit_records"] == 3  # the panel view and both exports

    dump = _every_row(database_url)
    for needle in PII:
        assert needle not in dump
    assert "someone-else" in dump  # another player's conversation is untouched
    assert await store.entry("oyuncu-2") is None  # the agent's open chat was ended
    assert await store.agent_loads() == {}
    assert await store.followups_due("follow_up", 0.0, 10_000.0) == []  # nobody asks them
    assert await store.load_since("oyuncu-1", 13, 1040.0) is None  # cached trackers reload
    assert await _report(store) == before  # the figures did not move

    for query in (PlayerQuery(sender_id="oyuncu-1"), PlayerQuery(player_id="42")):
        assert (await privacy.export(query, ADMIN))["conversations"] == []
    again = await privacy.erase(PlayerQuery(sender_id="oyuncu-1"), ADMIN)
    assert again.reference is None and not any(again.counts.values())


@pytest.mark.anyio
async def test_the_audit_log_says_when_and_by_whom_not_what(store: SQLQueueStore) -> None:
    await _player_talked(store, "oyuncu-1", 42, 1000.0)
    privacy = _privacy(store)
    await privacy.export(PlayerQuery(sender_id="oyuncu-1"), ADMIN)
    erasure = await privacy.erase(PlayerQuery(sender_id="oyuncu-1"), ADMIN)
    erase, export = await privacy.audit.list()
    assert (erase.action, erase.actor, erase.at, erase.subject) == (
        PRIVACY_ERASE, ADMIN, 5000.0, erasure.reference,
    )  # fmt: skip
    assert erase.details["events_anonymised"] == 9 and erase.details["notes_removed"] == 1
    assert (export.action, export.subject) == (PRIVACY_EXPORT, erasure.reference)
    for needle in PII:
        assert needle not in repr([erase.as_dict(), export.as_dict()])


@pytest.mark.anyio
async def test_an_unknown_player_exports_nothing_and_erases_nothing(store: SQLQueueStore) -> None:
    privacy = _privacy(store)
    assert (await privacy.export(PlayerQuery(player_id="99"), ADMIN))["conversations"] == []
    erasure = await privacy.erase(PlayerQuery(sender_id="kimse"), ADMIN)
    assert erasure.reference is None
    erase = (await privacy.audit.list(action=PRIVACY_ERASE))[0]
    assert erase.subject == "" and erase.details["conversations"] == 0
