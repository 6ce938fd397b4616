"""After a handover: the rating's optional comment, and the follow-up's answer; a new
request in their place is answered as usual, and a project that declares none of the
new texts still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.closing_turns import follow_up_answer
from bot.dialogue.conversation_state import HANDOVER_WAITING
from bot.dialogue.domain import read_domain
from bot.dialogue.engine import Engine, UserMessage
from bot.dialogue.events import Event
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatCommentAsked,
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    FollowUpAsked,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
)
from bot.model_storage import CoreModel
from tests.dialogue.engine_project import DOMAIN, make_engine, train_project

RESPONSES = """\
version: "3.1"
responses:
  utter_csat_thanks: [{text: "Değerlendirmeniz için teşekkürler!"}]
  utter_ask_csat_comment:
    - text: "Eklemek istediğiniz bir yorum var mı?"
      buttons: [{title: "Geç", payload: "/csat_skip"}]
  utter_ask_csat_comment_low:
    - text: "Üzgünüz. Neyin yolunda gitmediğini yazar mısınız?"
      buttons: [{title: "Geç", payload: "/csat_skip"}]
  utter_csat_comment_thanks: [{text: "Yorumunuz için teşekkürler!"}]
  utter_follow_up_thanks: [{text: "Sevindik!"}]
  utter_follow_up_handover: [{text: "Sizi bir temsilciye aktarıyorum."}]
"""
THANKS = "Değerlendirmeniz için teşekkürler!"
ASK = "Eklemek istediğiniz bir yorum var mı?"
ASK_LOW = "Üzgünüz. Neyin yolunda gitmediğini yazar mısınız?"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    return train_project(tmp_path_factory.mktemp("closing-turns-project"))


@pytest.fixture
def engine(core: CoreModel, tmp_path: Path) -> Engine:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (tmp_path / "closing.yml").write_text(RESPONSES, encoding="utf-8")
    return make_engine(core, domain=read_domain(tmp_path))


async def say(engine: Engine, text: str) -> list[str]:
    return [r.get("text", "") for r in await engine.handle(UserMessage(text, "p1"))]


async def record(engine: Engine, *events: Event) -> None:
    await engine.store.append("p1", [event.as_dict() for event in events])


async def closed_and_asked(engine: Engine) -> None:
    await say(engine, "temsilci lütfen")
    await record(engine, HandoverAssigned("ali"), HandoverClosed("agent", "resolved"), CsatAsked())


async def of_kind(engine: Engine, kind: type[Event]) -> list[Event]:
    return [e for e in (await engine.tracker("p1")).events if isinstance(e, kind)]


@pytest.mark.anyio
async def test_a_rating_then_a_comment_is_stored_with_it(engine: Engine) -> None:
    await closed_and_asked(engine)
    assert await say(engine, "4") == [ASK]
    assert await say(engine, "çok ilgiliydiniz, eline sağlık") == ["Yorumunuz için teşekkürler!"]
    assert [e.score for e in await of_kind(engine, CsatRated)] == [4]  # type: ignore[attr-defined]
    comments = await of_kind(engine, CsatCommented)
    assert [c.comment for c in comments] == ["çok ilgiliydiniz, eline sağlık"]  # type: ignore[attr-defined]
    assert len(await of_kind(engine, CsatCommentAsked)) == 1
    assert await say(engine, "teşekkürler") == ["Rica ederim."]  # the bot is back


@pytest.mark.anyio
async def test_a_low_rating_asks_what_went_wrong(engine: Engine) -> None:
    await closed_and_asked(engine)
    assert await say(engine, '/csat{"score": 1}') == [ASK_LOW]
    assert await say(engine, "çok bekledim, cevap alamadım") == ["Yorumunuz için teşekkürler!"]
    comments = await of_kind(engine, CsatCommented)
    assert [c.comment for c in comments] == ["çok bekledim, cevap alamadım"]  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_a_new_question_after_the_rating_gets_a_normal_answer(engine: Engine) -> None:
    await closed_and_asked(engine)
    assert await say(engine, "5") == [ASK]
    replies = await say(engine, "yatırım yöntemleri neler")
    assert replies == ["Papara, havale ve kripto ile yatırabilirsiniz."]
    assert await of_kind(engine, CsatCommented) == []
    assert [e.score for e in await of_kind(engine, CsatRated)] == [5]  # type: ignore[attr-defined]


@pytest.mark.anyio
@pytest.mark.parametrize("skip", ["/csat_skip", "Geç", "gec", "yok", "Hayır"])
async def test_the_comment_can_be_skipped(engine: Engine, skip: str) -> None:
    await closed_and_asked(engine)
    await say(engine, "3")
    assert await say(engine, skip) == [THANKS]
    assert await of_kind(engine, CsatCommented) == []
    assert await say(engine, "teşekkürler") == ["Rica ederim."]


@pytest.mark.anyio
async def test_skip_pressed_late_is_ignored(engine: Engine) -> None:
    await closed_and_asked(engine)
    await say(engine, "4")
    assert await say(engine, "yatırım yöntemleri neler") == [
        "Papara, havale ve kripto ile yatırabilirsiniz."
    ]
    assert await say(engine, "/csat_skip") == []
    assert await say(engine, "teşekkürler") == ["Rica ederim."]


@pytest.mark.anyio
async def test_a_project_without_the_comment_question_just_thanks(core: CoreModel) -> None:
    engine = make_engine(core)  # no handover texts at all, as a Rasa project
    await closed_and_asked(engine)
    assert await say(engine, "2") == []
    assert await of_kind(engine, CsatCommentAsked) == []
    assert await say(engine, "teşekkürler") == ["Rica ederim."]


@pytest.mark.parametrize(
    ("text", "solved"),
    [('/follow_up{"solved": true}', True), ('/follow_up{"solved": false}', False),
     ("Evet", True), ("çözüldü", True), ("cozulmedi", False), ("HAYIR", False),
     ("para çekmek istiyorum", None), ('/follow_up{"solved": 1}', None), ("/follow_up{", None)],
)  # fmt: skip
def test_a_follow_up_answer_is_yes_or_no(text: str, solved: bool | None) -> None:
    assert follow_up_answer(text) is solved


@pytest.mark.anyio
async def test_yes_to_the_follow_up_is_stored_and_thanked(engine: Engine) -> None:
    await closed_and_asked(engine)
    await say(engine, "5")
    await say(engine, "/csat_skip")
    await record(engine, FollowUpAsked("resolved"))
    assert await say(engine, '/follow_up{"solved": true}') == ["Sevindik!"]
    assert [e.solved for e in await of_kind(engine, FollowUpAnswered)] == [True]  # type: ignore[attr-defined]
    assert not (await engine.tracker("p1")).in_handover


@pytest.mark.anyio
async def test_the_follow_up_is_answered_the_next_day_in_a_new_session(
    core: CoreModel, tmp_path: Path
) -> None:
    clock = [1_800_000_000.0]
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (tmp_path / "closing.yml").write_text(RESPONSES, encoding="utf-8")
    engine = make_engine(core, domain=read_domain(tmp_path), clock=lambda: clock[0])
    await say(engine, "merhaba")
    await record(engine, FollowUpAsked("resolved", timestamp=clock[0]))
    clock[0] += 86_400
    assert await say(engine, "evet") == ["Sevindik!"]
    assert [e.solved for e in await of_kind(engine, FollowUpAnswered)] == [True]  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_no_to_the_follow_up_goes_back_to_the_queue(engine: Engine) -> None:
    await closed_and_asked(engine)
    await say(engine, "5")
    await record(engine, FollowUpAsked("follow_up"))
    assert await say(engine, "hayır") == ["Sizi bir temsilciye aktarıyorum."]
    tracker = await engine.tracker("p1")
    assert [e.solved for e in await of_kind(engine, FollowUpAnswered)] == [False]  # type: ignore[attr-defined]
    assert tracker.handover_status == HANDOVER_WAITING
    requested = [e for e in tracker.events if isinstance(e, HandoverRequested)]
    assert requested[-1].reason == "follow_up"


@pytest.mark.anyio
async def test_something_else_after_the_follow_up_is_answered_as_usual(engine: Engine) -> None:
    await say(engine, "merhaba")
    await record(engine, FollowUpAsked("resolved"))
    assert await say(engine, "teşekkürler") == ["Rica ederim."]
    assert await say(engine, "hayır") != ["Sizi bir temsilciye aktarıyorum."]  # asked once
    assert await of_kind(engine, FollowUpAnswered) == []
