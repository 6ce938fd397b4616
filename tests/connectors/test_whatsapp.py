"""The WhatsApp channel through the real app, replying to a fake Graph API on loopback."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from bot.workbench.training import train_core
from connectors.whatsapp import LIMITS, WEBHOOK
from tests.connectors.fake_graph import FakeGraph
from tests.live_server import LiveServer

PHONE_ID = "106540352242922"
APP_SECRET = "meta-uygulama-sirri"
VERIFY_TOKEN = "dogrulama-jetonu"
ACCESS_TOKEN = "EAAG-test-token"
PAPARA = '/deposit_missing{"payment_method": "papara"}'
LONG_PAYLOAD = '/deposit_missing{"payment_method": "' + "x" * 300 + '"}'

RESPONSES: dict[str, list[dict[str, Any]]] = {
    "utter_greet": [{"text": "Merhaba! Size nasıl yardımcı olabilirim?"}],
    "utter_thank": [{"text": "Rica ederim."}],
    "utter_password": [{"text": "Şifre sıfırlama bağlantısı gönderdim."}],
    "utter_deposit": [{"text": "{payment_method} yatırımınızı kontrol ediyorum."}],
    "utter_three": [{"text": "Ne yapmak istersiniz?", "buttons": [
        {"title": "Yatırımım hesabıma geçmedi", "payload": PAPARA},
        {"title": "Şifremi unuttum", "payload": "/password_reset"},
        {"title": "Teşekkürler", "payload": "/thank"},
    ]}],
    "utter_five": [{"text": "Hangi yöntemle yatırdınız?", "buttons": [
        {"title": t, "payload": f'/deposit_missing{{"payment_method": "{p}"}}'}
        for t, p in [("Papara", "papara"), ("Havale / EFT", "havale"), ("Kredi kartı", "kk"),
                     ("Kripto para ile yatırım yaptım ama görünmüyor", "kripto"),
                     ("Cepbank", "cepbank")]
    ]}],
    "utter_twelve": [{"text": "Bir konu seçin:", "buttons": [
        {"title": f"Konu {n}", "payload": f'/deposit_missing{{"payment_method": "y{n}"}}'}
        for n in range(1, 13)
    ]}],
    "utter_long_payload": [{"text": "Seçin:", "buttons": [
        {"title": "Uzun seçenek", "payload": LONG_PAYLOAD},
    ]}],
    "utter_image": [{"text": "Dekont örneği:", "image": "https://example.com/dekont.png"}],
    "utter_custom_template": [{"custom": {"type": "template", "template": {
        "name": "hesap_bilgisi", "language": {"code": "tr"}}}}],
    "utter_custom_other": [{"custom": {"blocks": [{"type": "section"}]}}],
    "utter_long_text": [{"text": "Kurallar şöyle. " * 400}],
}  # fmt: skip
TURNS = {
    "greet": ["utter_greet"],
    "thank": ["utter_thank"],
    "password_reset": ["utter_password"],
    "deposit_missing": ["utter_deposit"],
    "choose_three": ["utter_three"],
    "choose_five": ["utter_five"],
    "choose_twelve": ["utter_twelve"],
    "long_payload": ["utter_long_payload"],
    "show_image": ["utter_image"],
    "show_custom": ["utter_custom_template", "utter_custom_other"],
    "long_text": ["utter_long_text"],
}


def write_project(root: Path) -> None:
    domain = {
        "version": "3.1",
        "intents": list(TURNS),
        "entities": ["payment_method"],
        "slots": {"payment_method": {"type": "text", "influence_conversation": False,
                  "mappings": [{"type": "from_entity", "entity": "payment_method"}]}},
        "responses": RESPONSES,
    }  # fmt: skip
    rules = {
        "version": "3.1",
        "rules": [
            {"rule": intent, "steps": [{"intent": intent}, *({"action": a} for a in actions)]}
            for intent, actions in TURNS.items()
        ],
    }
    config = {"language": "tr", "pipeline": [], "policies": [{"name": "RulePolicy"}]}
    (root / "data").mkdir(parents=True, exist_ok=True)
    for name, content in (("domain.yml", domain), ("config.yml", config),
                          ("data/rules.yml", rules)):  # fmt: skip
        (root / name).write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    root = tmp_path_factory.mktemp("whatsapp-project")
    write_project(root)
    core = train_core(
        read_config(root / "config.yml"), read_domain(root / "domain.yml"),
        load_stories([root / "data"]),
    )  # fmt: skip
    return TrainedModel(trained_light_pipeline, core=core)


def settings_for(root: Path, graph_url: str, **options: Any) -> Settings:
    whatsapp = {
        "access_token": ACCESS_TOKEN,
        "phone_number_id": PHONE_ID,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "graph_url": graph_url,
        "timeout": 5,
        "retries": 2,
        "retry_backoff": 0.01,
        **options,
    }
    (root / "credentials.yml").write_text(yaml.safe_dump({"whatsapp": whatsapp}), "utf-8")
    (root / "endpoints.yml").write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n", "utf-8"
    )
    return Settings(
        endpoints=root / "endpoints.yml", credentials=root / "credentials.yml", enable_api=True
    )


@pytest.fixture(scope="module")
def graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    with LiveServer(fake.app) as server:
        yield fake, server.url


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, model: TrainedModel, graph: tuple[FakeGraph, str]
) -> Iterator[str]:
    settings = settings_for(tmp_path_factory.mktemp("whatsapp-server"), graph[1])
    with LiveServer(create_app(settings, model)) as live:
        yield live.url


@pytest.fixture
def fake(graph: tuple[FakeGraph, str]) -> FakeGraph:
    graph[0].reset()
    return graph[0]


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


# ---- building Meta's webhooks ----------------------------------------------------------

_ids = itertools.count(1)
_players = itertools.count(1)


def new_player() -> str:
    return f"90532{next(_players):07d}"


def message(sender: str, kind: str = "text", **content: Any) -> dict[str, Any]:
    body = content or {"text": {"body": "merhaba"}}
    wamid = f"wamid.TEST{next(_ids):08d}"
    return {"from": sender, "id": wamid, "timestamp": "1749416383", "type": kind, **body}


def envelope(*messages: dict[str, Any], field: str = "messages", **value: Any) -> dict[str, Any]:
    senders = sorted({m["from"] for m in messages})
    change_value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "908501234567", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": f"Oyuncu {s[-2:]}"}, "wa_id": s} for s in senders],
        **value,
    }
    if messages:
        change_value["messages"] = list(messages)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": change_value, "field": field}]}],
    }


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(http: httpx.Client, payload: Any, signature: str | None = "valid") -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        headers["X-Hub-Signature-256"] = sign(body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return http.post(WEBHOOK, content=body, headers=headers)


def say(http: httpx.Client, sender: str, text: str) -> httpx.Response:
    return post(http, envelope(message(sender, text={"body": text})))


def bodies(fake: FakeGraph, to: str) -> list[dict[str, Any]]:
    return [body for body in fake.delivered if body["to"] == to]


def texts(fake: FakeGraph, to: str) -> list[str]:
    return [b["text"]["body"] for b in bodies(fake, to) if b["type"] == "text"]


def user_texts(http: httpx.Client, sender: str) -> list[str]:
    events = http.get(f"/conversations/whatsapp:{sender}/tracker").json()["events"]
    return [e["text"] for e in events if e["event"] == "user"]


# ---- verification -------------------------------------------------------------------------


def test_verification_echoes_the_challenge(http: httpx.Client) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = http.get(WEBHOOK, params=query)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "yanlis", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_with_a_wrong_token_or_mode_is_refused(
    http: httpx.Client, query: dict[str, str]
) -> None:
    assert http.get(WEBHOOK, params=query).status_code == 403


# ---- text in, text out --------------------------------------------------------------------


def test_a_signed_text_gets_a_text_reply_at_the_right_url(
    http: httpx.Client, fake: FakeGraph
) -> None:
    player = new_player()
    response = say(http, player, "merhaba")
    assert response.status_code == 200
    [call] = fake.calls
    assert (call.version, call.phone_number_id) == ("v21.0", PHONE_ID)
    assert call.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": player,
        "type": "text",
        "text": {"body": "Merhaba! Size nasıl yardımcı olabilirim?", "preview_url": False},
    }
    user = next(
        e for e in http.get(f"/conversations/whatsapp:{player}/tracker").json()["events"]
        if e["event"] == "user"
    )  # fmt: skip
    assert user["input_channel"] == "whatsapp"
    assert user["message_id"].startswith("wamid.")
    assert user["metadata"]["name"] == f"Oyuncu {player[-2:]}"
    assert user["metadata"]["phone_number_id"] == PHONE_ID


def test_a_long_text_is_split_within_the_limit(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    say(http, player, "/long_text")
    parts = texts(fake, player)
    assert len(parts) == 2
    assert all(len(p) <= LIMITS["text"] for p in parts)
    assert " ".join(parts) == ("Kurallar şöyle. " * 400).strip()


# ---- buttons ------------------------------------------------------------------------------


def test_three_buttons_are_reply_buttons(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    say(http, player, "/choose_three")
    [body] = bodies(fake, player)
    interactive = body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Ne yapmak istersiniz?"}
    replies = [b["reply"] for b in interactive["action"]["buttons"]]
    assert [r["id"] for r in replies] == [PAPARA, "/password_reset", "/thank"]
    assert [r["title"] for r in replies] == [
        "Yatırımım hesabıma…",
        "Şifremi unuttum",
        "Teşekkürler",
    ]
    assert all(len(r["title"]) <= LIMITS["button_title"] for r in replies)


def test_five_buttons_are_a_list(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    say(http, player, "/choose_five")
    [body] = bodies(fake, player)
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"]["text"] == "Hangi yöntemle yatırdınız?"
    action = interactive["action"]
    assert len(action["button"]) <= LIMITS["list_button"]
    rows = action["sections"][0]["rows"]
    assert len(rows) == 5
    assert rows[0] == {"id": '/deposit_missing{"payment_method": "papara"}', "title": "Papara"}
    long_row = rows[3]
    assert len(long_row["title"]) <= LIMITS["row_title"] and long_row["title"].endswith("…")
    assert long_row["description"] == "Kripto para ile yatırım yaptım ama görünmüyor"


def test_twelve_buttons_are_a_list_of_ten_and_a_list_of_the_rest(
    http: httpx.Client, fake: FakeGraph
) -> None:
    player = new_player()
    say(http, player, "/choose_twelve")
    first, second = bodies(fake, player)
    rows = [b["interactive"]["action"]["sections"][0]["rows"] for b in (first, second)]
    assert [len(r) for r in rows] == [10, 2]
    assert [r["title"] for r in rows[0] + rows[1]] == [f"Konu {n}" for n in range(1, 13)]
    assert first["interactive"]["body"]["text"] == "Bir konu seçin:"
    assert second["interactive"]["body"]["text"] == "Diğer seçenekler:"


def test_a_payload_too_long_for_an_id_sends_the_title(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    say(http, player, "/long_payload")
    [body] = bodies(fake, player)
    [button] = body["interactive"]["action"]["buttons"]
    assert button["reply"] == {"id": "Uzun seçenek", "title": "Uzun seçenek"}


@pytest.mark.parametrize("kind", ["button_reply", "list_reply"])
def test_a_tapped_reply_runs_its_payload(http: httpx.Client, fake: FakeGraph, kind: str) -> None:
    player = new_player()
    tap = {"type": kind, kind: {"id": PAPARA, "title": "Papara"}}
    context = {"from": "908501234567", "id": "wamid.PREVIOUS"}
    post(http, envelope(message(player, "interactive", interactive=tap, context=context)))
    assert texts(fake, player) == ["papara yatırımınızı kontrol ediyorum."]
    events = http.get(f"/conversations/whatsapp:{player}/tracker").json()["events"]
    user = next(e for e in events if e["event"] == "user")
    assert user["metadata"]["context"] == context


def test_a_template_quick_reply_reads_its_payload(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    post(http, envelope(message(player, "button", button={"payload": "/thank", "text": "Sağol"})))
    assert texts(fake, player) == ["Rica ederim."]


# ---- images and custom messages -----------------------------------------------------------


def test_an_image_response_is_an_image_message(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    say(http, player, "/show_image")
    text, image = bodies(fake, player)
    assert text["text"]["body"] == "Dekont örneği:"
    assert image["type"] == "image"
    assert image["image"] == {"link": "https://example.com/dekont.png"}


def test_a_whatsapp_custom_is_sent_and_another_is_not(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    say(http, player, "/show_custom")
    [body] = bodies(fake, player)
    assert body["type"] == "template"
    assert body["template"]["name"] == "hesap_bilgisi"


# ---- what the bot cannot read -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("image", {"image": {"id": "1479", "mime_type": "image/jpeg", "sha256": "x"}}),
        ("audio", {"audio": {"id": "2345", "mime_type": "audio/ogg; codecs=opus"}}),
        ("location", {"location": {"latitude": 41.0, "longitude": 29.0}}),
        ("sticker", {"sticker": {"id": "3456", "mime_type": "image/webp"}}),
        ("unsupported", {"errors": [{"code": 131051, "title": "Message type unknown"}]}),
    ],
)
def test_a_message_without_text_gets_a_polite_reply(
    http: httpx.Client, fake: FakeGraph, kind: str, content: dict[str, Any]
) -> None:
    player = new_player()
    assert post(http, envelope(message(player, kind, **content))).status_code == 200
    assert [t[:24] for t in texts(fake, player)] == ["Şimdilik yalnızca yazılı"]
    # Kept for the agent who may read the conversation later, with what it was.
    events = http.get(f"/conversations/whatsapp:{player}/tracker").json()["events"]
    users = [e for e in events if e["event"] == "user"]
    assert [(u["text"], u["metadata"]["type"]) for u in users] == [("", kind)]


def test_a_photo_caption_is_read_as_text(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    photo = {"image": {"id": "1479", "mime_type": "image/jpeg", "caption": "merhaba"}}
    post(http, envelope(message(player, "image", **photo)))
    assert texts(fake, player) == ["Merhaba! Size nasıl yardımcı olabilirim?"]


def test_a_reaction_is_not_answered(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    reaction = {"reaction": {"message_id": "wamid.X", "emoji": "👍"}}
    assert post(http, envelope(message(player, "reaction", **reaction))).status_code == 200
    assert fake.calls == []


# ---- signatures, replays and bad input ----------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + "0" * 64, "sha1=abc", "", sign(b"another body"), "valid-other-secret"],
)
def test_a_wrong_or_missing_signature_is_refused_and_nothing_runs(
    http: httpx.Client, fake: FakeGraph, signature: str | None
) -> None:
    player = new_player()
    body = json.dumps(envelope(message(player))).encode()
    if signature == "valid-other-secret":
        signature = sign(body, "baska-sir")
    assert post(http, body, signature).status_code == 403
    assert fake.calls == []
    assert user_texts(http, player) == []


def test_a_replayed_webhook_gets_one_reply(http: httpx.Client, fake: FakeGraph) -> None:
    player = new_player()
    payload = envelope(message(player))
    assert post(http, payload).status_code == 200
    assert post(http, payload).status_code == 200
    assert len(bodies(fake, player)) == 1
    assert user_texts(http, player) == ["merhaba"]


def test_status_callbacks_and_other_fields_are_ignored(http: httpx.Client, fake: FakeGraph) -> None:
    status = {"id": "wamid.OUT", "status": "delivered", "timestamp": "1749416390",
              "recipient_id": new_player()}  # fmt: skip
    assert post(http, envelope(statuses=[status])).status_code == 200
    assert post(http, envelope(message(new_player()), field="account_update")).status_code == 200
    assert post(http, {"object": "whatsapp_business_account"}).status_code == 200
    assert fake.calls == []


def test_a_message_for_another_business_number_is_ignored(
    http: httpx.Client, fake: FakeGraph
) -> None:
    payload = envelope(message(new_player()))
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert post(http, payload).status_code == 200
    assert fake.calls == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'["entry"]'])
def test_malformed_json_with_a_valid_signature_is_a_400(
    http: httpx.Client, fake: FakeGraph, body: bytes
) -> None:
    assert post(http, body).status_code == 400
    assert post(http, body, signature=None).status_code == 403
    assert fake.calls == []


def test_a_huge_body_is_refused(http: httpx.Client) -> None:
    assert post(http, b"{" + b" " * 10_000_000 + b"}").status_code == 413


# ---- several messages, a failing Graph API ------------------------------------------------


def test_several_messages_in_one_post_are_each_answered_in_order(
    http: httpx.Client, fake: FakeGraph
) -> None:
    first, second = new_player(), new_player()
    payload = envelope(
        message(first, text={"body": "merhaba"}),
        message(second, text={"body": "/thank"}),
        message(first, text={"body": "/thank"}),
    )
    assert post(http, payload).status_code == 200
    assert texts(fake, first) == ["Merhaba! Size nasıl yardımcı olabilirim?", "Rica ederim."]
    assert texts(fake, second) == ["Rica ederim."]
    assert user_texts(http, first) == ["merhaba", "/thank"]


@pytest.mark.parametrize(("status", "code"), [(500, None), (503, None), (429, None), (400, 130429)])
def test_a_failing_graph_api_is_retried_until_the_reply_arrives(
    http: httpx.Client, fake: FakeGraph, status: int, code: int | None
) -> None:
    player = new_player()
    fake.fail_next(status, times=2, code=code)
    assert say(http, player, "/thank").status_code == 200
    assert [c.status for c in fake.calls] == [status, status, 200]
    assert texts(fake, player) == ["Rica ederim."]


def test_a_refused_message_is_logged_not_retried(
    http: httpx.Client, fake: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(400, code=131047)  # the 24-hour window has closed
    with caplog.at_level(logging.ERROR, logger="connectors.whatsapp"):
        assert say(http, new_player(), "/thank").status_code == 200
    assert [c.status for c in fake.calls] == [400]
    assert "131047" in caplog.text


def test_a_graph_api_that_stays_down_is_logged_and_the_server_carries_on(
    http: httpx.Client, fake: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    player = new_player()
    fake.fail_next(500, times=3)
    with caplog.at_level(logging.ERROR, logger="connectors.whatsapp"):
        assert say(http, player, "/thank").status_code == 200
    assert len(fake.calls) == 3
    assert "were not sent" in caplog.text
    assert user_texts(http, player) == ["/thank"]
    assert say(http, player, "merhaba").status_code == 200
    assert texts(fake, player) == ["Merhaba! Size nasıl yardımcı olabilirim?"]


def test_an_unreachable_graph_api_does_not_lose_the_turn(
    tmp_path: Path, model: TrainedModel
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    player = new_player()
    with (
        LiveServer(create_app(settings_for(tmp_path, nowhere), model)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        assert say(client, player, "merhaba").status_code == 200
        assert user_texts(client, player) == ["merhaba"]


# ---- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"app_secret": ""}, "app_secret"),
        ({"verify_token": None}, "verify_token"),
        ({"phone_number_id": "+90 850 123 45 67"}, "phone_number_id"),
        ({"api_version": "21"}, "api_version"),
        ({"retries": "çok"}, "retries"),
    ],
)
def test_a_missing_or_malformed_option_is_a_config_error(
    tmp_path: Path, model: TrainedModel, options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        create_app(settings_for(tmp_path, "http://127.0.0.1:9", **options), model)
