"""Small projects in Rasa's layout, trained and talked to: what real Rasa 3 projects rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.dialogue.action_client import ActionClient
from bot.dialogue.builtin_actions import run_builtin
from bot.dialogue.engine import Engine, UserMessage
from bot.dialogue.events import ActionExecuted
from bot.dialogue.tracker import Tracker
from bot.model_storage import CoreModel
from tests.action_server import start_action_server, stop
from tests.dialogue.rasa_projects import (
    CARD_PAYMENT,
    TABLE_FORM,
    TABLE_FORM_ACTIONS,
    keyword_nlu,
    make_engine,
    train_project,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def say(engine: Engine, text: str, sender: str = "p1") -> list[str]:
    replies = await engine.handle(UserMessage(text, sender))
    return [r.get("text", "") for r in replies]


async def actions_of(engine: Engine, sender: str = "p1") -> list[str]:
    tracker = await engine.tracker(sender)
    skipped = ("action_listen", "action_session_start")
    return [
        e.name
        for e in tracker.events
        if isinstance(e, ActionExecuted) and e.name is not None and e.name not in skipped
    ]


# ---- a form's `value: true` in a text slot (Rasa's formbot) ---------------------------

TABLE_KEYWORDS = (
    ("masa", "request_table"), ("evet", "affirm"), ("olur", "affirm"), ("hayır", "deny"),
    ("dışarı", "inform"), ("içeri", "inform"),
)  # fmt: skip


def seating(text: str) -> list[dict[str, Any]]:
    words = [w for w in ("dışarı", "içeri") if w in text]
    return [{"entity": "seating", "value": w} for w in words]


@pytest.fixture(scope="module")
def table_core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("table-form"), TABLE_FORM)


@pytest.fixture(scope="module")
def table_actions_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = tmp_path_factory.mktemp("table-form-actions")
    (project / "table_actions").mkdir()
    (project / "table_actions" / "__init__.py").write_text(TABLE_FORM_ACTIONS, encoding="utf-8")
    server, base = start_action_server(project, "table_actions")
    try:
        yield f"{base}/webhook"
    finally:
        stop(server)


@pytest.fixture
def table_engine(table_core: CoreModel, table_actions_url: str, http: httpx.AsyncClient) -> Engine:
    parse = keyword_nlu(TABLE_KEYWORDS, seating)
    return make_engine(table_core, parse, ActionClient(table_actions_url, http, timeout=5))


@pytest.mark.anyio
async def test_yes_fills_a_text_slot_with_true_and_the_form_goes_on(table_engine: Engine) -> None:
    assert await say(table_engine, "masa ayırtmak istiyorum") == ["Dışarıda mı oturmak istersiniz?"]
    assert await say(table_engine, "evet") == ["Masanız dışarıda. Başka bir isteğiniz var mı?"]
    tracker = await table_engine.tracker("p1")
    assert tracker.get_slot("outdoor_seating") is True
    assert await say(table_engine, "cam kenarı olsun") == ["Tamam!"]
    assert await actions_of(table_engine) == [
        "table_form",
        "table_form",
        "table_form",
        "utter_submit",
    ]


@pytest.mark.anyio
async def test_no_fills_a_text_slot_with_false(table_engine: Engine) -> None:
    await say(table_engine, "masa lazım", sender="p2")
    assert await say(table_engine, "hayır", sender="p2") == [
        "Masanız içeride. Başka bir isteğiniz var mı?"
    ]
    assert (await table_engine.tracker("p2")).get_slot("outdoor_seating") is False


@pytest.mark.anyio
async def test_a_validator_may_put_true_in_a_text_slot(table_engine: Engine) -> None:
    await say(table_engine, "masa ayırtır mısın", sender="p3")
    assert await say(table_engine, "dışarıda olsun", sender="p3") == [
        "Masanız dışarıda. Başka bir isteğiniz var mı?"
    ]
    assert (await table_engine.tracker("p3")).get_slot("outdoor_seating") is True


# ---- entities in the dialogue state: use_entities, ignore_entities, roles ------------

CARD_KEYWORDS = (
    ("ödemek", "pay_cc"), ("bakiye", "check_balance"), ("gönder", "transfer"),
    ("iptal", "cancel_trip"), ("bilet", "book_trip"),
)  # fmt: skip


def card_entities(text: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if "kart" in text:
        found.append({"entity": "credit_card", "value": "altın kart"})
    if "vadesiz" in text:
        found.append({"entity": "account_type", "value": "vadesiz"})
    if "500" in text:
        found.append({"entity": "amount", "value": "500 TL"})
    if "ankaradan" in text:
        found.append({"entity": "city", "value": "Ankara", "role": "departure"})
    if "izmire" in text:
        found.append({"entity": "city", "value": "İzmir", "role": "destination"})
    if "istanbul" in text:
        found.append({"entity": "city", "value": "İstanbul"})
    return found


@pytest.fixture(scope="module")
def card_core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("card-payment"), CARD_PAYMENT)


@pytest.fixture
def card_engine(card_core: CoreModel) -> Engine:
    return make_engine(card_core, keyword_nlu(CARD_KEYWORDS, card_entities))


@pytest.mark.anyio
async def test_an_entity_the_intent_does_not_use_keeps_the_story_and_still_fills_its_slot(
    card_engine: Engine,
) -> None:
    assert await say(card_engine, "altın kartımı ödemek istiyorum") == ["Hangi karttan ödeyelim?"]
    assert (await card_engine.tracker("p1")).get_slot("credit_card") == "altın kart"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("vadesiz hesabımın bakiyesi", "O hesabın bakiyesi 100 TL."),
        ("vadesiz kartımın bakiyesi", "O hesabın bakiyesi 100 TL."),  # credit_card is not used
        ("bakiyem ne kadar", "Hangi hesap?"),
        ("kartımın bakiyesi", "Hangi hesap?"),
    ],
)
async def test_an_intent_uses_only_the_entities_it_lists(
    card_engine: Engine, text: str, reply: str
) -> None:
    assert await say(card_engine, text) == [reply]


@pytest.mark.anyio
async def test_an_ignored_entity_is_left_out_of_the_state_but_fills_its_slot(
    card_engine: Engine,
) -> None:
    assert await say(card_engine, "para göndermek istiyorum") == ["Kime gönderelim?"]
    assert await say(card_engine, "500 TL göndermek istiyorum", sender="p2") == ["Kime gönderelim?"]
    assert (await card_engine.tracker("p2")).get_slot("amount") == "500 TL"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("ankaradan bilet alacağım", "Nereye gideceksiniz?"),
        ("ankaradan izmire bilet", "Yolculuğunuzu onaylıyor musunuz?"),
    ],
)
async def test_entity_roles_tell_stories_apart(card_engine: Engine, text: str, reply: str) -> None:
    assert await say(card_engine, text) == [reply]
    if "ankaradan" in text:
        assert (await card_engine.tracker("p1")).get_slot("departure") == "Ankara"


@pytest.mark.anyio
async def test_a_rule_with_an_entity_role_needs_that_role(card_engine: Engine) -> None:
    assert await say(card_engine, "izmire biletimi iptal et") == [
        "Oraya giden biletinizi iptal ediyorum."
    ]
    for sender, text in (("p2", "ankaradan biletimi iptal et"), ("p3", "istanbul iptal")):
        assert await say(card_engine, text, sender=sender) == []  # no utter_default: silence
        assert await actions_of(card_engine, sender) == ["action_default_fallback"]


# ---- a domain without utter_default ---------------------------------------------------


@pytest.mark.anyio
async def test_without_utter_default_the_fallback_sends_nothing(card_engine: Engine) -> None:
    assert await say(card_engine, "hava nasıl") == []
    tracker = await card_engine.tracker("p1")
    assert await actions_of(card_engine) == ["action_default_fallback"]
    assert not [e for e in tracker.events if e.type_name == "bot"]
    assert tracker.events[-1].type_name == "action"  # listening again, the message reverted
    assert await say(card_engine, "altın kartımı ödemek istiyorum") == ["Hangi karttan ödeyelim?"]


@pytest.mark.parametrize(
    "action", ["action_default_fallback", "action_default_ask_rephrase", "action_back"]
)
def test_rasas_default_actions_say_only_responses_the_domain_declares(
    card_core: CoreModel, action: str
) -> None:
    tracker = Tracker.from_events("p1", domain=card_core.domain)
    events = run_builtin(action, tracker, card_core.domain, lambda name, tracker: None)
    assert not [e for e in events if e.type_name == "bot"]
