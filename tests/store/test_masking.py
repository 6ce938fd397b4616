"""The stores the factory builds mask personal data as they write it, in memory, on SQLite
and on PostgreSQL: events, handover records, queue entries, tickets and notes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError, StoreError
from bot.privacy_config import PrivacyConfig
from bot.server.runtime import ConversationService
from bot.settings import Settings
from bot.store.base import TrackerStore
from bot.store.factory import queue_store_from_endpoint, tracker_store_from_endpoint
from bot.store.masking import StoreMasking
from bot.store.memory import InMemoryTrackerStore
from bot.store.queue_base import Note, QueueEntry, QueueStore, Ticket
from bot.store.sql import SQLTrackerStore

PHONE, CARD, TCKN = "+90 532 123 45 67", "4111 1111 1111 1111", "12345678950"
IBAN, EMAIL = "TR33 0006 1005 1978 6457 8413 26", "ali.veli@example.com"
SAID = f"tel {PHONE}, kart {CARD}, tc {TCKN}, iban {IBAN}, mail {EMAIL}"
MASKED = (
    "tel +90 5** *** ** 67, kart **** **** **** 1111, tc *********50, "
    "iban TR** **** **** **** **** **** 26, mail a***@example.com"
)


def _options(kind: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    if kind == "memory":
        return {"type": "in_memory"}
    return {"type": "sql", "url": request.getfixturevalue(f"{kind}_url")}


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[TrackerStore]:
    built = tracker_store_from_endpoint(_options(request.param, request))
    yield built
    await built.close()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def queue(request: pytest.FixtureRequest) -> AsyncIterator[QueueStore]:
    built = queue_store_from_endpoint(_options(request.param, request))
    yield built
    await built.close()


def _user(text: str, timestamp: float, **extra: Any) -> dict[str, Any]:
    entities = [{"entity": "phone", "value": PHONE, "start": 4, "end": 21}]
    parse = {"text": text, "intent": {"name": "inform", "confidence": 0.9}, "entities": entities}
    return {"event": "user", "timestamp": timestamp, "text": text, "parse_data": parse, **extra}


def _slot(name: str, value: Any, timestamp: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": timestamp, "name": name, "value": value}


@pytest.mark.anyio
async def test_every_text_of_an_event_is_masked_and_names_are_not(store: TrackerStore) -> None:
    await store.append(
        "p1",
        [
            _user(SAID, 1.0, message_id="5321234567", input_channel="rest"),
            _slot("phone", PHONE, 2.0),
            _slot("details", {"iban": IBAN, "cards": [CARD]}, 3.0),
            {"event": "bot", "timestamp": 4.0, "text": f"Kartınız {CARD} mi?", "data": {}},
            {"event": "agent_uttered", "timestamp": 5.0, "agent_id": "a1", "text": EMAIL},
            {"event": "handover_requested", "timestamp": 6.0, "reason": "player_asked",
             "skill": "finance", "priority": 1, "summary": f'Son mesajlar: "{SAID}" | "482913"'},
        ],
    )  # fmt: skip
    user, phone, details, bot, agent, handover = await store.load("p1")
    assert user["text"] == MASKED
    assert user["parse_data"]["text"] == MASKED
    assert user["parse_data"]["entities"][0] == {
        "entity": "phone",
        "value": "+90 5** *** ** 67",
        "start": 4,
        "end": 21,
    }
    assert user["message_id"] == "5321234567"  # names and ids stay: a retry is still known
    assert user["parse_data"]["intent"] == {"name": "inform", "confidence": 0.9}
    assert phone["value"] == "+90 5** *** ** 67"
    assert details["value"] == {
        "iban": "TR** **** **** **** **** **** 26",
        "cards": ["**** **** **** 1111"],
    }
    assert bot["text"] == "Kartınız **** **** **** 1111 mi?"
    assert agent["text"] == "a***@example.com" and agent["agent_id"] == "a1"
    assert handover["summary"] == f'Son mesajlar: "{MASKED}" | "******"'
    assert [e["timestamp"] for e in await store.load("p1")] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


@pytest.mark.anyio
async def test_a_code_is_never_stored_nor_the_message_that_carried_it(store: TrackerStore) -> None:
    await store.append(
        "p1",
        [
            _slot("requested_slot", "otp_code", 1.0),
            _user("bu mu 48 29 13", 2.0),  # no code word, not alone: found by the slot it filled
            _slot("otp_code", "48 29 13", 3.0),
            _slot("otp_code", None, 4.0),
            _slot("player_id", 5321234567, 5.0),
            _user("tamam", 6.0),
        ],
    )
    _, user, code, cleared, player, later = await store.load("p1")
    assert user["text"] == "bu mu ** ** **"
    assert user["parse_data"]["text"] == "bu mu ** ** **"
    assert code["value"] == "** ** **" and cleared["value"] is None
    assert player["value"] == 5321234567  # an account reference, stored as given
    assert later["text"] == "tamam"


@pytest.mark.anyio
async def test_a_code_held_as_a_number_becomes_null_which_every_slot_takes(
    store: TrackerStore,
) -> None:
    await store.append("p1", [_user("482913", 1.0), _slot("otp_code", 482913, 2.0)])
    user, code = await store.load("p1")
    assert user["text"] == "******"
    assert code["value"] is None


@pytest.mark.anyio
async def test_a_handover_record_and_load_since_see_the_masked_rows(store: TrackerStore) -> None:
    record = {"reason": "rule", "skill": "general", "priority": 1, "timestamp": 1.0,
              "summary": f'Bilgiler: phone={PHONE}\nSon mesajlar: "482913"'}  # fmt: skip
    await store.record_handover("p1", record)
    (stored,) = await store.handovers("p1")
    assert stored["summary"] == 'Bilgiler: phone=+90 5** *** ** 67\nSon mesajlar: "******"'
    await store.append("p1", [_user(SAID, 1.0)])
    await store.append("p1", [_user(CARD, 2.0)])
    since = await store.load_since("p1", 1, 1.0)  # the stored prefix is what the engine holds
    assert since is not None and since[0]["text"] == "**** **** **** 1111"


@pytest.mark.anyio
async def test_a_malformed_event_is_still_refused(store: TrackerStore) -> None:
    with pytest.raises(StoreError, match="event 1 has no 'event' name"):
        await store.append("p1", [_user("x", 1.0), {"text": CARD}])
    assert await store.load("p1") == []


@pytest.mark.anyio
async def test_queue_entries_tickets_and_notes_are_masked(queue: QueueStore) -> None:
    entry = QueueEntry(
        sender_id="p1",
        reason="player_asked",
        summary=f'Son mesajlar: "{SAID}" | "482913"',
        requested_at=1.0,
        player={"player_id": 1001, "phone": PHONE, "email": EMAIL, "verified": True},
    )
    stored = await queue.enqueue(entry)
    assert stored.summary == f'Son mesajlar: "{MASKED}" | "******"'
    assert dict(stored.player) == {
        "player_id": 1001,
        "phone": "+90 5** *** ** 67",
        "email": "a***@example.com",
        "verified": True,
    }
    fetched = await queue.entry("p1")
    assert fetched is not None and fetched.summary == stored.summary
    await queue.add_ticket(Ticket("p1", "outside_hours", "general", (SAID, "482913"), 2.0))
    (ticket,) = await queue.tickets()
    assert ticket.messages == (MASKED, "******")
    await queue.add_note(Note("p1", "a1", f"IBAN'ı {IBAN} olarak güncellendi", 3.0))
    (note,) = await queue.notes("p1")
    assert note.text == "IBAN'ı TR** **** **** **** **** **** 26 olarak güncellendi"


@pytest.mark.anyio
async def test_a_type_turned_off_is_stored_as_written(sqlite_url: str) -> None:
    privacy = {"mask_before_storing": {"phone": False, "tckn": "always"}}
    store = tracker_store_from_endpoint({"type": "sql", "url": sqlite_url}, privacy)
    try:
        await store.append("p1", [_user(f"{PHONE} {CARD} tc 12345678951", 1.0)])
        (user,) = await store.load("p1")
        assert user["text"] == f"{PHONE} **** **** **** 1111 tc *********51"
    finally:
        await store.close()


def test_the_factory_keeps_the_store_types_others_check_for(tmp_path: Path) -> None:
    assert isinstance(tracker_store_from_endpoint({"type": "in_memory"}), InMemoryTrackerStore)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert isinstance(tracker_store_from_endpoint({"type": "sql", "url": url}), SQLTrackerStore)
    assert isinstance(queue_store_from_endpoint({"type": "sql", "url": url}), SQLTrackerStore)


def test_an_unknown_type_in_the_privacy_section_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown type 'passport'"):
        tracker_store_from_endpoint(None, {"mask_before_storing": ["passport"]})
    with pytest.raises(ConfigError, match="unknown type 'passport'"):
        queue_store_from_endpoint(None, {"mask_before_storing": {"passport": True}})


def test_the_server_refuses_to_start_with_a_malformed_privacy_section(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: in_memory\nprivacy:\n  mask_before_storing: [tckn, pasaport]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"privacy\.mask_before_storing: unknown type 'pasaport'"):
        ConversationService.from_settings(Settings(endpoints=endpoints))


def test_masking_leaves_the_callers_events_alone() -> None:
    events = [_user(SAID, 1.0)]
    masked = StoreMasking(PrivacyConfig()).events(events)
    assert events[0]["text"] == SAID and masked[0]["text"] == MASKED
