"""Follow-ups on the queue's timer with a clock the test moves: due or not per resolution,
sent once (also by two workers at once on PostgreSQL), never late, never retried, and
on WhatsApp a template once the player's 24-hour window has closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels import BotMessage, DeliveryError
from bot.config import read_endpoints
from bot.dialogue.domain import Domain, read_domain
from bot.errors import ConfigError
from bot.handover.followups import FollowUps
from bot.handover.queue_config import QueueConfig
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import QueueEntry
from bot.store.sql_queue import SQLQueueStore
from tests.handover.conftest import HANDOVER_DOMAIN, Floor, make_floor

HOUR = 3600.0
QUESTION = "Sorununuz çözüldü mü?"
FOLLOW_UP_DOMAIN = (
    HANDOVER_DOMAIN
    + """\
  utter_ask_follow_up:
    - text: "Sorununuz çözüldü mü?"
      buttons:
        - {title: "Evet", payload: '/follow_up{"solved": true}'}
        - {title: "Hayır", payload: '/follow_up{"solved": false}'}
"""
)
CONFIG = QueueConfig.from_options(
    {"follow_ups": {"follow_up": "24h", "not_resolved": "24h", "resolved": "48h", "spam": "off"},
     "follow_up_grace": "12h"}
)  # fmt: skip


@pytest.fixture(scope="module")
def domain(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    path: Path = tmp_path_factory.mktemp("follow-up-domain") / "domain.yml"
    path.write_text(FOLLOW_UP_DOMAIN, encoding="utf-8")
    return read_domain(path)


@pytest.fixture
def floor(domain: Domain) -> Floor:
    return make_floor(InMemoryQueueStore(), domain, CONFIG)


def followups(floor: Floor) -> FollowUps:
    assert floor.timers.followups is not None
    return floor.timers.followups


async def closed(floor: Floor, sender_id: str, resolution: str | None) -> None:
    """A chat an agent took and closed with ``resolution``; the rating is not answered."""
    if await floor.store.agent("ali") is None:
        await floor.agent("ali", max_chats=50)
    await floor.ask_for_a_human(sender_id)
    await floor.agents.close(sender_id, "ali", resolution)


def asked(floor: Floor, sender_id: str) -> int:
    return floor.channel.texts(sender_id).count(QUESTION)


def test_the_delays_are_read_per_resolution() -> None:
    with pytest.raises(ConfigError, match="like 30m, 24h, 2d"):
        QueueConfig.from_options({"follow_ups": {"resolved": "iki gün"}})
    with pytest.raises(ConfigError, match="maps a resolution"):
        QueueConfig.from_options({"follow_ups": ["resolved"]})
    day = 24 * HOUR
    assert CONFIG.follow_ups == {"follow_up": day, "not_resolved": day, "resolved": 2 * day}
    assert CONFIG.follow_up_grace == 12 * HOUR
    assert QueueConfig().follow_ups == {}  # off unless configured


@pytest.mark.anyio
async def test_each_resolution_is_followed_up_after_its_own_delay_once(floor: Floor) -> None:
    for sender_id, resolution in (("fu", "follow_up"), ("ok", "resolved"), ("spam", "spam"),
                                  ("info", "info_given")):  # fmt: skip
        await closed(floor, sender_id, resolution)
    floor.clock.advance(23 * HOUR)
    await floor.timers.tick()
    assert [asked(floor, s) for s in ("fu", "ok", "spam", "info")] == [0, 0, 0, 0]
    floor.clock.advance(HOUR + 1)
    await floor.timers.tick()
    assert [asked(floor, s) for s in ("fu", "ok", "spam", "info")] == [1, 0, 0, 0]
    assert (await floor.events("fu"))[-2:] == ["bot", "follow_up_asked"]
    floor.clock.advance(24 * HOUR)
    await floor.timers.tick()
    await floor.timers.tick()
    assert [asked(floor, s) for s in ("fu", "ok", "spam", "info")] == [1, 1, 0, 0]
    done = {f.sender_id: (f.status, f.resolution) for f in await floor.store.followups()}
    assert done == {"fu": ("sent", "follow_up"), "ok": ("sent", "resolved")}
    buttons = floor.channel.sent[-1][1][0]["buttons"]
    assert [b["payload"] for b in buttons] == ['/follow_up{"solved": true}',
                                               '/follow_up{"solved": false}']  # fmt: skip


@pytest.mark.anyio
async def test_a_follow_up_missed_by_more_than_the_grace_is_not_sent(floor: Floor) -> None:
    await closed(floor, "p1", "follow_up")
    floor.clock.advance(24 * HOUR + 13 * HOUR)  # the server was down
    assert await followups(floor).tick() == 0
    assert asked(floor, "p1") == 0 and await floor.store.followups() == []


@pytest.mark.anyio
async def test_a_failing_channel_is_recorded_and_never_retried(floor: Floor) -> None:
    await closed(floor, "p1", "not_resolved")
    calls: list[str] = []

    async def refusing(sender_id: str, messages: list[BotMessage]) -> None:
        calls.append(sender_id)
        raise DeliveryError("whatsapp: outside the window")

    floor.desk.deliver = refusing
    floor.clock.advance(24 * HOUR + 1)
    await floor.timers.tick()  # does not raise
    floor.clock.advance(60)
    await floor.timers.tick()
    assert calls == ["p1"]
    (failed,) = await floor.store.followups("p1")
    assert (failed.status, failed.detail) == ("failed", "DeliveryError")
    assert "follow_up_asked" not in await floor.events("p1")  # never asked, so never answered


@pytest.mark.anyio
async def test_a_channel_that_says_it_failed_is_recorded(floor: Floor) -> None:
    await closed(floor, "p1", "not_resolved")

    async def failed(sender_id: str, messages: list[BotMessage]) -> bool:
        return False

    floor.desk.deliver = failed
    floor.clock.advance(24 * HOUR + 1)
    await floor.timers.tick()
    (done,) = await floor.store.followups("p1")
    assert done.status == "failed" and "did not take it" in done.detail


@pytest.mark.anyio
async def test_an_erased_conversation_or_a_player_helped_again_is_left_alone(
    floor: Floor,
) -> None:
    erased = await floor.store.enqueue(QueueEntry("erased", "player_asked", requested_at=1.0))
    await floor.store.finish(erased.sender_id, "closed", floor.clock(), "follow_up")
    await closed(floor, "again", "follow_up")
    floor.clock.advance(HOUR)
    await floor.ask_for_a_human("again")  # waiting in the queue once more
    await closed(floor, "later", "follow_up")
    floor.clock.advance(HOUR)
    await floor.ask_for_a_human("later")
    await floor.agents.close("later", "ali", None)  # helped again, closed untagged
    floor.clock.advance(24 * HOUR)
    await floor.timers.tick()
    outcome = {f.sender_id: f.status for f in await floor.store.followups()}
    assert outcome == {"erased": "failed", "again": "skipped", "later": "skipped"}
    assert asked(floor, "again") == asked(floor, "later") == 0


@pytest.mark.anyio
async def test_whatsapp_outside_the_window_asks_for_the_template(floor: Floor) -> None:
    for sender_id in ("905551112233", "905554445566"):
        await floor.trackers.append(
            sender_id,
            [{"event": "user", "timestamp": floor.clock(), "text": "merhaba",
              "input_channel": "whatsapp", "parse_data": {}}],
        )  # fmt: skip
        await closed(floor, sender_id, "follow_up")
    floor.clock.advance(22 * HOUR)
    await floor.trackers.append(
        "905554445566",  # wrote again 2 hours before the follow-up: the window is open
        [{"event": "user", "timestamp": floor.clock(), "text": "tamam",
          "input_channel": "whatsapp", "parse_data": {}}],
    )  # fmt: skip
    floor.clock.advance(2 * HOUR + 1)
    await floor.timers.tick()
    sent = {who: messages[0] for who, messages in floor.channel.sent if "buttons" in messages[0]}
    assert sent["905551112233"]["template"] == "follow_up"
    assert sent["905551112233"]["text"] == QUESTION  # the channel's own text, inside a window
    assert "template" not in sent["905554445566"]
    details = {f.sender_id: f.detail for f in await floor.store.followups()}
    assert details == {"905551112233": "whatsapp template", "905554445566": "whatsapp"}


@pytest.fixture
async def postgres_floors(domain: Domain, postgres_url: str) -> AsyncIterator[tuple[Floor, Floor]]:
    stores = [SQLQueueStore(postgres_url, backoff=0.01), SQLQueueStore(postgres_url, backoff=0.01)]
    first = make_floor(stores[0], domain, CONFIG)
    second = make_floor(stores[1], domain, CONFIG, trackers=first.trackers)
    yield first, second
    for store in stores:
        await store.close()


@pytest.mark.anyio
async def test_two_workers_on_postgresql_send_each_follow_up_once(
    postgres_floors: tuple[Floor, Floor],
) -> None:
    one, two = postgres_floors
    for sender_id in ("p1", "p2", "p3"):
        await closed(one, sender_id, "follow_up")
    for floor in (one, two):
        floor.clock.advance(24 * HOUR + 1)
    counts = await asyncio.gather(followups(one).tick(), followups(two).tick())
    assert sum(counts) == 3
    for sender_id in ("p1", "p2", "p3"):
        assert asked(one, sender_id) + asked(two, sender_id) == 1
        assert (await one.events(sender_id)).count("follow_up_asked") == 1
    assert {f.status for f in await two.store.followups()} == {"sent"}


def test_the_shipped_endpoints_follow_up_after_a_day() -> None:
    endpoints = read_endpoints(Path(__file__).parents[2] / "endpoints.yml")
    section = endpoints.services["live_agents"]
    config = QueueConfig.from_options(section.options)
    assert config.follow_ups == {"follow_up": 24 * HOUR, "not_resolved": 24 * HOUR}
