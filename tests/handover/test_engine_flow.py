"""A player and the humans, end to end: the engine, Destek's connector, the queue and
the desk on real in-memory stores. The player asks for a human, is answered while
waiting, falls silent to the bot once an agent has them, hears the agent, rates the
help, and has the bot back; a player nobody takes gets the bot back and leaves a ticket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.domain import read_domain
from bot.dialogue.engine import Engine, EngineConfig, UserMessage
from bot.handover.builtin_connector import BuiltinLiveAgents, builtin_live_agents
from bot.handover.desk import Desk
from bot.handover.topics import QUEUE_TOPIC
from bot.live_agents import LiveAgentContext
from bot.model_storage import CoreModel
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Agent
from tests.dialogue.engine_project import DOMAIN, keyword_nlu, train_project
from tests.handover.conftest import HANDOVER_DOMAIN, Channel, Clock

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("handover-flow-project"))


# Messages the stand-in NLU reads as English, as the pipeline's gate marks a message it
# turned away that the language model places in another language.
ENGLISH = ("I have not received my money", "where is my money please")


async def nlu(text: str) -> Mapping[str, Any]:
    parsed = dict(await keyword_nlu(text))
    if text in ENGLISH:
        parsed["language"] = "en"
    return parsed


@dataclass
class Site:
    engine: Engine
    connector: BuiltinLiveAgents
    store: InMemoryQueueStore
    channel: Channel
    clock: Clock

    async def say(self, text: str, sender: str = "p1") -> list[str]:
        replies = await self.engine.handle(UserMessage(text, sender, input_channel="socketio"))
        return [r.get("text", "") for r in replies]


@pytest.fixture
async def site(core: CoreModel, tmp_path: Path) -> AsyncIterator[Site]:
    for name, text in (
        ("domain.yml", DOMAIN),
        ("handover.yml", HANDOVER_DOMAIN),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    domain = read_domain(tmp_path)
    clock, channel = Clock(time.time()), Channel()
    trackers, locks, fanout = InMemoryTrackerStore(), InMemoryLockStore(), InMemoryFanout()
    store = InMemoryQueueStore()
    desk = Desk(trackers, locks, fanout, channel.deliver, lambda: domain, clock)
    connector = builtin_live_agents(store, fanout, clock)(LiveAgentContext({}, desk))
    engine = Engine(
        domain,
        core.policies,
        nlu,
        trackers,
        locks,
        config=EngineConfig(seed=1),
        live_agents=connector,
    )
    await store.add_agent(Agent("ali", "ali", "Ali", status="away"))
    yield Site(engine, connector, store, channel, clock)
    await connector.stop()


async def test_waiting_then_with_an_agent_then_rated_and_back_with_the_bot(site: Site) -> None:
    # The queue's first word follows the turn's own reply, in the same answer (so a REST
    # player hears it too), and is not pushed a second time.
    assert await site.say("temsilci lütfen") == [
        "Sizi temsilciye aktarıyorum.",
        "Şu an çevrimiçi temsilcimiz yok.",
    ]
    assert site.channel.texts("p1") == []
    assert await site.say("teşekkürler") == ["Rica ederim."]  # answered while waiting

    await site.connector.agents.set_status("ali", "online")
    assert site.channel.texts("p1")[-1] == "Temsilcimiz Ali sohbete katıldı."
    assert await site.say("merhaba, çekimim gelmedi") == []  # the bot is silent now
    tracker = await site.engine.tracker("p1")
    assert tracker.handover_status == "assigned"

    await site.connector.agents.agent_message("p1", "ali", "Merhaba, hemen bakıyorum.")
    assert site.channel.texts("p1")[-1] == "Merhaba, hemen bakıyorum."
    site.clock.advance(5 * 3600)  # a long chat: the session does not expire under the agent
    assert await site.say("tamam") == []

    await site.connector.agents.close("p1", "ali", "resolved")
    assert site.channel.texts("p1")[-1] == "Görüşmemizi 1-5 arası puanlar mısınız?"
    assert await site.say("5") == ["Değerlendirmeniz için teşekkürler!"]
    assert await site.say("teşekkürler") == ["Rica ederim."]
    events = [e.type_name for e in (await site.engine.tracker("p1")).events]
    assert events.count("csat") == 1 and events.count("session_started") == 1
    assert await site.store.entry("p1") is None


async def test_two_messages_in_another_language_go_to_an_agent_who_reads_it(
    site: Site,
) -> None:
    """The second message the bot cannot read hands over; the NLU found both in English,
    so the queue gives the chat to the agent who reads English, and says so."""
    await site.store.add_agent(Agent("john", "john", "John", languages=("tr", "en")))
    await site.say(ENGLISH[0])
    await site.say(ENGLISH[1])
    entry = await site.store.entry("p1")
    assert entry is not None and entry.language == "en"
    assert "Oyuncunun yazdığı dil: en" in entry.summary


async def test_nobody_takes_it_in_time_and_the_bot_answers_again(site: Site) -> None:
    await site.say("temsilci lütfen")
    await site.say("hâlâ bekliyorum")
    site.clock.advance(601)
    await site.connector.tick()
    assert site.channel.texts("p1")[-1] == "Temsilcilerimiz şu an yoğun; mesajınızı kaydettik."
    [ticket] = await site.store.tickets()
    assert ticket.messages == ("temsilci lütfen", "hâlâ bekliyorum")
    assert not (await site.engine.tracker("p1")).in_handover
    assert await site.say("teşekkürler") == ["Rica ederim."]
    assert await site.say("temsilci") == [  # and may ask again
        "Sizi temsilciye aktarıyorum.",
        "Şu an çevrimiçi temsilcimiz yok.",
    ]
    assert (await site.store.entry("p1")).status == "waiting"  # type: ignore[union-attr]


async def test_a_waiting_player_who_goes_back_to_the_bot_leaves_the_queue(site: Site) -> None:
    await site.say("temsilci lütfen")
    assert await site.store.entry("p1") is not None
    await site.say("bota dön")
    assert await site.store.entry("p1") is None
    assert not (await site.engine.tracker("p1")).in_handover
    await site.connector.agents.set_status("ali", "online")
    assert "Temsilcimiz Ali sohbete katıldı." not in site.channel.texts("p1")


async def test_the_running_connector_ticks_by_itself_and_stops(site: Site) -> None:
    await site.say("temsilci lütfen")
    site.clock.advance(601)
    async with site.connector.queue.fanout.subscribe(QUEUE_TOPIC) as feed:
        await site.connector.start()
        await site.connector.start()  # idempotent
        message = await asyncio.wait_for(anext(feed), 10)
        assert (message["type"], message["by"]) == ("ticket", "timeout")
    await site.connector.stop()
    await site.connector.stop()
