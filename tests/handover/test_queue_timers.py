"""What time does to the queue: SLA escalation with a supervisor alert, a chat nobody took
going back to the bot with a ticket, working hours, and place updates."""

from __future__ import annotations

import asyncio
from datetime import time

import pytest

from bot.dialogue.domain import Domain
from bot.errors import ConfigError
from bot.handover.builtin_connector import builtin_live_agents
from bot.handover.queue_config import QueueConfig, WorkingHours
from bot.handover.sla import SlaPolicy
from bot.handover.topics import SUPERVISOR_TOPIC
from bot.live_agents import LiveAgentContext
from bot.store.fanout import InMemoryFanout
from bot.store.memory_queue import InMemoryQueueStore
from tests.handover.conftest import Floor, make_floor

pytestmark = pytest.mark.anyio


def test_sla_targets_per_priority_and_their_bounds() -> None:
    sla = SlaPolicy({3: 15, 1: 60, 0: 180})
    assert (sla.target(3), sla.target(2), sla.target(9), sla.target(-1)) == (15, 60, 15, 180)
    with pytest.raises(ConfigError, match="outside"):
        SlaPolicy({1: 1})
    config = QueueConfig.from_options({"type": "builtin", "sla": {"2": 20}, "wait_timeout": 90})
    assert config.sla.target(2) == 20 and config.wait_timeout == 90
    with pytest.raises(ConfigError, match="unknown live_agents key 'timeout'"):
        QueueConfig.from_options({"timeout": 5})
    with pytest.raises(ConfigError, match="wait_timeout"):
        QueueConfig.from_options({"wait_timeout": -1})


async def test_a_chat_past_its_sla_rises_once_and_supervisors_hear(floor: Floor) -> None:
    async with floor.fanout.subscribe(SUPERVISOR_TOPIC) as alerts:
        await floor.ask_for_a_human("p1", priority=1)  # target 60 s
        await floor.ask_for_a_human("p2", priority=2)  # target 30 s
        floor.clock.advance(45)
        await floor.timers.tick()
        alert = await asyncio.wait_for(anext(alerts), 5)
        assert (alert["sender_id"], alert["priority"], alert["target"]) == ("p2", 3, 30.0)
        floor.clock.advance(30)
        await floor.timers.tick()
        await floor.timers.tick()
        alert = await asyncio.wait_for(anext(alerts), 5)
        assert (alert["sender_id"], alert["priority"]) == ("p1", 2)
    entries = {e.sender_id: e for e in await floor.store.entries("waiting")}
    assert (entries["p1"].priority, entries["p2"].priority) == (2, 3)


async def test_nobody_takes_it_in_time_so_a_ticket_is_left_and_the_bot_is_back(
    floor: Floor,
) -> None:
    await floor.ask_for_a_human("p1", skill="finance", text="çekimim 3 gündür gelmedi")
    await floor.trackers.append(
        "p1", [{"event": "user", "text": "hâlâ bekliyorum", "parse_data": {}}]
    )
    floor.clock.advance(599)
    await floor.timers.tick()
    assert (await floor.store.entry("p1")).status == "waiting"  # type: ignore[union-attr]
    floor.clock.advance(1)
    await floor.timers.tick()
    assert await floor.store.entry("p1") is None
    [ticket] = await floor.store.tickets("open")
    assert ticket.messages == ("çekimim 3 gündür gelmedi", "hâlâ bekliyorum")
    assert (ticket.reason, ticket.skill) == ("player_asked", "finance")
    assert floor.channel.texts("p1")[-1] == "Temsilcilerimiz şu an yoğun; mesajınızı kaydettik."
    closed = [e for e in await floor.trackers.load("p1") if e["event"] == "handover_closed"]
    assert [c["by"] for c in closed] == ["timeout"]


async def test_outside_working_hours_a_ticket_is_left_at_once(handover_domain: Domain) -> None:
    friday_11 = 1_800_000_000  # Friday 11:00 in Istanbul
    hours = WorkingHours(time(9), time(23), frozenset(range(7)), "Europe/Istanbul")
    floor = make_floor(InMemoryQueueStore(), handover_domain, QueueConfig(working_hours=hours))
    floor.clock.now = friday_11 - 9 * 3600  # 02:00
    await floor.ask_for_a_human("p1", text="hesabım kilitlendi")
    assert await floor.store.entry("p1") is None
    assert [t.messages for t in await floor.store.tickets()] == [("hesabım kilitlendi",)]
    assert floor.channel.texts("p1") == ["Mesai saatleri dışındayız; mesajınızı kaydettik."]
    thursdays = WorkingHours(time(9), time(1), frozenset({3}), "Europe/Istanbul")
    assert thursdays.is_open(friday_11 - 10.5 * 3600)  # 00:30: Thursday's shift goes on
    assert not thursdays.is_open(friday_11 - 9 * 3600)
    assert not thursdays.is_open(friday_11)


async def test_a_waiting_player_hears_when_their_place_changes(floor: Floor) -> None:
    await floor.agent("ali", max_chats=1)
    for sender in ("p1", "p2", "p3"):
        await floor.ask_for_a_human(sender)
    await floor.timers.tick()
    told = len(floor.channel.texts("p3"))
    floor.clock.advance(90)
    await floor.agents.close("p1", "ali")  # p2 goes to ali, p3 moves up
    await floor.timers.tick()
    assert floor.channel.texts("p3")[told:] == ["Sıradaki yeriniz: 1. Tahmini bekleme: 2 dk."]
    await floor.timers.tick()
    assert len(floor.channel.texts("p3")) == told + 1  # no news, no message


def test_working_hours_must_be_written_as_clock_times() -> None:
    with pytest.raises(ConfigError, match="working_hours needs start and end as HH:MM"):
        QueueConfig.from_options({"working_hours": {"start": 540, "end": "23:00"}})
    with pytest.raises(ConfigError, match="days must be 0 to 6"):
        QueueConfig.from_options({"working_hours": {"start": "09:00", "end": "17:00", "days": [7]}})


class HumansOnlyDesk:
    """A desk that records what humans do but cannot tell a waiting player anything."""

    async def assigned(self, sender_id: str, agent_id: str, agent_name: str = "") -> None: ...

    async def agent_message(self, sender_id: str, agent_id: str, text: str) -> None: ...

    async def closed(self, sender_id: str, by: str, resolution: str | None = None) -> None: ...


def test_the_builtin_queue_needs_a_desk_that_can_tell_waiting_players() -> None:
    build = builtin_live_agents(InMemoryQueueStore(), InMemoryFanout())
    with pytest.raises(ConfigError, match="needs Destek's desk"):
        build(LiveAgentContext({}, HumansOnlyDesk()))


async def test_chats_of_an_agent_disabled_from_the_command_line_go_back(floor: Floor) -> None:
    await floor.agent("ali")
    await floor.ask_for_a_human("p1")
    await floor.store.set_agent_disabled("ali", True)  # what `bot agents disable` does
    await floor.timers.tick()
    entry = await floor.store.entry("p1")
    assert entry is not None and entry.status == "waiting"
    assert (await floor.events("p1"))[-2:] == ["handover_waiting", "bot"]


async def test_a_chat_its_agent_never_answers_goes_back_and_the_agent_is_set_away(
    floor: Floor,
) -> None:
    await floor.agent("ali")
    await floor.agent("veli", status="away")
    await floor.ask_for_a_human("p1")
    await floor.ask_for_a_human("p2")
    await floor.agents.agent_message("p2", "ali", "Merhaba, bakıyorum.")
    async with floor.fanout.subscribe(SUPERVISOR_TOPIC) as alerts:
        floor.clock.advance(599)
        await floor.timers.tick()
        assert len(await floor.store.entries("assigned", "ali")) == 2
        floor.clock.advance(1)
        await floor.timers.tick()
        alert = await asyncio.wait_for(anext(alerts), 5)
    assert (alert["type"], alert["sender_id"], alert["agent_id"]) == ("unanswered", "p1", "ali")
    assert [e.sender_id for e in await floor.store.entries("assigned", "ali")] == ["p2"]
    assert (await floor.store.agent("ali")).status == "away"  # type: ignore[union-attr]
    assert (await floor.store.entry("p1")).status == "waiting"  # type: ignore[union-attr]
    await floor.agents.set_status("veli", "online")
    assert (await floor.store.entry("p1")).agent_id == "veli"  # type: ignore[union-attr]
