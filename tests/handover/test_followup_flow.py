"""The issue end to end on real in-memory stores: an agent closes a chat unsolved, the
player rates it low and says what went wrong, a day later the bot asks whether the
problem is solved, the player says no and is back in the queue (reason follow_up); the
report of the day shows all of it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.domain import read_domain
from bot.dialogue.engine import Engine, EngineConfig, UserMessage
from bot.handover.builtin_connector import BuiltinLiveAgents, builtin_live_agents
from bot.handover.desk import Desk
from bot.handover.report_period import ReportQuery, period_report
from bot.live_agents import LiveAgentContext
from bot.model_storage import CoreModel
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Agent
from tests.dialogue.engine_project import DOMAIN, keyword_nlu, train_project
from tests.handover.conftest import HANDOVER_DOMAIN, Channel, Clock

pytestmark = pytest.mark.anyio
CLOSING = """\
version: "3.1"
responses:
  utter_ask_csat_comment: [{text: "Eklemek istediğiniz bir yorum var mı?"}]
  utter_ask_csat_comment_low: [{text: "Üzgünüz. Neyin yolunda gitmediğini yazar mısınız?"}]
  utter_csat_comment_thanks: [{text: "Yorumunuz için teşekkürler!"}]
  utter_ask_follow_up:
    - text: "Sorununuz çözüldü mü?"
      buttons:
        - {title: "Evet", payload: '/follow_up{"solved": true}'}
        - {title: "Hayır", payload: '/follow_up{"solved": false}'}
  utter_follow_up_thanks: [{text: "Sevindik!"}]
  utter_follow_up_handover: [{text: "Sizi hemen bir temsilciye aktarıyorum."}]
"""


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("follow-up-flow-project"))


@dataclass
class Site:
    engine: Engine
    connector: BuiltinLiveAgents
    trackers: InMemoryTrackerStore
    store: InMemoryQueueStore
    channel: Channel
    clock: Clock

    async def say(self, text: str) -> list[str]:
        message = UserMessage(text, "p1", input_channel="socketio")
        return [r.get("text", "") for r in await self.engine.handle(message)]


@pytest.fixture
async def site(core: CoreModel, tmp_path: Path) -> AsyncIterator[Site]:
    for name, text in (("domain.yml", DOMAIN), ("handover.yml", HANDOVER_DOMAIN),
                       ("closing.yml", CLOSING)):  # fmt: skip
        (tmp_path / name).write_text(text, encoding="utf-8")
    domain = read_domain(tmp_path)
    clock, channel = Clock(time.time()), Channel()  # the engine stamps with the wall clock
    trackers, locks, fanout = InMemoryTrackerStore(), InMemoryLockStore(), InMemoryFanout()
    store = InMemoryQueueStore()
    desk = Desk(trackers, locks, fanout, channel.deliver, lambda: domain, clock)
    options = {"follow_ups": {"not_resolved": "24h"}}
    connector = builtin_live_agents(store, fanout, clock)(LiveAgentContext(options, desk))
    engine = Engine(domain, core.policies, keyword_nlu, trackers, locks,
                    config=EngineConfig(seed=1), live_agents=connector,
                    clock=clock)  # fmt: skip
    await store.add_agent(Agent("ali", "ali", "Ali", status="online"))
    yield Site(engine, connector, trackers, store, channel, clock)
    await connector.stop()


async def test_closed_unsolved_rated_followed_up_and_back_in_the_queue(site: Site) -> None:
    await site.say("temsilci lütfen")
    assert (await site.store.entry("p1")).agent_id == "ali"  # type: ignore[union-attr]
    site.clock.advance(60)
    await site.connector.agents.agent_message("p1", "ali", "Bakıyorum.")
    site.clock.advance(240)
    await site.connector.agents.close("p1", "ali", "not_resolved")
    assert await site.say("2") == ["Üzgünüz. Neyin yolunda gitmediğini yazar mısınız?"]
    assert await site.say("çok bekledim, çözülmedi") == ["Yorumunuz için teşekkürler!"]

    site.clock.advance(23 * 3600)
    await site.connector.tick()
    assert "Sorununuz çözüldü mü?" not in site.channel.texts("p1")
    site.clock.advance(3600)
    await site.connector.tick()
    assert site.channel.texts("p1")[-1] == "Sorununuz çözüldü mü?"  # 24 h to the second

    assert (await site.say("hayır"))[0] == "Sizi hemen bir temsilciye aktarıyorum."
    again = await site.store.entry("p1")
    assert again is not None and again.reason == "follow_up"

    day = datetime.fromtimestamp(site.clock() - 25 * 3600, ZoneInfo("Europe/Istanbul")).date()
    query = ReportQuery(day, day + timedelta(days=2))
    report = (await period_report(site.trackers, site.store, query)).total
    assert report.by_reason == {"player_asked": 1, "follow_up": 1}
    # the engine stamps the request with the wall clock, the desk with the test's
    assert report.first_response.median == pytest.approx(60.0, abs=1)
    assert report.handle.median == pytest.approx(300.0, abs=1)
    assert (report.csat.average, report.csat.comments) == (2.0, 1)
    assert (report.follow_ups.asked, report.follow_ups.not_solved) == (1, 1)
    assert report.resolutions == {"not_resolved": 1}
