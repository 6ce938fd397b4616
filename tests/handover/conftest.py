"""The live-agent queue on real stores: in memory by default, SQLite and PostgreSQL where
a test asks for them; a clock the test moves; the player's channel as a list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.channels import BotMessage, Fanout
from bot.dialogue.domain import Domain, read_domain
from bot.handover.agent_actions import AgentActions
from bot.handover.desk import Desk
from bot.handover.queue import LiveQueue
from bot.handover.queue_config import QueueConfig
from bot.handover.queue_timers import QueueTimers
from bot.live_agents import HandoverRequest
from bot.store.base import TrackerStore
from bot.store.delivery_keys import DeliveryKeys
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Agent, QueueStore
from tests.store.conftest import (
    key_prefix,
    postgres_admin,
    postgres_url,
    redis_endpoint,
    sqlite_url,
)

__all__ = ["key_prefix", "postgres_admin", "postgres_url", "redis_endpoint", "sqlite_url"]

HANDOVER_DOMAIN = """\
version: "3.1"
intents: [human_handoff]
responses:
  utter_handover_assigned: [{text: "Temsilcimiz {agent_name} sohbete katıldı."}]
  utter_handover_position:
    - text: "Sıradaki yeriniz: {position}. Tahmini bekleme: {wait_minutes} dk."
  utter_handover_no_agents: [{text: "Şu an çevrimiçi temsilcimiz yok."}]
  utter_handover_timeout: [{text: "Temsilcilerimiz şu an yoğun; mesajınızı kaydettik."}]
  utter_handover_outside_hours: [{text: "Mesai saatleri dışındayız; mesajınızı kaydettik."}]
  utter_ask_csat:
    - text: "Görüşmemizi 1-5 arası puanlar mısınız?"
      buttons:
        - {title: "5", payload: '/csat{"score": 5}'}
        - {title: "1", payload: '/csat{"score": 1}'}
  utter_csat_thanks: [{text: "Değerlendirmeniz için teşekkürler!"}]
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Channel:
    """The player's channel: what ``deliver`` sent, by conversation."""

    sent: list[tuple[str, list[BotMessage]]] = field(default_factory=list)
    channels: list[str | None] = field(default_factory=list)  # the channel each went on
    failing: int = 0  # the next deliveries that fail as a channel would (False)

    async def deliver(
        self, sender_id: str, messages: list[BotMessage], channel: str | None = None
    ) -> bool:
        if self.failing:
            self.failing -= 1
            return False
        self.sent.append((sender_id, messages))
        self.channels.append(channel)
        return True

    def texts(self, sender_id: str) -> list[str]:
        return [m.get("text", "") for who, ms in self.sent if who == sender_id for m in ms]


@dataclass
class Floor:
    """A queue with its desk and stores, as the server would wire them."""

    queue: LiveQueue
    agents: AgentActions
    timers: QueueTimers
    desk: Desk
    trackers: TrackerStore
    store: QueueStore
    fanout: Fanout
    channel: Channel
    clock: Clock

    async def ask_for_a_human(
        self,
        sender_id: str,
        skill: str = "general",
        priority: int = 1,
        language: str = "tr",
        text: str = "temsilci istiyorum",
        player_language: str | None = None,
    ) -> None:
        """What the engine stores and then tells the connector."""
        events = [
            {"event": "user", "timestamp": self.clock(), "text": text, "parse_data": {}},
            {
                "event": "handover_requested",
                "timestamp": self.clock(),
                "reason": "player_asked",
                "skill": skill,
                "priority": priority,
                "summary": "",
            },
        ]
        await self.trackers.append(sender_id, events)
        await self.queue.request(
            HandoverRequest(
                sender_id,
                "player_asked",
                skill,
                language,
                player_language,
                priority,
                requested_at=self.clock(),
            )
        )

    async def agent(self, login: str, status: str = "online", **kwargs: Any) -> Agent:
        """An agent whose id is their login (``new_agent`` gives a random one)."""
        agent = Agent(login, login, login.title(), **kwargs)
        await self.store.add_agent(agent)
        if status != "offline":
            await self.agents.set_status(agent.id, status)
        return agent

    async def events(self, sender_id: str) -> list[str]:
        return [e["event"] for e in await self.trackers.load(sender_id)]


@pytest.fixture(scope="session")
def handover_domain(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    path: Path = tmp_path_factory.mktemp("handover-domain") / "domain.yml"
    path.write_text(HANDOVER_DOMAIN, encoding="utf-8")
    return read_domain(path)


def make_floor(
    store: QueueStore,
    domain: Domain | None,
    config: QueueConfig | None = None,
    *,
    trackers: TrackerStore | None = None,
    fanout: Fanout | None = None,
    keys: DeliveryKeys | None = None,
    channel: Channel | None = None,
) -> Floor:
    """A worker's queue; give two workers the same stores to share a floor."""
    clock, channel = Clock(), channel or Channel()
    trackers = trackers or InMemoryTrackerStore()
    fanout = fanout or InMemoryFanout()
    locks = InMemoryLockStore()
    desk = Desk(trackers, locks, fanout, channel.deliver, lambda: domain, clock, keys=keys)
    queue = LiveQueue(store, desk, fanout, config or QueueConfig(), clock)
    return Floor(
        queue,
        AgentActions(queue),
        QueueTimers(queue),
        desk,
        trackers,
        store,
        fanout,
        channel,
        clock,
    )


@pytest.fixture
async def floor(handover_domain: Domain) -> AsyncIterator[Floor]:
    yield make_floor(InMemoryQueueStore(), handover_domain)
