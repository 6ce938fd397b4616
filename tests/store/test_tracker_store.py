"""The tracker store contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.errors import StoreError
from bot.store.base import TrackerStore

pytestmark = pytest.mark.anyio

StoreFactory = Callable[[], TrackerStore]

TURKISH_EVENTS: list[dict[str, Any]] = [
    {"event": "action", "timestamp": 1700000000.125, "name": "action_listen", "policy": None},
    {
        "event": "user",
        "timestamp": 1700000001.5,
        "text": "Şifremi unuttum, çekimim gelmedi! İĞÜŞÖÇ ığüşöç",
        "parse_data": {
            "intent": {"name": "password_reset", "confidence": 0.93},
            "entities": [{"entity": "amount", "value": 1500, "text": "1.500 TL"}],
        },
        "input_channel": "telegram",
        "message_id": "abc",
        "metadata": {"vip": True, "tags": ["ödeme", "₺250"]},
    },
    {"event": "user", "timestamp": 1700000002.0, "text": "sifremi unutum knk cekimim gelmedi"},
    {"event": "bot", "timestamp": 1700000003.0, "text": "Hemen yardımcı oluyorum 🙂", "data": {}},
    {"event": "slot", "timestamp": 1700000004.0, "name": "amount", "value": None},
]


def user(text: str, timestamp: float = 1.0) -> dict[str, Any]:
    return {"event": "user", "timestamp": timestamp, "text": text}


def handover(reason: str, timestamp: float, priority: int = 1) -> dict[str, Any]:
    return {
        "reason": reason,
        "skill": "finance",
        "priority": priority,
        "summary": f"oyuncu {reason} için insan istiyor",
        "timestamp": timestamp,
    }


async def test_events_round_trip_unchanged_with_turkish_text(tracker_store: TrackerStore) -> None:
    await tracker_store.append("oyuncu-1", TURKISH_EVENTS)
    assert await tracker_store.load("oyuncu-1") == TURKISH_EVENTS


async def test_unknown_conversation_has_no_events(tracker_store: TrackerStore) -> None:
    assert await tracker_store.load("nobody") == []


async def test_appends_keep_their_order(tracker_store: TrackerStore) -> None:
    await tracker_store.append("c", [user("bir"), user("iki")])
    await tracker_store.append("c", [])
    await tracker_store.append("c", [user("üç")])
    await tracker_store.append("other", [user("başka")])
    loaded = await tracker_store.load("c")
    assert [event["text"] for event in loaded] == ["bir", "iki", "üç"]


async def test_loaded_events_are_copies(tracker_store: TrackerStore) -> None:
    event = user("merhaba")
    await tracker_store.append("c", [event])
    event["text"] = "changed"
    (await tracker_store.load("c"))[0]["text"] = "changed too"
    assert await tracker_store.load("c") == [user("merhaba")]


@pytest.mark.parametrize(
    "bad_event",
    [
        {"text": "no event name"},
        {"event": "user", "value": object()},
        {"event": "user", "x": float("nan")},
    ],
    ids=["no-name", "not-json", "nan"],
)
async def test_append_is_all_or_nothing(
    tracker_store: TrackerStore, bad_event: dict[str, Any]
) -> None:
    await tracker_store.append("c", [user("önce")])
    with pytest.raises(StoreError, match="event 1"):
        await tracker_store.append("c", [user("sonra"), bad_event, user("en son")])
    assert await tracker_store.load("c") == [user("önce")]


async def test_concurrent_appends_lose_nothing_and_never_interleave(
    tracker_store: TrackerStore,
) -> None:
    appenders, appends_each = 8, 6

    async def appender(number: int) -> None:
        for index in range(appends_each):
            pair = [user(f"{number}:{index}:a"), user(f"{number}:{index}:b")]
            await tracker_store.append("shared", pair)

    await asyncio.gather(*(appender(number) for number in range(appenders)))
    texts = [event["text"] for event in await tracker_store.load("shared")]
    assert len(texts) == len(set(texts)) == appenders * appends_each * 2
    for first, second in zip(texts[::2], texts[1::2], strict=True):  # each append stays whole
        assert (first[:-1], first[-1], second[-1]) == (second[:-1], "a", "b")
    for number in range(appenders):
        own = [text for text in texts if text.startswith(f"{number}:")]
        assert own == [f"{number}:{i}:{part}" for i in range(appends_each) for part in "ab"]


async def test_two_store_instances_share_one_conversation(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    try:

        async def appender(store: TrackerStore, name: str) -> None:
            for index in range(10):
                await store.append("shared", [user(f"{name}{index}")])

        await asyncio.gather(appender(first, "x"), appender(second, "y"))
        for store in (first, second):
            texts = [event["text"] for event in await store.load("shared")]
            assert sorted(texts) == sorted(
                [f"x{i}" for i in range(10)] + [f"y{i}" for i in range(10)]
            )
            assert [text for text in texts if text[0] == "x"] == [f"x{i}" for i in range(10)]
            assert [text for text in texts if text[0] == "y"] == [f"y{i}" for i in range(10)]
    finally:
        await first.close()
        await second.close()


async def test_handover_records(tracker_store: TrackerStore) -> None:
    late = await tracker_store.record_handover("a", handover("şikayet", 20.0, priority=3))
    early = await tracker_store.record_handover("b", handover("çekim", 10.0))
    again = await tracker_store.record_handover("a", handover("bonus", 30.0))
    assert len({late, early, again}) == 3

    records = await tracker_store.handovers()
    assert [record["id"] for record in records] == [early, late, again]  # oldest first
    assert records[1] == {
        "id": late,
        "sender_id": "a",
        "reason": "şikayet",
        "skill": "finance",
        "priority": 3,
        "summary": "oyuncu şikayet için insan istiyor",
        "status": "open",
        "created_at": 20.0,
    }
    assert [record["id"] for record in await tracker_store.handovers("a")] == [late, again]
    assert len(await tracker_store.handovers(status="open")) == 3
    assert await tracker_store.handovers("a", status="closed") == []
    assert await tracker_store.handovers("nobody") == []


async def test_handover_record_must_be_complete(tracker_store: TrackerStore) -> None:
    record = handover("x", 1.0)
    del record["skill"]
    with pytest.raises(StoreError, match="skill"):
        await tracker_store.record_handover("a", record)
    with pytest.raises(StoreError, match="priority"):
        await tracker_store.record_handover("a", {**handover("x", 1.0), "priority": "high"})
    assert await tracker_store.handovers() == []


async def test_conversation_ids(tracker_store: TrackerStore) -> None:
    assert await tracker_store.conversation_ids() == []
    await tracker_store.append("ayşe", [user("selam")])
    await tracker_store.append("mehmet", [user("slm")])
    await tracker_store.append("ayşe", [user("şifre")])
    assert sorted(await tracker_store.conversation_ids()) == ["ayşe", "mehmet"]


async def test_load_since_gives_only_what_was_added(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()  # two workers
    try:
        await first.append("p", TURKISH_EVENTS[:3])
        assert await first.load_since("p", 0, None) == TURKISH_EVENTS[:3]
        assert await first.load_since("p", 3, 1700000002.0) == []
        await second.append("p", TURKISH_EVENTS[3:])
        assert await first.load_since("p", 3, 1700000002.0) == TURKISH_EVENTS[3:]
    finally:
        await first.close()
        if second is not first:
            await second.close()


async def test_load_since_refuses_a_prefix_that_is_not_stored(tracker_store: TrackerStore) -> None:
    await tracker_store.append("p", TURKISH_EVENTS[:3])
    # The third event has another time, or there are fewer events than the caller holds:
    # the caller's copy is not what is stored, and it must read the conversation whole.
    assert await tracker_store.load_since("p", 3, 1234.0) is None
    assert await tracker_store.load_since("p", 4, 1700000003.0) is None
    assert await tracker_store.load_since("unknown", 2, 1.0) is None
    assert await tracker_store.load_since("unknown", 0, None) == []
