"""A follow-up to WhatsApp players through the same path agents' messages take (the desk's
PlayerDelivery, the WhatsApp channel) to a fake Graph API: free-form text with buttons
inside the player's 24-hour window, the approved template outside it, and nothing sent
(recorded as failed) when no template is configured."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.channels import BotMessage, ChannelContext, DeliveryError, in_space
from bot.dialogue.domain import Domain
from bot.handover.desk import Desk
from bot.handover.followups import FollowUps
from bot.server.player_delivery import PlayerDelivery
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import QueueEntry
from connectors.whatsapp import WhatsAppChannel
from tests.connectors.fake_graph import FakeGraph
from tests.handover.test_followups import domain
from tests.live_server import LiveServer

__all__ = ["domain"]

HOUR = 3600.0
NOW = 1_800_000_000.0
OUTSIDE, INSIDE = "905321110001", "905321110002"


@pytest.fixture(scope="module")
def graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    with LiveServer(fake.app) as server:
        yield fake, server.url


def options(graph_url: str, **more: Any) -> dict[str, Any]:
    return {
        "access_token": "EAAG-test", "phone_number_id": "106540352242922",
        "app_secret": "sir", "verify_token": "jeton", "graph_url": graph_url,
        "retries": 0, "timeout": 5, **more,
    }  # fmt: skip


async def follow_up_both(graph_url: str, domain: Domain, **more: Any) -> InMemoryQueueStore:
    """Two WhatsApp players whose chats closed 24 h ago (tagged follow_up): one has not
    written since, the other wrote 2 hours ago."""
    channel = WhatsAppChannel(
        ChannelContext("whatsapp", options(graph_url, **more), lambda: None, InMemoryFanout())
    )
    await channel.start()
    trackers, store, fanout = InMemoryTrackerStore(), InMemoryQueueStore(), InMemoryFanout()
    delivery = PlayerDelivery({"whatsapp": channel}, trackers, fanout)

    async def deliver(sender_id: str, messages: list[BotMessage]) -> bool:
        """The desk's deliver: False when the player's channel failed."""
        try:
            await delivery.send(sender_id, messages)
        except DeliveryError:
            return False
        return True

    desk = Desk(trackers, InMemoryLockStore(), fanout, deliver, lambda: domain, lambda: NOW)
    for number, last in ((OUTSIDE, NOW - 24 * HOUR - 60), (INSIDE, NOW - 2 * HOUR)):
        said = {"event": "user", "text": "tamam", "input_channel": "whatsapp", "parse_data": {}}
        chat = in_space("whatsapp", number)  # as the server stores a WhatsApp conversation
        await trackers.append(chat, [{**said, "timestamp": NOW - 24 * HOUR - 60},
                                     {**said, "timestamp": last}])  # fmt: skip
        await store.enqueue(QueueEntry(chat, "player_asked", requested_at=NOW - 25 * HOUR))
        await store.finish(chat, "closed", NOW - 24 * HOUR - 30, "follow_up")
    try:
        await FollowUps(store, desk, {"follow_up": 24 * HOUR}, clock=lambda: NOW).tick()
    finally:
        await channel.stop()
    return store


@pytest.mark.anyio
async def test_a_template_outside_the_window_and_text_inside(
    graph: tuple[FakeGraph, str], domain: Domain
) -> None:
    fake, url = graph
    fake.reset()
    store = await follow_up_both(url, domain, follow_up_template="destek_takip")
    by_number = {body["to"]: body for body in fake.delivered}
    outside = by_number[OUTSIDE]
    assert outside["type"] == "template"
    assert outside["template"]["name"] == "destek_takip"
    assert outside["template"]["language"] == {"code": "tr"}
    payloads = [c["parameters"][0]["payload"] for c in outside["template"]["components"]]
    assert payloads == ['/follow_up{"solved": true}', '/follow_up{"solved": false}']
    inside = by_number[INSIDE]
    assert inside["type"] == "interactive"
    assert inside["interactive"]["body"]["text"] == "Sorununuz çözüldü mü?"
    assert {f.sender_id: f.status for f in await store.followups()} == {
        in_space("whatsapp", OUTSIDE): "sent", in_space("whatsapp", INSIDE): "sent",
    }  # fmt: skip


@pytest.mark.anyio
async def test_without_a_template_outside_the_window_nothing_is_sent(
    graph: tuple[FakeGraph, str], domain: Domain
) -> None:
    fake, url = graph
    fake.reset()
    store = await follow_up_both(url, domain)
    assert [body["to"] for body in fake.delivered] == [INSIDE]
    outcome = {f.sender_id: f.status for f in await store.followups()}
    assert outcome == {
        in_space("whatsapp", OUTSIDE): "failed",
        in_space("whatsapp", INSIDE): "sent",
    }


@pytest.mark.anyio
async def test_the_channel_refuses_a_template_it_has_none_for(graph: tuple[FakeGraph, str]) -> None:
    fake, url = graph
    fake.reset()
    channel = WhatsAppChannel(
        ChannelContext("whatsapp", options(url), lambda: None, InMemoryFanout())
    )
    await channel.start()
    try:
        with pytest.raises(DeliveryError, match="no follow_up_template"):
            await channel.deliver(OUTSIDE, [{"text": "Çözüldü mü?", "template": "follow_up"}])
    finally:
        await channel.stop()
    assert fake.delivered == []
