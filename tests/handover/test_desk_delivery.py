"""The desk's way to the player: the channel passed on, the console told before the
player, a tracker kept between steps, and agent messages with an idempotency key given
at most once (a failed try never blocks the retry)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.dialogue.domain import Domain
from bot.errors import HandoverError
from bot.handover.message_keys import KEYED, LEASE, MessageInFlight, MessageNotDelivered
from bot.handover.topics import agent_topic
from bot.store.delivery_keys import BUSY, CLAIMED, DONE, InMemoryDeliveryKeys
from bot.store.memory_queue import InMemoryQueueStore
from tests.handover.conftest import Floor, make_floor

PLAYER = "oyuncu-1"


@pytest.fixture
async def keyed(handover_domain: Domain) -> Floor:
    return make_floor(InMemoryQueueStore(), handover_domain, keys=InMemoryDeliveryKeys())


async def _with_agent(floor: Floor, channel: str = "webchat") -> None:
    await floor.agent("ayse")
    await floor.trackers.append(
        PLAYER,
        [{"event": "user", "timestamp": floor.clock(), "text": "selam", "input_channel": channel}],
    )
    await floor.ask_for_a_human(PLAYER)
    assert (await floor.store.entry(PLAYER)).agent_id == "ayse"  # type: ignore[union-attr]


def _agent_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "agent_uttered"]


@pytest.mark.anyio
async def test_the_desk_names_the_players_channel_so_delivery_need_not_read_the_tracker(
    keyed: Floor,
) -> None:
    await _with_agent(keyed, channel="telegram")
    await keyed.agents.agent_message(PLAYER, "ayse", "Merhaba, çekiminize bakıyorum.")
    assert keyed.channel.texts(PLAYER)[-1] == "Merhaba, çekiminize bakıyorum."
    assert set(keyed.channel.channels) == {"telegram"}


@pytest.mark.anyio
async def test_the_console_is_announced_once_recorded_and_before_the_player_is_told(
    keyed: Floor,
) -> None:
    await keyed.trackers.append(
        PLAYER, [{"event": "handover_requested", "timestamp": keyed.clock(), "reason": "x"}]
    )
    seen: list[tuple[list[str], list[str]]] = []

    async def announce() -> None:
        seen.append((await keyed.events(PLAYER), keyed.channel.texts(PLAYER)))

    await keyed.desk.assigned(PLAYER, "ayse", "Ayşe", announce=announce)
    [(recorded, told)] = seen
    assert recorded[-2:] == ["handover_assigned", "bot"]  # the step is in the tracker
    assert told == []  # and the player hears of it only after the consoles
    assert keyed.channel.texts(PLAYER) == ["Temsilcimiz Ayşe sohbete katıldı."]


@pytest.mark.anyio
async def test_routing_tells_the_agents_console(keyed: Floor) -> None:
    await keyed.agent("ayse")
    async with keyed.fanout.subscribe(agent_topic("ayse")) as frames:
        await keyed.ask_for_a_human(PLAYER)
        frame = await asyncio.wait_for(anext(frames), 5)
    assert frame == {"type": "assigned", "sender_id": PLAYER}


@pytest.mark.anyio
async def test_the_kept_tracker_sees_what_others_stored_since(keyed: Floor) -> None:
    await _with_agent(keyed)
    await keyed.agents.agent_message(PLAYER, "ayse", "Bir dakika lütfen.")
    # the engine (or another worker) closes the handover behind the desk's back
    await keyed.trackers.append(
        PLAYER, [{"event": "handover_closed", "timestamp": keyed.clock(), "by": "player"}]
    )
    with pytest.raises(HandoverError):
        await keyed.desk.agent_message(PLAYER, "ayse", "Hâlâ orada mısınız?")
    assert _agent_texts(await keyed.trackers.load(PLAYER)) == ["Bir dakika lütfen."]


@pytest.mark.anyio
async def test_a_keyed_message_given_twice_reaches_the_player_once(keyed: Floor) -> None:
    await _with_agent(keyed)
    for _ in range(3):
        await keyed.desk.agent_message(PLAYER, "ayse", "Yatırımınız yansıdı.", "cw:41")
    await keyed.desk.agent_message(PLAYER, "ayse", "Başka bir konu var mı?", "cw:42")
    assert keyed.channel.texts(PLAYER)[-2:] == ["Yatırımınız yansıdı.", "Başka bir konu var mı?"]
    assert keyed.channel.texts(PLAYER).count("Yatırımınız yansıdı.") == 1
    events = await keyed.trackers.load(PLAYER)
    assert _agent_texts(events) == ["Yatırımınız yansıdı.", "Başka bir konu var mı?"]


@pytest.mark.anyio
async def test_two_concurrent_calls_with_one_key_deliver_once(keyed: Floor) -> None:
    await _with_agent(keyed)
    results = await asyncio.gather(
        keyed.desk.agent_message(PLAYER, "ayse", "Kontrol ediyorum.", "cw:7"),
        keyed.desk.agent_message(PLAYER, "ayse", "Kontrol ediyorum.", "cw:7"),
        return_exceptions=True,
    )
    # the second finds it done, or (if the first is still sending) in flight
    assert all(r is None or isinstance(r, MessageInFlight) for r in results)
    assert keyed.channel.texts(PLAYER).count("Kontrol ediyorum.") == 1
    # the caller told "in flight" retries later: nothing more reaches the player
    await keyed.desk.agent_message(PLAYER, "ayse", "Kontrol ediyorum.", "cw:7")
    assert keyed.channel.texts(PLAYER).count("Kontrol ediyorum.") == 1


@pytest.mark.anyio
async def test_a_failed_delivery_lets_the_retry_send_it_without_storing_it_twice(
    keyed: Floor,
) -> None:
    await _with_agent(keyed)
    keyed.channel.failing = 1  # the player's channel is down for the first try
    with pytest.raises(MessageNotDelivered):
        await keyed.desk.agent_message(PLAYER, "ayse", "Belgeniz onaylandı.", "cw:9")
    assert "Belgeniz onaylandı." not in keyed.channel.texts(PLAYER)
    await keyed.desk.agent_message(PLAYER, "ayse", "Belgeniz onaylandı.", "cw:9")  # retry
    assert keyed.channel.texts(PLAYER).count("Belgeniz onaylandı.") == 1
    assert _agent_texts(await keyed.trackers.load(PLAYER)) == ["Belgeniz onaylandı."]
    await keyed.desk.agent_message(PLAYER, "ayse", "Belgeniz onaylandı.", "cw:9")
    assert keyed.channel.texts(PLAYER).count("Belgeniz onaylandı.") == 1


@pytest.mark.anyio
async def test_a_refused_keyed_message_does_not_hold_its_key(keyed: Floor) -> None:
    await _with_agent(keyed)
    with pytest.raises(HandoverError):
        await keyed.desk.agent_message(PLAYER, "mehmet", "Merhaba", "cw:3")  # not his chat
    assert keyed.desk.keys is not None
    assert await keyed.desk.keys.claim(f"{KEYED}cw:3", keyed.clock(), LEASE) == CLAIMED


@pytest.mark.anyio
async def test_a_claim_left_by_a_dead_worker_expires_after_its_lease(keyed: Floor) -> None:
    await _with_agent(keyed)
    keys = keyed.desk.keys
    assert keys is not None
    # another worker claimed the message and died before sending it
    assert await keys.claim(f"{KEYED}cw:5", keyed.clock(), LEASE) == CLAIMED
    with pytest.raises(MessageInFlight):
        await keyed.desk.agent_message(PLAYER, "ayse", "Bonusunuz tanımlandı.", "cw:5")
    keyed.clock.advance(LEASE + 1)
    await keyed.desk.agent_message(PLAYER, "ayse", "Bonusunuz tanımlandı.", "cw:5")
    assert keyed.channel.texts(PLAYER).count("Bonusunuz tanımlandı.") == 1
    assert await keys.claim(f"{KEYED}cw:5", keyed.clock(), LEASE) == DONE


@pytest.mark.anyio
async def test_in_memory_keys_claim_done_release() -> None:
    keys = InMemoryDeliveryKeys()
    assert await keys.claim("k", 100.0, 10.0) == CLAIMED
    assert await keys.claim("k", 105.0, 10.0) == BUSY
    await keys.release("k")
    assert await keys.claim("k", 106.0, 10.0) == CLAIMED
    await keys.done("k", 107.0)
    assert await keys.claim("k", 500.0, 10.0) == DONE
