"""The engine around a handover: the player's rating after the close, going back to the
bot, the texts a domain declares (and none it does not), and what the live-agent
connector is told after each turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.domain import read_domain
from bot.dialogue.engine import Engine, UserMessage
from bot.dialogue.events import Event, Restarted, SessionStarted, UserUttered
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
)
from bot.dialogue.handover_turns import csat_score, live_agent_calls, wants_the_bot
from bot.dialogue.tracker import Tracker
from bot.model_storage import CoreModel
from tests.dialogue.engine_project import DOMAIN, make_engine, train_project

HANDOVER_RESPONSES = """\
version: "3.1"
responses:
  utter_csat_thanks: [{text: "Değerlendirmeniz için teşekkürler!"}]
  utter_handover_cancelled: [{text: "Tamam, size ben yardımcı olmaya devam ediyorum."}]
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("handover-engine-project"))


@pytest.fixture
def engine(core: CoreModel) -> Engine:
    """The test bot, as a Rasa project would be: no handover texts declared."""
    return make_engine(core)


@pytest.fixture
def destek_engine(core: CoreModel, tmp_path: Path) -> Engine:
    """The same bot with the handover texts Destek's own domain declares."""
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (tmp_path / "handover.yml").write_text(HANDOVER_RESPONSES, encoding="utf-8")
    return make_engine(core, domain=read_domain(tmp_path))


async def say(engine: Engine, text: str, sender: str = "p1") -> list[str]:
    return [r.get("text", "") for r in await engine.handle(UserMessage(text, sender))]


async def record(engine: Engine, *events: Event, sender: str = "p1") -> None:
    """What the handover desk appends when humans act."""
    await engine.store.append(sender, [event.as_dict() for event in events])


@pytest.mark.parametrize(
    ("text", "score"),
    [("5", 5), (" 1 ", 1), ("4/5", 4), ('/csat{"score": 3}', 3), ("6", None), ("0", None),
     ("5 TL yatırdım", None), ('/csat{"score": 9}', None), ("/csat{bozuk", None)],
)  # fmt: skip
def test_a_rating_is_a_digit_or_a_button(text: str, score: int | None) -> None:
    assert csat_score(text) == score


@pytest.mark.parametrize(
    ("text", "status", "back"),
    [("bota dön", "waiting", True), ("Bota Don!", "waiting", True), ("İPTAL", "waiting", True),
     ("vazgeç", "waiting", True), ("/back_to_bot", "assigned", True),
     ("bota dön", "assigned", True), ("iptal", "assigned", False),
     ("çekimimi iptal etmek istiyorum", "waiting", False), ("bota dön", None, False)],
)  # fmt: skip
def test_going_back_to_the_bot_is_asked_plainly(text: str, status: str | None, back: bool) -> None:
    assert wants_the_bot(text, status) is back


@pytest.mark.anyio
async def test_after_the_close_a_rating_is_stored_and_thanked(destek_engine: Engine) -> None:
    await say(destek_engine, "temsilci lütfen")
    await record(destek_engine, HandoverAssigned("ali"), HandoverClosed("agent", "resolved"))
    await record(destek_engine, CsatAsked())
    assert await say(destek_engine, "4") == ["Değerlendirmeniz için teşekkürler!"]
    tracker = await destek_engine.tracker("p1")
    assert [e.score for e in tracker.events if isinstance(e, CsatRated)] == [4]
    assert await say(destek_engine, "teşekkürler") == ["Rica ederim."]  # the bot is back


@pytest.mark.anyio
async def test_a_rating_button_of_a_project_without_the_thanks_is_stored_silently(
    engine: Engine,
) -> None:
    await say(engine, "temsilci lütfen")
    await record(engine, HandoverAssigned("ali"), HandoverClosed("agent"), CsatAsked())
    assert await say(engine, '/csat{"score": 5}') == []
    tracker = await engine.tracker("p1")
    assert [e.score for e in tracker.events if isinstance(e, CsatRated)] == [5]


@pytest.mark.anyio
async def test_a_player_who_ignores_the_rating_is_answered_as_usual(engine: Engine) -> None:
    await say(engine, "temsilci lütfen")
    await record(engine, HandoverAssigned("ali"), HandoverClosed("agent"), CsatAsked())
    assert await say(engine, "teşekkürler") == ["Rica ederim."]
    assert await say(engine, "5") != []  # no longer a rating: the bot answers it
    tracker = await engine.tracker("p1")
    assert not any(isinstance(e, CsatRated) for e in tracker.events)


@pytest.mark.anyio
async def test_a_waiting_player_goes_back_to_the_bot(destek_engine: Engine) -> None:
    await say(destek_engine, "temsilci lütfen")
    replies = await say(destek_engine, "bota dön")
    assert replies == ["Tamam, size ben yardımcı olmaya devam ediyorum."]
    tracker = await destek_engine.tracker("p1")
    assert not tracker.in_handover
    closed = [e for e in tracker.events if isinstance(e, HandoverClosed)]
    assert [c.by for c in closed] == ["player"]
    assert await say(destek_engine, "temsilci") == ["Sizi temsilciye aktarıyorum."]
    assert (await destek_engine.tracker("p1")).handover_status == "waiting"


@pytest.mark.anyio
async def test_iptal_to_an_agent_is_for_the_agent_but_bota_don_leaves(engine: Engine) -> None:
    await say(engine, "temsilci lütfen")
    await record(engine, HandoverAssigned("ali"))
    assert await say(engine, "iptal") == []
    assert (await engine.tracker("p1")).handover_status == "assigned"
    assert await say(engine, "bota dön") == []  # no text declared for it in this project
    assert not (await engine.tracker("p1")).in_handover
    assert await say(engine, "teşekkürler") == ["Rica ederim."]


def _tracker(*events: Event) -> Tracker:
    return Tracker.from_events("p1", events)


def test_the_connector_is_told_what_a_turn_did() -> None:
    asked = HandoverRequested("player_asked", skill="finance", priority=1, summary="Sebep")
    before = _tracker(UserUttered("temsilci", input_channel="telegram"))
    after = before.with_events([asked])
    calls = live_agent_calls(before, after, [asked], "tr")
    assert calls.request is not None and calls.withdraw_by is None
    assert (calls.request.sender_id, calls.request.skill, calls.request.channel) == (
        "p1", "finance", "telegram",
    )  # fmt: skip
    assert [line["text"] for line in calls.request.history] == ["temsilci"]

    said = UserUttered("hâlâ bekliyorum")
    calls = live_agent_calls(after, after.with_events([said]), [said], "tr")
    assert calls.player_message is not None and calls.player_message["text"] == "hâlâ bekliyorum"
    assert calls.request is None

    back = [UserUttered("bota dön"), HandoverClosed("player")]
    calls = live_agent_calls(after, after.with_events(back), back, "tr")
    assert (calls.withdraw_by, calls.request, calls.player_message) == ("player", None, None)


def test_nothing_is_told_outside_a_handover() -> None:
    said: list[Any] = [UserUttered("merhaba")]
    calls = live_agent_calls(_tracker(), _tracker(*said), said, "tr")
    assert (calls.request, calls.player_message, calls.withdraw_by) == (None, None, None)


def test_the_answers_after_a_close_are_passed_on_for_the_agent_still_reading() -> None:
    closed = _tracker(HandoverRequested("player_asked"), HandoverClosed("agent"))
    for answer in (CsatRated(score=4), CsatCommented("çok hızlıydı"), FollowUpAnswered(True)):
        said: list[Event] = [UserUttered("bir cevap"), answer]
        calls = live_agent_calls(closed, closed.with_events(said), said, "tr")
        assert calls.closing_answer is not None and calls.closing_answer["text"] == "bir cevap"
        assert (calls.request, calls.player_message, calls.withdraw_by) == (None, None, None)
    said = [UserUttered("merhaba")]  # a new question after the close is the bot's alone
    assert live_agent_calls(closed, closed.with_events(said), said, "tr").closing_answer is None


def test_a_handover_ended_by_a_restart_or_a_new_session_is_withdrawn_as_such() -> None:
    waiting = _tracker(HandoverRequested("player_asked"))
    for ending, by in ((Restarted(), "restart"), (SessionStarted(), "session")):
        calls = live_agent_calls(waiting, waiting.with_events([ending]), [ending], "tr")
        assert calls.withdraw_by == by
