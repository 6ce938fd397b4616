"""The live-agent queue with its desk on real stores: routing the moment capacity frees,
hand picks and the accept race, transfers, closing, refusals, and the player's notices."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.dialogue.domain import Domain
from bot.errors import HandoverError
from bot.handover.topics import QUEUE_TOPIC, conversation_topic
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import QueueEntry, Team
from bot.store.sql_queue import SQLQueueStore
from tests.handover.conftest import Floor, make_floor

pytestmark = pytest.mark.anyio


async def test_a_request_goes_at_once_to_an_online_agent_with_the_skill(floor: Floor) -> None:
    await floor.agent("ali", skills=("kyc",))
    await floor.agent("veli", skills=("finance",))
    await floor.ask_for_a_human("p1", skill="finance")
    entry = await floor.store.entry("p1")
    assert entry is not None and (entry.status, entry.agent_id) == ("assigned", "veli")
    assert floor.channel.texts("p1") == ["Temsilcimiz Veli sohbete katıldı."]
    assert (await floor.events("p1"))[-2:] == ["handover_assigned", "bot"]


async def test_with_nobody_online_the_player_is_told_at_once(floor: Floor) -> None:
    await floor.agent("ali", status="offline")
    await floor.ask_for_a_human("p1")
    assert floor.channel.texts("p1") == ["Şu an çevrimiçi temsilcimiz yok."]
    assert (await floor.store.entry("p1")).status == "waiting"  # type: ignore[union-attr]
    await floor.agents.set_status("ali", "online")  # an agent logs in: routed at once
    assert (await floor.store.entry("p1")).agent_id == "ali"  # type: ignore[union-attr]


async def test_a_waiting_player_hears_their_place_and_an_honest_wait(floor: Floor) -> None:
    await floor.agent("ali", max_chats=1)
    for sender in ("p1", "p2", "p3"):
        await floor.ask_for_a_human(sender)
        floor.clock.advance(1)
    # p1 is with ali; p2 is next, p3 after; no closed chat yet: 5 minutes a chat
    assert floor.channel.texts("p2") == ["Sıradaki yeriniz: 1. Tahmini bekleme: 5 dk."]
    assert floor.channel.texts("p3") == ["Sıradaki yeriniz: 2. Tahmini bekleme: 10 dk."]
    events = await floor.trackers.load("p3")
    waiting = [e for e in events if e["event"] == "handover_waiting"]
    assert waiting[-1]["position"] == 2 and waiting[-1]["wait_seconds"] == 600.0


async def test_closing_frees_the_slot_for_the_next_in_line(floor: Floor) -> None:
    await floor.agent("ali", max_chats=1)
    await floor.ask_for_a_human("p1")
    await floor.ask_for_a_human("p2")
    await floor.ask_for_a_human("rg", priority=3)  # responsible gambling jumps the queue
    floor.clock.advance(120)
    await floor.agents.close("p1", "ali", "resolved")
    assert (await floor.store.entry("rg")).agent_id == "ali"  # type: ignore[union-attr]
    assert (await floor.store.entry("p2")).status == "waiting"  # type: ignore[union-attr]
    assert floor.channel.texts("p1")[-1] == "Görüşmemizi 1-5 arası puanlar mısınız?"
    assert (await floor.events("p1"))[-3:] == ["handover_closed", "bot", "csat_asked"]
    assert await floor.store.recent_handle_times(5) == [120.0]


async def test_an_agent_picks_by_hand_and_two_at_once_leave_one_winner(floor: Floor) -> None:
    await floor.ask_for_a_human("p1")  # nobody online yet
    await floor.agent("ali", status="away")
    await floor.agent("veli", status="away")
    with pytest.raises(HandoverError, match="online"):
        await floor.agents.accept("p1", "ali")
    await floor.store.set_agent_status("ali", "online")
    await floor.store.set_agent_status("veli", "online")
    results = await asyncio.gather(
        floor.agents.accept("p1", "ali"), floor.agents.accept("p1", "veli"), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, HandoverError)]
    assert len(errors) == 1 and "another agent" in str(errors[0])
    assert (await floor.events("p1")).count("handover_assigned") == 1


async def test_an_agent_may_only_write_in_a_chat_they_hold(floor: Floor) -> None:
    await floor.agent("ali")
    await floor.agent("veli", status="offline")
    await floor.ask_for_a_human("p1")
    await floor.agents.agent_message("p1", "ali", "Merhaba, ben Ali. Hemen bakıyorum.")
    assert floor.channel.texts("p1")[-1] == "Merhaba, ben Ali. Hemen bakıyorum."
    with pytest.raises(HandoverError, match="another agent"):
        await floor.agents.agent_message("p1", "veli", "Ben de buradayım")
    with pytest.raises(HandoverError, match="another agent"):
        await floor.desk.agent_message("p1", "veli", "desk'e doğrudan")
    await floor.agents.close("p1", "ali")
    with pytest.raises(HandoverError):
        await floor.agents.agent_message("p1", "ali", "bir şey daha")
    with pytest.raises(HandoverError, match="closed"):
        await floor.desk.agent_message("p1", "ali", "bir şey daha")
    with pytest.raises(HandoverError):
        await floor.agents.close("p1", "ali")
    assert "bir şey daha" not in floor.channel.texts("p1")


async def test_a_transfer_to_an_offline_agent_is_refused(floor: Floor) -> None:
    await floor.agent("ali")
    await floor.agent("veli", status="offline")
    await floor.ask_for_a_human("p1")
    with pytest.raises(HandoverError, match="not online"):
        await floor.agents.transfer("p1", "ali", to_agent="veli", note="finans sorusu")
    with pytest.raises(HandoverError, match="unknown"):
        await floor.agents.transfer("p1", "ali", to_agent="kimse")
    assert (await floor.store.entry("p1")).agent_id == "ali"  # type: ignore[union-attr]
    assert await floor.store.notes("p1") == []


async def test_a_transfer_to_an_agent_or_a_team_carries_a_private_note(floor: Floor) -> None:
    await floor.agent("ali")
    await floor.agent("veli", status="offline", teams=("vip",))
    await floor.agent("ayse")
    await floor.store.add_team(Team("vip"))
    await floor.ask_for_a_human("p1")
    owner = (await floor.store.entry("p1")).agent_id  # type: ignore[union-attr]
    other = "ayse" if owner == "ali" else "ali"
    with pytest.raises(HandoverError, match="another agent"):
        await floor.agents.transfer("p1", other, to_agent=owner)
    await floor.agents.transfer("p1", owner, to_agent=other, note="Papara sorusu")
    assert (await floor.store.entry("p1")).agent_id == other  # type: ignore[union-attr]
    await floor.agents.transfer("p1", other, team="vip", note="VIP oyuncu")
    assert (await floor.store.entry("p1")).status == "waiting"  # type: ignore[union-attr]
    await floor.agents.set_status("veli", "online")
    assert (await floor.store.entry("p1")).agent_id == "veli"  # type: ignore[union-attr]
    assert [n.text for n in await floor.store.notes("p1")] == ["Papara sorusu", "VIP oyuncu"]
    assert not any("Papara sorusu" in t or "VIP" in t for t in floor.channel.texts("p1"))
    assert (await floor.events("p1")).count("handover_assigned") == 3


async def test_a_supervisor_may_close_any_chat(floor: Floor) -> None:
    await floor.agent("ali")
    await floor.agent("sef", status="away", role="supervisor")
    await floor.agent("veli", status="away")
    await floor.ask_for_a_human("p1")
    with pytest.raises(HandoverError, match="another agent"):
        await floor.agents.close("p1", "veli")
    await floor.agents.close("p1", "sef", "spam")
    closed = [e for e in await floor.trackers.load("p1") if e["event"] == "handover_closed"]
    assert closed[-1]["by"] == "supervisor" and closed[-1]["resolution"] == "spam"


async def test_a_player_who_went_back_to_the_bot_frees_the_agent(floor: Floor) -> None:
    await floor.agent("ali", max_chats=1)
    await floor.ask_for_a_human("p1")
    await floor.ask_for_a_human("p2")
    await floor.trackers.append("p1", [{"event": "handover_closed", "by": "player"}])
    await floor.queue.withdraw("p1", "player")
    assert await floor.store.entry("p1") is None
    assert (await floor.store.entry("p2")).agent_id == "ali"  # type: ignore[union-attr]


async def test_the_console_sees_the_queue_and_the_conversation_live(floor: Floor) -> None:
    async with (
        floor.fanout.subscribe(QUEUE_TOPIC) as queue_feed,
        floor.fanout.subscribe(conversation_topic("p1")) as chat_feed,
    ):
        await floor.agent("ali")
        await floor.ask_for_a_human("p1")
        await floor.agents.agent_message("p1", "ali", "Merhaba")
        kinds = [(await asyncio.wait_for(anext(queue_feed), 5))["type"] for _ in range(3)]
        assert kinds == ["agent_status", "queued", "assigned"]
        first = await asyncio.wait_for(anext(chat_feed), 5)
        second = await asyncio.wait_for(anext(chat_feed), 5)
        assert (first["type"], second["type"]) == ("assigned", "agent_message")
        assert second["events"][0]["text"] == "Merhaba"


@pytest.fixture(params=["sqlite", "postgresql"])
async def sql_floors(
    request: pytest.FixtureRequest, handover_domain: Domain
) -> AsyncIterator[tuple[Floor, Floor]]:
    """Two workers' queues on one database, sharing the conversations."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    stores = [SQLQueueStore(url, backoff=0.01), SQLQueueStore(url, backoff=0.01)]
    first = make_floor(stores[0], handover_domain)
    second = make_floor(stores[1], handover_domain, trackers=first.trackers)
    yield first, second
    for store in stores:
        await store.close()


async def test_two_workers_accepting_the_same_chat_leave_one_winner(
    sql_floors: tuple[Floor, Floor],
) -> None:
    one, two = sql_floors
    for sender in ("p1", "p2"):
        await one.ask_for_a_human(sender)  # nobody online: both wait
    await one.agent("ali", status="away", max_chats=1)
    await one.agent("veli", status="away")
    await two.store.set_agent_status("ali", "online")  # online without routing yet
    await two.store.set_agent_status("veli", "online")
    results = await asyncio.gather(
        one.agents.accept("p1", "ali"), two.agents.accept("p1", "veli"), return_exceptions=True
    )
    assert sum(isinstance(r, HandoverError) for r in results) == 1
    winner = "ali" if results[0] is None else "veli"
    assert (await two.store.entry("p1")).agent_id == winner  # type: ignore[union-attr]
    assert (await one.events("p1")).count("handover_assigned") == 1
    # routing on both workers at once: p2 is given once, and ali never gets a second chat
    await asyncio.gather(one.queue.route(), two.queue.route())
    assert (await one.events("p2")).count("handover_assigned") == 1
    assert len(await one.store.entries("assigned", "ali")) == 1


async def test_ten_thousand_waiting_are_routed_and_placed_quickly(floor: Floor) -> None:
    for number in range(10_000):
        sender = f"p{number:05}"
        await floor.trackers.append(
            sender, [{"event": "handover_requested", "reason": "player_asked", "skill": "general"}]
        )
        await floor.store.enqueue(
            QueueEntry(sender, "player_asked", priority=number % 4, requested_at=float(number))
        )
    for name in ("ali", "veli", "ayse"):
        await floor.agent(name, status="away", max_chats=4)
    started = time.perf_counter()
    await floor.store.set_agent_status("ali", "online")
    await floor.store.set_agent_status("veli", "online")
    await floor.agents.set_status("ayse", "online")  # routes once for all three
    estimates = await floor.queue.estimates()
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"routing and placing 10,000 waiting took {elapsed:.1f} s"
    assigned = await floor.store.entries("assigned")
    assert len(assigned) == 12 and {e.priority for e in assigned} == {3}
    assert [e.sender_id for e in assigned][:3] == ["p00003", "p00007", "p00011"]
    assert len(estimates) == 10_000 - 12
    assert estimates["p00051"].position == 1 and estimates["p09996"].position == 10_000 - 12


async def test_a_project_that_declares_no_handover_texts_gets_none() -> None:
    floor = make_floor(InMemoryQueueStore(), None)
    await floor.ask_for_a_human("p1")
    await floor.agent("ali")
    await floor.agents.agent_message("p1", "ali", "Merhaba")
    await floor.agents.close("p1", "ali")
    assert floor.channel.texts("p1") == ["Merhaba"]  # only what the human wrote
    assert (await floor.events("p1"))[2:] == [
        "handover_waiting",
        "handover_assigned",
        "agent_uttered",
        "handover_closed",
    ]


async def test_an_agent_who_goes_offline_gives_their_chats_back_to_the_queue(
    floor: Floor,
) -> None:
    await floor.agent("ali", max_chats=2)
    await floor.ask_for_a_human("p1")
    await floor.ask_for_a_human("p2")
    await floor.agent("veli", status="away")
    floor.clock.advance(900)  # longer than the wait timeout, but they were with ali
    await floor.agents.set_status("ali", "offline")
    assert [e.sender_id for e in await floor.store.entries("waiting")] == ["p1", "p2"]
    assert floor.channel.texts("p1")[-1] == "Şu an çevrimiçi temsilcimiz yok."
    assert (await floor.events("p1"))[-2:] == ["handover_waiting", "bot"]
    await floor.timers.tick()  # a fresh wait from their last assignment: no ticket yet
    assert await floor.store.tickets() == []
    await floor.agents.set_status("veli", "online")
    assert {e.agent_id for e in await floor.store.entries("assigned")} == {"veli"}


async def test_a_new_request_replaces_an_entry_left_from_an_earlier_handover(
    floor: Floor,
) -> None:
    await floor.agent("ali")
    await floor.ask_for_a_human("p1")  # with ali; the end of this handover was never heard
    await floor.trackers.append("p1", [{"event": "restart"}])
    floor.clock.advance(60)
    await floor.agents.set_status("ali", "away")
    await floor.ask_for_a_human("p1")
    entry = await floor.store.entry("p1")
    assert entry is not None and entry.status == "waiting"
    assert entry.requested_at == floor.clock.now
    assert await floor.store.entries("assigned", "ali") == []


async def test_a_message_the_channel_could_not_deliver_is_kept_and_shown(floor: Floor) -> None:
    async def broken_channel(sender_id: str, messages: list[dict[str, object]]) -> None:
        raise ConnectionError("telegram is down")

    floor.desk.deliver = broken_channel
    await floor.agent("ali")
    async with floor.fanout.subscribe(conversation_topic("p1")) as feed:
        await floor.ask_for_a_human("p1")
        await floor.agents.agent_message("p1", "ali", "Merhaba")
        kinds = [(await asyncio.wait_for(anext(feed), 5))["type"] for _ in range(4)]
    assert kinds == ["assigned", "delivery_failed", "agent_message", "delivery_failed"]
    assert (await floor.events("p1"))[-1] == "agent_uttered"
    assert (await floor.store.entry("p1")).agent_id == "ali"  # type: ignore[union-attr]


async def test_a_player_writing_another_language_goes_to_an_agent_who_reads_it(
    floor: Floor,
) -> None:
    await floor.agent("ali")
    await floor.agent("john", languages=("tr", "en"))
    await floor.ask_for_a_human("p1", player_language="en")
    await floor.ask_for_a_human("p2", player_language="en")
    for sender in ("p1", "p2"):
        entry = await floor.store.entry(sender)
        assert entry is not None and (entry.language, entry.agent_id) == ("en", "john")


async def test_a_language_no_agent_reads_waits_for_the_projects_agents(floor: Floor) -> None:
    """Nobody waits for an agent the desk does not have: an agent who is disabled does
    not count, one who is offline does (they come back)."""
    await floor.agent("ali")
    await floor.agent("hans", status="offline", languages=("de",), disabled=True)
    await floor.agent("ivan", status="offline", languages=("ru",))
    await floor.ask_for_a_human("p1", player_language="de")
    await floor.ask_for_a_human("p2", player_language="ru")
    first, second = await floor.store.entry("p1"), await floor.store.entry("p2")
    assert first is not None and (first.language, first.agent_id) == ("tr", "ali")
    assert second is not None and (second.language, second.status) == ("ru", "waiting")
