"""The Chatwoot live-agent connector against a fake Chatwoot on loopback.

The connector's webhook route is served for real (uvicorn on 127.0.0.1:0 in the test's
event loop) and the fake POSTs its webhooks there, signed as Chatwoot signs them; the
desk on the other side records what it is told.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from bot.errors import ConfigError, DestekError, HandoverError
from bot.live_agents import HandoverRequest, LiveAgentContext
from connectors.chatwoot import WEBHOOK, ChatwootConnector, ChatwootRejected, ChatwootUnavailable
from tests.connectors.fake_chatwoot import FakeChatwoot
from tests.live_server import LiveServer

TOKEN = "cw-api-token"
SECRET = "cw-webhook-secret"
SENDER = "905321234567"
HISTORY = (
    {"sender": "user", "text": "yatırdığım 500 TL hesabıma geçmedi", "timestamp": 1.0},
    {
        "sender": "bot",
        "text": "Hangi yöntemle yatırdınız?",
        "timestamp": 2.0,
        "buttons": [{"title": "Papara", "payload": "/papara"}],
    },
    {"sender": "user", "text": "canli destek istiyorum", "timestamp": 3.0},
)
HANDOVER = HandoverRequest(
    sender_id=SENDER,
    reason="complaint",
    skill="finance",
    priority=2,
    summary="Papara ile 500 TL yatırım 2 gündür görünmüyor.",
    channel="whatsapp",
    player={"name": "Mehmet Demir", "phone": "905321234567"},
    history=HISTORY,
)


@dataclass
class RecordingDesk:
    """The desk's side of the interface: records each call; refuses for ``refused``."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    failing: int = 0  # the next calls that fail as a store would
    message_ids: list[str] = field(default_factory=list)  # the keys of delivered messages

    async def assigned(self, sender_id: str, agent_id: str, agent_name: str = "") -> None:
        self._record("assigned", sender_id, agent_id, agent_name)

    async def agent_message(
        self, sender_id: str, agent_id: str, text: str, message_id: str | None = None
    ) -> None:
        # The desk's contract: a message id it has delivered is not delivered again.
        if message_id is not None and message_id in self.message_ids:
            return
        self._record("agent_message", sender_id, agent_id, text)
        if message_id is not None:
            self.message_ids.append(message_id)

    async def closed(self, sender_id: str, by: str, resolution: str | None = None) -> None:
        self._record("closed", sender_id, by, resolution)

    def _record(self, *call: Any) -> None:
        if call[1] in self.refused:
            raise HandoverError("the conversation is not handed over")
        if self.failing:
            self.failing -= 1
            raise DestekError("the store is down")
        self.calls.append(call)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeChatwoot, str]]:
    fake = FakeChatwoot(token=TOKEN)
    with LiveServer(fake.app) as server:
        yield fake, server.url


@pytest.fixture
def chatwoot(served: tuple[FakeChatwoot, str]) -> FakeChatwoot:
    served[0].reset()
    return served[0]


def options(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "chatwoot",
        "url": url,
        "account_id": 1,
        "inbox_id": 4,
        "api_access_token": TOKEN,
        "webhook_secret": SECRET,
        "timeout": 5,
        "retries": 2,
        "retry_backoff": 0.01,
        **extra,
    }


@dataclass
class Running:
    connector: ChatwootConnector
    desk: RecordingDesk
    webhook: str


@asynccontextmanager
async def running(
    url: str, desk: RecordingDesk | None = None, **extra: Any
) -> AsyncIterator[Running]:
    """The connector started, its route served on loopback in this event loop."""
    desk = desk or RecordingDesk()
    connector = ChatwootConnector(LiveAgentContext(options(url, **extra), desk))
    app = FastAPI()
    connector.install(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 10
    while not server.started:  # poll against a deadline: startup has no event
        assert time.monotonic() < deadline and not task.done(), "the webhook server did not start"
        await asyncio.sleep(0.01)
    await connector.start()
    try:
        yield Running(connector, desk, f"http://127.0.0.1:{sock.getsockname()[1]}{WEBHOOK}")
    finally:
        await connector.stop()
        server.should_exit = True
        await task
        sock.close()


# ---- options -----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["url", "account_id", "inbox_id", "api_access_token"])
def test_a_missing_option_is_named(missing: str) -> None:
    given = options("https://chatwoot.example.com")
    del given[missing]
    with pytest.raises(ConfigError, match=rf"live_agents\.{missing} is required"):
        ChatwootConnector(LiveAgentContext(given, RecordingDesk()))


def test_webhooks_need_a_secret_or_a_token() -> None:
    given = options("https://chatwoot.example.com")
    del given["webhook_secret"]
    with pytest.raises(ConfigError, match="webhook_secret is required"):
        ChatwootConnector(LiveAgentContext(given, RecordingDesk()))
    given["webhook_token"] = "url-token"
    ChatwootConnector(LiveAgentContext(given, RecordingDesk()))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("url", "chatwoot.example.com", "url must be an http"),
        ("account_id", "bir", "account_id must be a positive whole number"),
        ("retries", "çok", "retries must be a number"),
        ("inboxid", 4, "unknown option inboxid"),
        ("type", "rocketchat", "type is 'rocketchat'"),
    ],
)
def test_a_malformed_option_is_named(key: str, value: Any, message: str) -> None:
    given = {**options("https://chatwoot.example.com"), key: value}
    with pytest.raises(ConfigError, match=message):
        ChatwootConnector(LiveAgentContext(given, RecordingDesk()))


# ---- the handover ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_request_opens_a_conversation_with_history_note_labels_and_priority(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)

    [contact] = chatwoot.contacts.values()
    assert contact["identifier"] == SENDER
    assert contact["name"] == "Mehmet Demir"
    assert contact["phone_number"] == "+905321234567"
    [conversation] = chatwoot.conversations.values()
    assert conversation["status"] == "open"
    assert conversation["custom_attributes"]["destek_sender_id"] == SENDER
    assert conversation["labels"] == ["skill-finance", "reason-complaint"]
    assert conversation["priority"] == "high"
    posted = [
        (m["message_type"], m["private"], m["content"])
        for m in chatwoot.messages[conversation["id"]]
    ]
    assert posted[:3] == [
        ("incoming", False, "yatırdığım 500 TL hesabıma geçmedi"),
        ("outgoing", False, "Hangi yöntemle yatırdınız?\n• Papara"),
        ("incoming", False, "canli destek istiyorum"),
    ]
    kind, private, note = posted[3]
    assert (kind, private) == ("outgoing", True)
    assert "complaint" in note and "Papara ile 500 TL" in note
    assert all(m["source_id"].startswith("destek:") for m in chatwoot.messages[conversation["id"]])
    # Opened to the agents last, once everything is there; created pending.
    assert chatwoot.paths("POST")[-1] == f"POST /conversations/{conversation['id']}/toggle_status"
    [create] = [
        c for c in chatwoot.calls if c.method == "POST" and c.path.endswith("/conversations")
    ]
    assert create.body["status"] == "pending"


@pytest.mark.anyio
async def test_a_second_request_reuses_the_contact_and_the_open_conversation(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
    async with running(served[1]) as live:  # a restart: nothing in memory
        await live.connector.request(HANDOVER)
    assert len(chatwoot.contacts) == 1
    [conversation] = chatwoot.conversations.values()
    messages = chatwoot.messages[conversation["id"]]
    assert sum(not m["private"] for m in messages) == len(HISTORY)  # the history once
    assert sum(m["private"] for m in messages) == 2  # a note for each request


@pytest.mark.anyio
async def test_a_contact_is_found_past_the_first_page_and_a_taken_phone_is_left_out(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    # The team's WhatsApp inbox already knows this phone; many contacts match the search.
    chatwoot.contacts.update(
        {n: {"id": n, "name": f"Oyuncu {SENDER}{n}", "identifier": f"{SENDER}{n}",
             "phone_number": "+905321234567" if n == 1 else None, "email": None,
             "contact_inboxes": []} for n in range(1, 40)}
    )  # fmt: skip
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        await live.connector.request(HANDOVER)
    [ours] = [c for c in chatwoot.contacts.values() if c["identifier"] == SENDER]
    assert ours["phone_number"] is None and ours["name"] == "Mehmet Demir"
    [conversation] = chatwoot.conversations.values()
    assert conversation["meta"]["sender"]["id"] == ours["id"]


@pytest.mark.anyio
async def test_the_players_message_while_open_is_posted_incoming(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
    async with running(served[1]) as live:  # found again through Chatwoot after a restart
        await live.connector.player_message(SENDER, {"sender": "user", "text": "hala bekliyorum"})
        with pytest.raises(HandoverError):
            await live.connector.player_message("905000000000", {"sender": "user", "text": "?"})
    [conversation] = chatwoot.conversations.values()
    last = chatwoot.messages[conversation["id"]][-1]
    assert (last["message_type"], last["private"], last["content"]) == (
        "incoming",
        False,
        "hala bekliyorum",
    )


# ---- what the agents do ------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_agent_reply_reaches_the_desk_once_and_our_own_posts_do_not(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        # Chatwoot reports every message we posted and the opening: none is the desk's.
        responses = await chatwoot.deliver_outbox(live.webhook, SECRET)
        assert [r.status_code for r in responses] == [200] * len(responses)
        assert live.desk.calls == []

        chatwoot.agent_reply(conversation_id, "Not: oyuncu VIP", private=True)
        reply = chatwoot.agent_reply(conversation_id, "Merhaba Mehmet Bey, kontrol ediyorum.")
        receipt = chatwoot.agent_reply(conversation_id, "")
        receipt["attachments"] = [{"file_type": "image", "data_url": "https://cw.example/r.png"}]
        await chatwoot.deliver_outbox(live.webhook, SECRET)
        again = await chatwoot.deliver(live.webhook, reply, SECRET)  # Chatwoot's retry

        assert again.status_code == 200
        assert live.desk.calls == [
            ("assigned", SENDER, "chatwoot:7", "Ayşe"),
            ("agent_message", SENDER, "chatwoot:7", "Merhaba Mehmet Bey, kontrol ediyorum."),
            ("agent_message", SENDER, "chatwoot:7", "https://cw.example/r.png"),
        ]
        # each keyed by its Chatwoot message id, the retry by the same one
        assert live.desk.message_ids == [f"chatwoot:{reply['id']}", f"chatwoot:{receipt['id']}"]


@pytest.mark.anyio
async def test_our_posts_are_known_without_a_source_id_and_an_agent_bot_sends_them(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    chatwoot.keeps_source_id = False  # an older Chatwoot: only our memory tells
    async with running(served[1], agent_bot_id=3) as live:
        await live.connector.request(HANDOVER)
        await chatwoot.deliver_outbox(live.webhook, SECRET)
        assert live.desk.calls == []
    [conversation] = chatwoot.conversations.values()
    senders = {(m["message_type"], m["sender"]["type"]) for m in chatwoot.messages[1]}
    assert senders == {("incoming", "contact"), ("outgoing", "agent_bot")}
    assert conversation["id"] == 1


@pytest.mark.anyio
async def test_an_assignment_is_told_to_the_desk(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        chatwoot.outbox.clear()
        await chatwoot.deliver(live.webhook, chatwoot.assign(conversation_id), SECRET)
        chatwoot.agent_reply(conversation_id, "Buradayım.")
        await chatwoot.deliver_outbox(live.webhook, SECRET)
    assert live.desk.calls == [
        ("assigned", SENDER, "chatwoot:7", "Ayşe"),
        ("agent_message", SENDER, "chatwoot:7", "Buradayım."),
    ]


@pytest.mark.anyio
async def test_resolution_closes_the_handover_with_the_labelled_resolution(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        chatwoot.outbox.clear()
        response = await chatwoot.deliver(
            live.webhook, chatwoot.resolve(conversation_id, ("resolution-cozuldu",)), SECRET
        )
    assert response.status_code == 200
    assert live.desk.calls == [("closed", SENDER, "agent", "cozuldu")]


@pytest.mark.anyio
async def test_webhooks_after_a_restart_are_mapped_through_chatwoot(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
    [conversation_id] = chatwoot.conversations
    reply = chatwoot.agent_reply(conversation_id, "Yatırımınız hesabınıza geçti.")
    del reply["conversation"]["custom_attributes"]  # an older payload: asked of Chatwoot
    async with running(served[1]) as live:  # nothing in memory: our posts (sent as the
        # token's user) are told apart by their source_id alone
        responses = await chatwoot.deliver_outbox(live.webhook, SECRET)
    assert {r.status_code for r in responses} == {200}
    assert live.desk.calls == [
        ("assigned", SENDER, "chatwoot:7", "Ayşe"),
        ("agent_message", SENDER, "chatwoot:7", "Yatırımınız hesabınıza geçti."),
    ]


@pytest.mark.anyio
async def test_withdraw_resolves_with_a_note_and_its_webhook_closes_nothing(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        chatwoot.outbox.clear()
        await live.connector.withdraw(SENDER, by="timeout")
        [resolved] = [p for p in chatwoot.outbox if p["event"] == "conversation_status_changed"]
        await chatwoot.deliver_outbox(live.webhook, SECRET)
        del resolved["custom_attributes"]  # an older payload: the state is asked of Chatwoot
        assert (await chatwoot.deliver(live.webhook, resolved, SECRET)).status_code == 200
        assert live.desk.calls == []
    [conversation] = chatwoot.conversations.values()
    assert conversation["status"] == "resolved"
    note = chatwoot.messages[conversation["id"]][-1]
    assert note["private"] and "zamanında alan olmadı" in note["content"]


# ---- bad deliveries ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_wrong_missing_or_stale_signature_is_refused(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        reply = chatwoot.agent_reply(conversation_id, "Merhaba")
        wrong = await chatwoot.deliver(live.webhook, reply, "another-secret")
        missing = await chatwoot.deliver(live.webhook, reply, None)
        stale = await chatwoot.deliver(
            live.webhook, reply, SECRET, timestamp=int(time.time()) - 3600
        )
        forged = await chatwoot.deliver(live.webhook, reply, SECRET, signature="sha256=" + "0" * 64)
    assert [r.status_code for r in (wrong, missing, stale, forged)] == [401] * 4
    assert live.desk.calls == []


@pytest.mark.anyio
async def test_an_unsigned_chatwoot_is_trusted_by_the_url_token(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1], webhook_secret="", webhook_token="url-token") as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        reply = chatwoot.agent_reply(conversation_id, "Merhaba")
        wrong = await chatwoot.deliver(live.webhook + "?token=yanlis", reply, None)
        right = await chatwoot.deliver(live.webhook + "?token=url-token", reply, None)
    assert (wrong.status_code, right.status_code) == (401, 200)
    assert [call[0] for call in live.desk.calls] == ["assigned", "agent_message"]


@pytest.mark.anyio
async def test_malformed_unknown_and_foreign_deliveries(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        reply = chatwoot.agent_reply(conversation_id, "Merhaba")
        not_json = await chatwoot.deliver(live.webhook, b"{not json", SECRET)
        no_ids = await chatwoot.deliver(live.webhook, {**reply, "conversation": {}}, SECRET)
        unknown = {
            **reply,
            "conversation": {
                **reply["conversation"],
                "id": 999,
                "custom_attributes": {},
                "meta": {},
            },
        }
        unknown_response = await chatwoot.deliver(live.webhook, unknown, SECRET)
        foreign = {**reply, "conversation": {**reply["conversation"], "inbox_id": 9}}
        foreign_response = await chatwoot.deliver(live.webhook, foreign, SECRET)
        no_private = {key: value for key, value in reply.items() if key != "private"}
        unsure = await chatwoot.deliver(live.webhook, no_private, SECRET)  # never a note leak
        updated = await chatwoot.deliver(
            live.webhook, {**reply, "event": "message_updated"}, SECRET
        )
    assert not_json.status_code == 400
    assert no_ids.status_code == 400
    assert unknown_response.status_code == 404
    assert foreign_response.status_code == 200
    assert updated.status_code == 200
    assert unsure.json() == {"status": "ignored"}
    assert live.desk.calls == []


@pytest.mark.anyio
async def test_a_step_the_desk_refuses_is_acknowledged_and_a_failing_desk_is_retried(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    desk = RecordingDesk(refused={SENDER})
    async with running(served[1], desk) as live:
        await live.connector.request(HANDOVER)
        [conversation_id] = chatwoot.conversations
        refused = await chatwoot.deliver(
            live.webhook, chatwoot.agent_reply(conversation_id, "Geç kaldım"), SECRET
        )
        assert (refused.status_code, refused.json()["status"]) == (200, "refused")

        desk.refused.clear()
        statuses = []
        for text in ("Tekrar merhaba", "Kontrol ettim"):
            desk.failing = 1  # first the assignment fails, then the message, as a store down
            reply = chatwoot.agent_reply(conversation_id, text)
            for _ in range(2):  # Chatwoot's retry of the 503
                statuses.append((await chatwoot.deliver(live.webhook, reply, SECRET)).status_code)
    assert statuses == [503, 200, 503, 200]
    assert desk.calls == [
        ("assigned", SENDER, "chatwoot:7", "Ayşe"),
        ("agent_message", SENDER, "chatwoot:7", "Tekrar merhaba"),
        ("agent_message", SENDER, "chatwoot:7", "Kontrol ettim"),
    ]


# ---- Chatwoot down -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_chatwoot_errors_are_retried_and_then_raised_and_nothing_is_lost(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        chatwoot.fail_next(429, retry_after="0")
        chatwoot.fail_next(503)
        await live.connector.request(HANDOVER)  # two failures, retried: it goes through
        assert [c.status for c in chatwoot.calls[:3]] == [429, 503, 200]

        chatwoot.fail_next(500, times=3)  # every attempt of one call (retries: 2)
        with pytest.raises(ChatwootUnavailable) as raised:
            await live.connector.player_message(SENDER, {"sender": "user", "text": "alo"})
        assert isinstance(raised.value, DestekError)
        await live.connector.player_message(SENDER, {"sender": "user", "text": "alo"})

    [conversation] = chatwoot.conversations.values()
    assert [m["content"] for m in chatwoot.messages[conversation["id"]]].count("alo") == 1
    assert conversation["status"] == "open"


@pytest.mark.anyio
async def test_a_request_cut_by_an_outage_is_completed_by_the_next_one(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1]) as live:
        # Contact and conversation are created, then Chatwoot fails for good while posting.
        chatwoot.fail_next(500, times=3, after=4)
        with pytest.raises(ChatwootUnavailable):
            await live.connector.request(HANDOVER)
        [conversation] = chatwoot.conversations.values()
        assert conversation["status"] == "pending"  # not shown to the agents half-written
        await live.connector.request(HANDOVER)  # the engine asks again once Chatwoot is back
    assert len(chatwoot.conversations) == 1
    assert conversation["status"] == "open"
    assert [m["content"] for m in chatwoot.messages[conversation["id"]] if not m["private"]] == [
        "yatırdığım 500 TL hesabıma geçmedi",
        "Hangi yöntemle yatırdınız?\n• Papara",
        "canli destek istiyorum",
    ]


@pytest.mark.anyio
async def test_a_refusal_is_raised_at_once_without_retrying(
    chatwoot: FakeChatwoot, served: tuple[FakeChatwoot, str]
) -> None:
    async with running(served[1], api_access_token="yanlis-token") as live:
        with pytest.raises(ChatwootRejected) as raised:
            await live.connector.request(HANDOVER)
    assert raised.value.status == 401
    assert "yanlis-token" not in str(raised.value)
    assert len(chatwoot.calls) == 1
