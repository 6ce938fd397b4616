"""The dialogue engine, turn by turn: rules, forms, stories, fallback, handover, sessions,
identity tokens, and custom actions on a real rasa_sdk action server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from bot.dialogue.action_client import ActionClient
from bot.dialogue.engine import ACTION_FAILED_TEXT, Engine, UserMessage
from bot.dialogue.events import ActionExecuted, ActionExecutionRejected, UserUttered
from bot.dialogue.handover_events import HandoverAssigned, HandoverRequested
from bot.model_storage import CoreModel
from bot.store.memory import InMemoryTrackerStore
from tests.action_server import start_action_server, stop
from tests.dialogue.engine_project import TOKEN_SECRET, make_engine, train_project

ACTIONS = """\
from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.interfaces import ActionExecutionRejection


class ValidateDepositForm(FormValidationAction):
    def name(self):
        return "validate_deposit_form"

    def validate_payment_method(self, value, dispatcher, tracker, domain):
        if len(str(value).split()) > 3:
            raise ActionExecutionRejection(self.name(), "not a payment method")
        return {"payment_method": value}


class ActionCheckDeposit(Action):
    def name(self):
        return "action_check_deposit"

    def run(self, dispatcher, tracker, domain):
        amount = tracker.get_slot("amount")
        method = tracker.get_slot("payment_method")
        dispatcher.utter_message(text=f"{amount} {method} yatırımınızı buldum.")
        return []


class ActionBalance(Action):
    def name(self):
        return "action_balance"

    def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("verified") is not True:
            dispatcher.utter_message(text="Önce doğrulama gerekiyor.")
            return []
        dispatcher.utter_message(text=f"Oyuncu {tracker.get_slot('player_id')}: 250 TL.")
        return []


class ActionRejectMe(Action):
    def name(self):
        return "action_reject_me"

    def run(self, dispatcher, tracker, domain):
        raise ActionExecutionRejection(self.name(), "çalışamam")


class ActionBroken(Action):
    def name(self):
        return "action_broken"

    def run(self, dispatcher, tracker, domain):
        raise RuntimeError("boom")


class ActionMalformed(Action):
    def name(self):
        return "action_malformed"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Belgeleriniz inceleniyor.")
        return [{"event": "slot", "name": 7}, {"event": "nope"}, SlotSet("amount", "10 TL")]
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("engine-project"))


@pytest.fixture(scope="module")
def action_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = tmp_path_factory.mktemp("engine-actions")
    (project / "engine_test_actions").mkdir()
    (project / "engine_test_actions" / "__init__.py").write_text(ACTIONS, encoding="utf-8")
    server, base = start_action_server(project, "engine_test_actions")
    try:
        yield f"{base}/webhook"
    finally:
        stop(server)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def engine(core: CoreModel, action_url: str, http: httpx.AsyncClient) -> Engine:
    return make_engine(core, action_client=ActionClient(action_url, http, timeout=5))


async def say(engine: Engine, text: str, sender: str = "p1", **kw: Any) -> list[str]:
    replies = await engine.handle(UserMessage(text, sender, **kw))
    return [r.get("text", "") for r in replies]


async def actions_of(engine: Engine, sender: str = "p1") -> list[str]:
    tracker = await engine.tracker(sender)
    return [
        e.name
        for e in tracker.events
        if isinstance(e, ActionExecuted) and e.name not in ("action_listen", "action_session_start")
        and e.name is not None
    ]  # fmt: skip


# ---- responses and rules --------------------------------------------------------------


@pytest.mark.anyio
async def test_a_rule_answers_with_the_response_its_slots_and_buttons(engine: Engine) -> None:
    replies = await engine.handle(UserMessage("merhaba", "p1"))
    assert replies == [
        {
            "recipient_id": "p1",
            "text": "Merhaba oyuncu!",
            "buttons": [
                {"title": "Yatırım", "payload": '/deposit_missing{"payment_method": "papara"}'}
            ],
        }
    ]
    tracker = await engine.tracker("p1")
    kinds = [e.type_name for e in tracker.events]
    assert kinds[:3] == ["action", "session_started", "action"]  # the session opened first
    assert kinds[-3:] == ["action", "bot", "action"]  # utter_greet, its text, listen


@pytest.mark.anyio
async def test_a_conditional_and_a_channel_variation_are_preferred(engine: Engine) -> None:
    assert await say(engine, "teşekkürler", input_channel="telegram") == [
        "Telegram'dan rica ederim."
    ]
    assert await say(engine, "teşekkürler", "p2", input_channel="rest") == ["Rica ederim."]


@pytest.mark.anyio
async def test_a_button_payload_skips_nlu_and_brings_its_entities(engine: Engine) -> None:
    replies = await say(engine, '/deposit_missing{"payment_method": "papara"}')
    assert replies == ["Tutar ne kadardı?"]
    tracker = await engine.tracker("p1")
    assert tracker.get_slot("payment_method") == "papara"
    assert tracker.latest_message.intent_name == "deposit_missing"


# ---- forms ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_form_asks_slot_by_slot_then_the_rule_after_it_runs(engine: Engine) -> None:
    assert await say(engine, "yatırımım gelmedi") == ["Tutar ne kadardı?"]
    assert await say(engine, "500") == ["Hangi yöntemle yatırdınız?"]
    assert await say(engine, "kripto ile") == ["500 TL kripto ile yatırımınızı buldum."]
    assert await actions_of(engine) == [
        "deposit_form", "deposit_form", "deposit_form", "action_check_deposit",
    ]  # fmt: skip
    tracker = await engine.tracker("p1")
    assert tracker.active_loop_name is None
    assert tracker.get_slot("requested_slot") is None


@pytest.mark.anyio
async def test_a_message_with_every_slot_ends_the_form_at_once(engine: Engine) -> None:
    replies = await say(engine, "papara ile 750 attım gelmedi")
    assert replies == ["750 TL papara yatırımınızı buldum."]


@pytest.mark.anyio
async def test_an_interruption_is_answered_then_the_form_asks_again(engine: Engine) -> None:
    await say(engine, "yatırımım gelmedi")
    replies = await say(engine, "hangi yöntemler var")
    assert replies == ["Papara, havale ve kripto ile yatırabilirsiniz.", "Tutar ne kadardı?"]
    tracker = await engine.tracker("p1")
    rejected = [e for e in tracker.events if isinstance(e, ActionExecutionRejected)]
    assert [e.name for e in rejected] == ["deposit_form"]
    assert tracker.active_loop_name == "deposit_form"
    assert await say(engine, "300") == ["Hangi yöntemle yatırdınız?"]


@pytest.mark.anyio
async def test_a_refused_answer_is_not_kept_and_the_form_asks_again(engine: Engine) -> None:
    await say(engine, "yatırımım gelmedi")
    await say(engine, "500")
    replies = await say(engine, "bu ne biçim bir site böyle ya")
    assert replies[-1] == "Hangi yöntemle yatırdınız?"
    tracker = await engine.tracker("p1")
    assert tracker.get_slot("payment_method") is None
    assert tracker.active_loop_name == "deposit_form"
    assert await say(engine, "papara") == ["500 TL papara yatırımınızı buldum."]


@pytest.mark.anyio
async def test_asking_for_a_human_mid_form_ends_the_form_and_hands_over(engine: Engine) -> None:
    await say(engine, "yatırımım gelmedi")
    await say(engine, "500")
    assert await say(engine, "temsilci istiyorum") == ["Sizi temsilciye aktarıyorum."]
    tracker = await engine.tracker("p1")
    assert tracker.active_loop_name is None
    assert tracker.in_handover


# ---- stories and the learned policy ---------------------------------------------------


@pytest.mark.anyio
async def test_a_story_path_is_followed_where_no_rule_says_what_comes_next(engine: Engine) -> None:
    assert await say(engine, "sitede hata var") == ["Sayfayı yenileyin."]
    assert await say(engine, "hayır düzelmedi") == ["Teknik ekibe aktarıyorum."]
    tracker = await engine.tracker("p1")
    request = next(e for e in tracker.events if isinstance(e, HandoverRequested))
    assert request.skill == "technical"
    actions = [e for e in tracker.events if isinstance(e, ActionExecuted)]
    policies = {e.name: e.policy for e in actions}
    assert policies["utter_technical_handoff"] in ("MemoizationPolicy", "LinearPolicy")


@pytest.mark.anyio
async def test_the_learned_policy_generalises_to_an_unseen_opening(engine: Engine) -> None:
    # No story starts with a thank-you before the technical issue.
    await say(engine, "teşekkürler")
    await say(engine, "sitede hata var")
    assert await say(engine, "hayır düzelmedi") == ["Teknik ekibe aktarıyorum."]


# ---- fallback and handover ------------------------------------------------------------


@pytest.mark.anyio
async def test_first_unsure_turn_asks_with_the_likeliest_intents_as_buttons(
    engine: Engine,
) -> None:
    replies = await engine.handle(UserMessage("asdf qwer", "p1"))
    assert replies[0]["text"] == "Bunu mu demek istediniz?"
    payloads = [b["payload"] for b in replies[0]["buttons"]]
    assert payloads[:2] == ["/deposit_missing", "/balance"]
    assert "/human_handoff" in payloads
    assert not (await engine.tracker("p1")).in_handover


@pytest.mark.anyio
async def test_a_second_unsure_turn_in_a_row_hands_over(engine: Engine) -> None:
    store = engine.store
    await say(engine, "asdf qwer")
    replies = await say(engine, "zxcv")
    assert "müşteri temsilcimize aktarıyorum" in replies[0]
    tracker = await engine.tracker("p1")
    request = next(e for e in tracker.events if isinstance(e, HandoverRequested))
    assert request.reason == "two_fallbacks"
    records = await store.handovers("p1")
    assert [r["reason"] for r in records] == ["two_fallbacks"]


@pytest.mark.anyio
async def test_an_understood_turn_between_two_unsure_ones_resets_the_count(engine: Engine) -> None:
    await say(engine, "asdf")
    await say(engine, "teşekkürler")
    replies = await say(engine, "zxcv")
    assert replies[0] == "Bunu mu demek istediniz?"


@pytest.mark.anyio
async def test_a_complaint_hands_over_with_priority_and_a_summary(engine: Engine) -> None:
    await say(engine, "papara ile 500 yatırdım gelmedi")
    await say(engine, "rezalet bir site")
    records = await engine.store.handovers("p1")
    assert len(records) == 1
    record = records[0]
    assert (record["reason"], record["skill"], record["priority"]) == ("complaint", "finance", 2)
    assert "amount=500 TL" in record["summary"]
    assert "payment_method=papara" in record["summary"]
    assert '"rezalet bir site"' in record["summary"]


@pytest.mark.anyio
async def test_the_bot_answers_a_waiting_player_and_is_silent_once_an_agent_has_them(
    engine: Engine,
) -> None:
    await say(engine, "temsilci lütfen")
    assert (await engine.tracker("p1")).handover_status == "waiting"
    assert await say(engine, "teşekkürler") == ["Rica ederim."]
    await say(engine, "temsilci")  # asking again while waiting queues nothing new
    assert len(await engine.store.handovers("p1")) == 1
    await engine.store.append("p1", [HandoverAssigned("ali").as_dict()])
    assert await say(engine, "merhaba orada kimse var mı") == []
    assert await say(engine, "teşekkürler") == []
    tracker = await engine.tracker("p1")
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert texts[-2:] == ["merhaba orada kimse var mı", "teşekkürler"]
    assert tracker.handover_status == "assigned"


# ---- sessions and identity ------------------------------------------------------------


@pytest.mark.anyio
async def test_a_session_expires_after_silence_but_not_under_an_agent(core: CoreModel) -> None:
    now = [1_000_000.0]
    store = InMemoryTrackerStore()
    engine = make_engine(core, store=store, clock=lambda: now[0])

    def sessions(events: list[dict[str, Any]]) -> int:
        return sum(1 for e in events if e["event"] == "session_started")

    await engine.handle(UserMessage("merhaba", "p1"))
    now[0] += 30 * 60
    await engine.handle(UserMessage("teşekkürler", "p1"))
    assert sessions(await store.load("p1")) == 1
    now[0] = time.time() + 2 * 3600  # events carry real timestamps
    await engine.handle(UserMessage("temsilci", "p1"))
    assert sessions(await store.load("p1")) == 2
    await store.append("p1", [HandoverAssigned("ali").as_dict()])
    now[0] += 5 * 3600
    await engine.handle(UserMessage("hâlâ bekliyorum", "p1"))
    assert sessions(await store.load("p1")) == 2  # the agent still has it
    assert (await engine.tracker("p1")).in_handover


@pytest.mark.anyio
async def test_a_wait_in_the_queue_forgotten_for_a_session_ends_with_it(core: CoreModel) -> None:
    now = [time.time()]
    store = InMemoryTrackerStore()
    engine = make_engine(core, store=store, clock=lambda: now[0])
    await engine.handle(UserMessage("temsilci", "p1"))
    assert (await engine.tracker("p1")).handover_status == "waiting"
    now[0] += 2 * 3600  # the queue never answered (its worker died before hearing of it)
    assert await say(engine, "teşekkürler") == ["Rica ederim."]
    assert not (await engine.tracker("p1")).in_handover


def _token(player: str, secret: str = TOKEN_SECRET, expires: float | None = None) -> str:
    claims = {"sub": player, "aud": "destek-player", "exp": int(expires or time.time() + 600)}
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.mark.anyio
async def test_a_signed_player_token_verifies_the_player(engine: Engine) -> None:
    replies = await say(engine, "bakiyem", metadata={"player_token": _token("1001")})
    assert replies == ["Oyuncu 1001: 250 TL."]
    tracker = await engine.tracker("p1")
    assert tracker.get_slot("verified") is True


@pytest.mark.anyio
@pytest.mark.parametrize(
    "token",
    [
        _token("1001", secret="baska-anahtar-otuz-iki-bayttan-da-uzun-olmali"),
        _token("1001", expires=time.time() - 3600),
        "bozuk",
    ],
    ids=["wrong secret", "expired", "garbage"],
)
async def test_a_bad_token_verifies_nobody(engine: Engine, token: str) -> None:
    replies = await say(engine, "bakiyem", metadata={"customData": {"player_token": token}})
    assert replies == ["Önce doğrulama gerekiyor."]


# ---- custom actions that misbehave ----------------------------------------------------


@pytest.mark.anyio
async def test_a_rejected_action_lets_the_policies_choose_again(engine: Engine) -> None:
    replies = await say(engine, "hava nasıl")
    assert replies == ["Anlayamadım."]
    tracker = await engine.tracker("p1")
    assert any(
        isinstance(e, ActionExecutionRejected) and e.name == "action_reject_me"
        for e in tracker.events
    )


@pytest.mark.anyio
async def test_a_failing_action_apologises_and_hands_over(engine: Engine) -> None:
    replies = await say(engine, "bonus ne oldu")
    assert replies == [ACTION_FAILED_TEXT]
    records = await engine.store.handovers("p1")
    assert [r["reason"] for r in records] == ["action_failed"]


@pytest.mark.anyio
async def test_a_dead_action_server_apologises_and_hands_over(
    core: CoreModel, http: httpx.AsyncClient
) -> None:
    engine = make_engine(core, action_client=ActionClient("http://127.0.0.1:9/webhook", http, 2))
    started = time.monotonic()
    replies = await say(engine, "bakiyem")
    assert replies == [ACTION_FAILED_TEXT]
    assert time.monotonic() - started < 5
    assert (await engine.tracker("p1")).in_handover


@pytest.mark.anyio
async def test_malformed_events_are_dropped_and_the_rest_applied(engine: Engine) -> None:
    replies = await say(engine, "kimlik durumum")
    assert replies == ["Belgeleriniz inceleniyor."]
    assert (await engine.tracker("p1")).get_slot("amount") == "10 TL"


# ---- many messages at once ------------------------------------------------------------


@pytest.mark.anyio
async def test_fifty_messages_at_once_are_all_kept_in_order(engine: Engine) -> None:
    texts = [f"teşekkürler {i}" for i in range(50)]
    results = await asyncio.gather(*(say(engine, t) for t in texts))
    assert all(r == ["Rica ederim."] for r in results)
    tracker = await engine.tracker("p1")
    kept = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert kept == texts
    assert sum(1 for e in tracker.events if e.type_name == "session_started") == 1


@pytest.mark.anyio
async def test_an_empty_message_gets_a_polite_answer(engine: Engine) -> None:
    replies = await say(engine, "   ")
    assert replies == ["Şimdilik yalnızca yazılı mesajları anlayabiliyorum; derdinizi kısaca "
                       "yazar mısınız?"]  # fmt: skip


@pytest.mark.anyio
async def test_a_sticker_mid_form_is_answered_and_the_form_goes_on(engine: Engine) -> None:
    assert await say(engine, "yatırımım gelmedi") == ["Tutar ne kadardı?"]
    replies = await say(engine, None, metadata={"media": "sticker"})  # type: ignore[arg-type]
    assert replies[0].startswith("Şimdilik yalnızca yazılı")
    assert await say(engine, "500") == ["Hangi yöntemle yatırdınız?"]
    tracker = await engine.tracker("p1")
    sticker = [e for e in tracker.events if isinstance(e, UserUttered) and not e.text]
    assert sticker and sticker[0].metadata == {"media": "sticker"}


@pytest.mark.anyio
async def test_a_sticker_to_an_agent_is_kept_in_silence(engine: Engine) -> None:
    await say(engine, "temsilci lütfen")
    await engine.store.append("p1", [HandoverAssigned("ali").as_dict()])
    assert await say(engine, None, metadata={"media": "photo"}) == []  # type: ignore[arg-type]
    tracker = await engine.tracker("p1")
    assert isinstance(tracker.events[-1], UserUttered)


@pytest.mark.anyio
async def test_a_redelivered_message_id_is_ignored(engine: Engine) -> None:
    assert await say(engine, "merhaba", message_id="tg:7") != []
    assert await say(engine, "merhaba", message_id="tg:7") == []
    assert await say(engine, "merhaba", message_id="tg:8") != []
    tracker = await engine.tracker("p1")
    assert [e.message_id for e in tracker.events if isinstance(e, UserUttered)] == [
        "tg:7", "tg:8",
    ]  # fmt: skip


def test_the_trained_policies_survive_pickling(core: CoreModel, tmp_path: Path) -> None:
    import pickle

    again = pickle.loads(pickle.dumps(core))
    assert again.policies.names == core.policies.names == [
        "RulePolicy", "MemoizationPolicy", "LinearPolicy",
    ]  # fmt: skip


# ---- trackers kept between turns ------------------------------------------------------


class CountingStore(InMemoryTrackerStore):
    """Counts whole reads, to see when a kept tracker was used instead."""

    def __init__(self) -> None:
        super().__init__()
        self.whole_reads = 0

    async def load(self, sender_id: str) -> list[dict[str, Any]]:
        self.whole_reads += 1
        return await super().load(sender_id)


@pytest.mark.anyio
async def test_a_kept_tracker_sees_what_another_worker_added(
    core: CoreModel, action_url: str, http: httpx.AsyncClient
) -> None:
    store = CountingStore()
    first, second = (
        make_engine(core, store=store, action_client=ActionClient(action_url, http, timeout=5))
        for _ in range(2)
    )
    await say(first, "yatırımım gelmedi")
    assert await say(second, "500") == ["Hangi yöntemle yatırdınız?"]
    # The first worker's kept tracker is brought up to date: the form goes on there.
    assert await say(first, "kripto ile") == ["500 TL kripto ile yatırımınızı buldum."]
    fresh = make_engine(core, store=store)
    assert (await first.tracker("p1")).events == (await fresh.tracker("p1")).events
    assert store.whole_reads == 3  # once per engine; the later turns read only what was new


@pytest.mark.anyio
async def test_a_conversation_rewritten_under_a_kept_tracker_is_read_whole(
    core: CoreModel, action_url: str, http: httpx.AsyncClient
) -> None:
    store = CountingStore()
    engine = make_engine(core, store=store, action_client=ActionClient(action_url, http, timeout=5))
    await say(engine, "yatırımım gelmedi")
    # Erased and begun again elsewhere: the stored events are not the ones kept here.
    store._events.clear()
    other = make_engine(core, store=store)
    await say(other, "merhaba")
    await say(other, "teşekkürler")
    assert await say(engine, "500") != ["Hangi yöntemle yatırdınız?"]
    tracker = await engine.tracker("p1")
    assert tracker.active_loop_name is None
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
        "merhaba", "teşekkürler", "500",
    ]  # fmt: skip
