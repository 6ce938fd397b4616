"""The REST channel and the tracker endpoint, served by the real app over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from tests.dialogue.engine_project import train_project
from tests.live_server import LiveServer

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    core = train_project(tmp_path_factory.mktemp("rest-project"))
    return TrainedModel(trained_light_pipeline, core=core)


def _settings(root: Path, **extra: object) -> Settings:
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n", encoding="utf-8"
    )
    return Settings(endpoints=endpoints, credentials=root / "none.yml", **extra)  # type: ignore[arg-type]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def http(root: Path, model: TrainedModel) -> Iterator[httpx.Client]:
    with (
        LiveServer(create_app(_settings(root), model)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def test_a_message_gets_the_bots_answer_in_rasas_shape(http: httpx.Client) -> None:
    response = http.post(WEBHOOK, json={"sender": "oyuncu-1", "message": "merhaba"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "recipient_id": "oyuncu-1",
            "text": "Merhaba oyuncu!",
            "buttons": [
                {"title": "Yatırım", "payload": '/deposit_missing{"payment_method": "papara"}'}
            ],
        }
    ]


def test_a_button_payload_works_and_the_tracker_shows_the_turns(http: httpx.Client) -> None:
    replies = http.post(WEBHOOK, json={"sender": "p2", "message": "/thank"}).json()
    assert [r["text"] for r in replies] == ["Rica ederim."]
    tracker = http.get("/conversations/p2/tracker").json()
    assert tracker["sender_id"] == "p2"
    assert tracker["latest_message"]["intent"] == {"name": "thank", "confidence": 1.0}
    kinds = [e["event"] for e in tracker["events"]]
    assert kinds == ["action", "session_started", "action", "user", "action", "bot", "action"]


def test_the_conversation_survives_a_restart(root: Path, model: TrainedModel) -> None:
    for text in ("merhaba", "/thank"):
        with LiveServer(create_app(_settings(root), model)) as server:
            httpx.post(server.url + WEBHOOK, json={"sender": "p3", "message": text})
    with LiveServer(create_app(_settings(root), model)) as server:
        tracker = httpx.get(server.url + "/conversations/p3/tracker").json()
    users = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert users == ["merhaba", "/thank"]
    assert [e["event"] for e in tracker["events"]].count("session_started") == 1


def test_json_with_a_form_content_type_is_read(http: httpx.Client) -> None:
    response = http.post(
        WEBHOOK,
        content='{"sender": "p4", "message": "merhaba"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("{not json", "not valid JSON"),
        ('{"message": "merhaba"}', "body.sender"),
        ('{"sender": "", "message": "merhaba"}', "body.sender"),
        ('{"sender": "p", "message": 5}', "body.message"),
        ('["sender"]', "body"),
        ('{"sender": "p", "message": "x", "metadata": ' + "[" * 5000 + "]" * 5000 + "}", "JSON"),
    ],
)
def test_a_malformed_body_is_a_400_that_says_why(http: httpx.Client, body: str, why: str) -> None:
    response = http.post(WEBHOOK, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert why in response.json()["message"]


def test_a_huge_body_is_refused(http: httpx.Client) -> None:
    response = http.post(WEBHOOK, json={"sender": "p", "message": "a" * 2_000_000})
    assert response.status_code == 413


def test_a_huge_chunked_body_is_refused_too(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sender": "p", "message": "'
        for _ in range(40):
            yield b"a" * 50_000

    response = http.post(WEBHOOK, content=chunks())
    assert response.status_code == 413
    assert response.json()["reason"] == "PayloadTooLarge"


def test_a_redelivered_message_runs_once_and_gets_its_first_answer_again(
    http: httpx.Client,
) -> None:
    """A caller whose connection broke (or whose worker died after storing the turn)
    retries with the same message_id: no second turn, but the answer it never saw."""
    body = {"sender": "p6", "message": "/thank", "message_id": "m-1"}
    first = http.post(WEBHOOK, json=body).json()
    assert first[0]["text"] == "Rica ederim."
    assert http.post(WEBHOOK, json=body).json() == first
    http.post(WEBHOOK, json={"sender": "p6", "message": "merhaba", "message_id": "m-2"})
    assert http.post(WEBHOOK, json=body).json() == first  # only its own turn's answers
    users = [
        e for e in http.get("/conversations/p6/tracker").json()["events"] if e["event"] == "user"
    ]
    assert len(users) == 2


def test_the_caller_may_name_the_input_channel_as_in_rasa(http: httpx.Client) -> None:
    body = {"sender": "p7", "message": "/thank", "input_channel": "telegram"}
    assert http.post(WEBHOOK, json=body).json()[0]["text"] == "Telegram'dan rica ederim."
    tracker = http.get("/conversations/p7/tracker").json()
    assert tracker["latest_input_channel"] == "telegram"


def test_a_message_without_text_gets_a_polite_answer(http: httpx.Client) -> None:
    response = http.post(WEBHOOK, json={"sender": "p5", "metadata": {"image": "x.png"}})
    assert response.status_code == 200
    assert response.json()[0]["text"]


def test_an_nlu_only_model_cannot_chat(root: Path, trained_light_pipeline: Pipeline) -> None:
    nlu_only = TrainedModel(trained_light_pipeline)
    with LiveServer(create_app(_settings(root), nlu_only)) as server:
        response = httpx.post(server.url + WEBHOOK, json={"sender": "p", "message": "merhaba"})
    assert response.status_code == 503
    assert "bot train" in response.json()["message"]


def test_an_unknown_channel_in_credentials_is_a_config_error(
    root: Path, model: TrainedModel
) -> None:
    credentials = root / "credentials.yml"
    credentials.write_text("rest:\nfaxmachine:\n  number: 5\n", encoding="utf-8")
    settings = _settings(root)
    settings.credentials = credentials
    with pytest.raises(ConfigError, match="unknown channel faxmachine"):
        create_app(settings, model)


def test_trigger_intent_runs_the_bot_as_if_the_player_had_sent_it(http: httpx.Client) -> None:
    response = http.post(
        "/conversations/p8/trigger_intent",
        json={"name": "greet", "entities": {"payment_method": "papara"}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["messages"][0]["text"] == "Merhaba oyuncu!"
    assert body["tracker"]["sender_id"] == "p8"
    assert body["tracker"]["latest_message"]["intent"]["name"] == "greet"
    assert body["tracker"]["slots"]["payment_method"] == "papara"


@pytest.mark.parametrize(
    ("body", "status", "why"),
    [
        ({"name": "no_such_intent"}, 404, "not in the domain"),
        ({"name": "greet{x}"}, 400, "body.name"),
        ({"entities": {}}, 400, "body.name"),
    ],
)
def test_a_bad_trigger_is_refused(
    http: httpx.Client, body: dict[str, object], status: int, why: str
) -> None:
    response = http.post("/conversations/p9/trigger_intent", json=body)
    assert response.status_code == status
    assert why in response.json()["message"]
