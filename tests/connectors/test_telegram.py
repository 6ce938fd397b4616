"""The Telegram channel through the real app and the real python-telegram-bot, against a
fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Bot

from bot.channels import ChannelContext
from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from connectors.telegram import SECRET_HEADER, TelegramChannel
from connectors.telegram.callback_data import MAX_CALLBACK_BYTES, is_key
from connectors.telegram.replies import MAX_TEXT, TelegramSender, split_text
from connectors.telegram.retries import Backoff
from tests.connectors.fake_telegram import TOKEN, FakeTelegram
from tests.connectors.telegram_fixtures import (
    CHAT_ID,
    LONG_PAYLOAD,
    SECRET,
    WEBHOOK,
    callback_update,
    fake,
    message_update,
    serve,
    telegram_model,
)
from tests.live_server import LiveServer

__all__ = ["fake", "telegram_model"]  # fixtures, imported for pytest to find


@pytest.fixture
def app(tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram) -> Iterator[LiveServer]:
    with serve(tmp_path, telegram_model, fake) as server:
        yield server


def post(server: LiveServer, update: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    if isinstance(update, dict):
        return httpx.post(server.url + WEBHOOK, json=update, headers=headers, timeout=30)
    return httpx.post(server.url + WEBHOOK, content=update, headers=headers, timeout=30)


def texts(fake: FakeTelegram) -> list[str]:
    return [params["text"] for params in fake.calls_to("sendMessage")]


def tracker(server: LiveServer, chat_id: int = CHAT_ID) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/conversations/telegram:{chat_id}/tracker", timeout=30)
    tracked: dict[str, Any] = response.json()
    return tracked


# ---- webhook mode ---------------------------------------------------------------------------


def test_start_checks_the_token_and_sets_the_webhook_with_the_secret(
    app: LiveServer, fake: FakeTelegram
) -> None:
    assert fake.calls_to("getMe")
    [webhook] = fake.calls_to("setWebhook")
    assert webhook["url"] == "https://destek.example/webhooks/telegram/webhook"
    assert webhook["secret_token"] == SECRET
    assert webhook["allowed_updates"] == ["message", "callback_query"]
    assert httpx.get(app.url + "/webhooks/telegram/").json() == {"status": "ok"}


def test_a_text_gets_the_bots_reply_with_its_buttons_as_an_inline_keyboard(
    app: LiveServer, fake: FakeTelegram
) -> None:
    response = post(app, message_update(1, "merhaba"))
    assert response.status_code == 200
    [sent] = fake.calls_to("sendMessage")  # the reply went out before the 200
    assert sent["chat_id"] == CHAT_ID
    assert sent["text"] == "Merhaba oyuncu!"
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == ["Yatırım", "Teşekkürler"]
    assert rows[0][0]["callback_data"] == '/deposit_missing{"payment_method": "papara"}'
    long_data = rows[1][0]["callback_data"]
    assert len(LONG_PAYLOAD.encode()) > MAX_CALLBACK_BYTES
    assert is_key(long_data) and len(long_data.encode()) <= MAX_CALLBACK_BYTES
    user = next(e for e in tracker(app)["events"] if e["event"] == "user")
    assert user["input_channel"] == "telegram"
    assert user["message_id"] == "telegram:1"
    assert user["metadata"]["telegram"] == {
        "chat_type": "private", "user_id": CHAT_ID, "username": "ayse_oyuncu",
        "language_code": "tr",
    }  # fmt: skip


def test_button_presses_are_answered_and_run_their_payloads(
    app: LiveServer, fake: FakeTelegram
) -> None:
    post(app, message_update(1, "merhaba"))
    keyboard = fake.calls_to("sendMessage")[0]["reply_markup"]
    short, long = (row[0]["callback_data"] for row in keyboard["inline_keyboard"])

    assert post(app, callback_update(2, long, keyboard)).status_code == 200
    assert fake.calls_to("answerCallbackQuery")[0]["callback_query_id"] == "cbq-2"
    assert texts(fake)[-1] == "Telegram'dan rica ederim."
    # The key was resolved to the whole payload: its entity filled the slot.
    assert tracker(app)["slots"]["amount"] == "bin beş yüz Türk lirası, dün akşam yatırdığım"

    other_chat = CHAT_ID + 1  # a new conversation: the form there starts from nothing
    post(app, callback_update(3, short, keyboard, chat_id=other_chat))
    assert [p["callback_query_id"] for p in fake.calls_to("answerCallbackQuery")] == [
        "cbq-2", "cbq-3",
    ]  # fmt: skip
    assert texts(fake)[-1] == "Tutar ne kadardı?"  # the payload's intent and entity ran
    assert tracker(app, other_chat)["slots"]["payment_method"] == "papara"


def test_an_unknown_button_key_falls_back_to_the_buttons_title(
    app: LiveServer, fake: FakeTelegram
) -> None:
    key = "~" + "A" * 20
    keyboard = {"inline_keyboard": [[{"text": "merhaba", "callback_data": key}]]}
    post(app, callback_update(7, key, keyboard))
    assert texts(fake) == ["Merhaba oyuncu!"]


@pytest.mark.parametrize("secret", [None, "yanlis-anahtar", SECRET + "x"])
def test_a_wrong_or_missing_secret_is_refused_and_runs_no_turn(
    app: LiveServer, fake: FakeTelegram, secret: str | None
) -> None:
    response = post(app, message_update(1, "merhaba"), secret=secret)
    assert response.status_code == 403
    assert not fake.calls_to("sendMessage")
    assert tracker(app)["events"] == []


def test_without_a_configured_secret_the_webhook_still_has_one_no_stranger_knows(
    tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram
) -> None:
    """An unsigned webhook let anyone post an update in any chat's name, and so write as
    a verified Telegram player: Destek sets the webhook, so it always gives one."""
    with serve(tmp_path, telegram_model, fake, secret_token=None) as server:
        [webhook] = fake.calls_to("setWebhook")
        derived = webhook["secret_token"]
        assert derived and len(derived) >= 32
        assert post(server, message_update(1, "merhaba"), secret=None).status_code == 403
        assert not fake.calls_to("sendMessage")
        assert post(server, message_update(2, "merhaba"), secret=derived).status_code == 200
        assert texts(fake) == ["Merhaba oyuncu!"]
    with serve(tmp_path, telegram_model, fake, secret_token=None):  # the same after a restart
        assert fake.calls_to("setWebhook")[-1]["secret_token"] == derived


def test_a_replayed_update_is_answered_once(app: LiveServer, fake: FakeTelegram) -> None:
    for _ in range(3):
        assert post(app, message_update(9, "merhaba")).status_code == 200
    assert texts(fake) == ["Merhaba oyuncu!"]


def test_a_replay_after_a_restart_is_ignored_by_the_stored_conversation(
    tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram
) -> None:
    for _ in range(2):  # a second server has no memory of the first: the store dedupes
        with serve(tmp_path, telegram_model, fake) as server:
            assert post(server, message_update(11, "merhaba")).status_code == 200
    assert texts(fake) == ["Merhaba oyuncu!"]
    with serve(tmp_path, telegram_model, fake) as server:
        users = [e for e in tracker(server)["events"] if e["event"] == "user"]
    assert len(users) == 1


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
    ],
    ids=["sticker", "photo", "voice"],
)  # fmt: skip
def test_a_message_without_text_gets_a_polite_turkish_reply(
    app: LiveServer, fake: FakeTelegram, content: dict[str, Any]
) -> None:
    assert post(app, message_update(5, **content)).status_code == 200
    assert [t[:24] for t in texts(fake)] == ["Şimdilik yalnızca yazılı"]


def test_a_photo_with_a_caption_is_read_as_its_caption(app: LiveServer, fake: FakeTelegram) -> None:
    photo = [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]
    post(app, message_update(6, photo=photo, caption="merhaba"))
    assert texts(fake) == ["Merhaba oyuncu!"]
    user = next(e for e in tracker(app)["events"] if e["event"] == "user")
    assert user["metadata"]["telegram"]["attachment"] == "photo"


@pytest.mark.parametrize(
    "update",
    [
        message_update(20, "merhaba", kind="edited_message"),
        {"update_id": 21, "my_chat_member": {
            "chat": {"id": CHAT_ID, "type": "private"}, "from": {"id": 1, "is_bot": False,
            "first_name": "A"}, "date": 1, "old_chat_member": {"status": "member", "user": {
            "id": 2, "is_bot": True, "first_name": "B"}}, "new_chat_member": {"status": "kicked",
            "user": {"id": 2, "is_bot": True, "first_name": "B"}, "until_date": 0}}},
        message_update(22, new_chat_members=[{"id": 3, "is_bot": False, "first_name": "C"}]),
    ],
    ids=["edited_message", "my_chat_member", "service_message"],
)  # fmt: skip
def test_updates_without_a_message_for_the_bot_are_acknowledged_and_ignored(
    app: LiveServer, fake: FakeTelegram, update: dict[str, Any]
) -> None:
    assert post(app, update).status_code == 200
    assert not fake.calls_to("sendMessage")
    assert tracker(app)["events"] == []


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"message": {"text": "merhaba"}}', b'{"update_id": 1,'
             b' "message": {"text": "merhaba"}}'],
    ids=["not_json", "array", "no_update_id", "message_without_chat"],
)  # fmt: skip
def test_a_malformed_body_is_a_400(app: LiveServer, fake: FakeTelegram, body: bytes) -> None:
    response = post(app, body)
    assert response.status_code == 400
    assert "update" in response.json()["message"] or "JSON" in response.json()["message"]
    assert not fake.calls_to("sendMessage")


def test_a_huge_body_is_refused(app: LiveServer) -> None:
    response = post(app, message_update(1, "a" * 10_000_000))
    assert response.status_code == 413


# PTB's own RetryAfter warns that retry_after becomes a timedelta; the channel takes both.
RETRY_AFTER_DEPRECATION = "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"


@pytest.mark.filterwarnings(RETRY_AFTER_DEPRECATION)
def test_flood_limits_and_server_errors_are_retried_until_the_reply_arrives(
    app: LiveServer, fake: FakeTelegram
) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.fail_next("sendMessage", 502)
    started = time.monotonic()
    assert post(app, message_update(1, "merhaba")).status_code == 200
    assert time.monotonic() - started >= 1.0  # retry_after was honoured
    assert len(fake.calls_to("sendMessage")) == 3
    assert fake.calls_to("sendMessage")[-1]["text"] == "Merhaba oyuncu!"


def test_a_bot_api_that_keeps_failing_is_logged_and_the_server_stays_up(
    app: LiveServer, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("sendMessage", 500, times=4)
    assert post(app, message_update(1, "merhaba")).status_code == 200
    assert "not delivered" in caplog.text
    assert post(app, message_update(2, "/thank")).status_code == 200
    assert texts(fake)[-1] == "Telegram'dan rica ederim."


def test_a_bot_api_down_at_start_is_retried_in_the_background(
    tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram
) -> None:
    fake.fail_next("getMe", 503, times=2)
    with serve(tmp_path, telegram_model, fake) as server:
        assert httpx.get(server.url + "/webhooks/telegram/").status_code == 200
        fake.wait_for("setWebhook")
    assert len(fake.calls_to("getMe")) == 3


# ---- long polling ---------------------------------------------------------------------------


def test_long_polling_answers_fed_updates_and_stops_promptly(
    tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram
) -> None:
    with serve(tmp_path, telegram_model, fake, webhook_url=None, secret_token=None) as server:
        fake.wait_for("deleteWebhook")
        fake.push_update(message_update(100, "merhaba"))
        fake.push_update(message_update(101, "/thank"))
        fake.wait_for("sendMessage", count=2)
        keyboard = fake.calls_to("sendMessage")[0]["reply_markup"]
        fake.push_update(callback_update(102, keyboard["inline_keyboard"][1][0]["callback_data"],
                                         keyboard))  # fmt: skip
        fake.wait_for("answerCallbackQuery")
        fake.wait_for("sendMessage", count=3)
        # The next poll confirms what was handled.
        fake.wait_for("getUpdates", where=lambda p: p.get("offset") == 103)
        assert httpx.post(server.url + WEBHOOK, json=message_update(1, "x")).status_code == 404
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5
    assert texts(fake) == ["Merhaba oyuncu!", "Telegram'dan rica ederim.",
                           "Telegram'dan rica ederim."]  # fmt: skip
    assert not fake.calls_to("setWebhook")


@pytest.mark.filterwarnings(RETRY_AFTER_DEPRECATION)
def test_long_polling_survives_a_failing_bot_api(
    tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram
) -> None:
    fake.fail_next("getUpdates", 500)
    fake.fail_next("getUpdates", 429, retry_after=1)
    with serve(tmp_path, telegram_model, fake, webhook_url=None):
        fake.push_update(message_update(200, "merhaba"))
        fake.wait_for("sendMessage")
    assert len(fake.calls_to("getUpdates")) >= 3


# ---- configuration --------------------------------------------------------------------------


def _context(**options: Any) -> ChannelContext:
    return ChannelContext("telegram", options, handler=lambda: None, fanout=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({}, "telegram.access_token is required"),
        ({"access_token": TOKEN, "secret_token": "boşluk var"}, "telegram.secret_token"),
        ({"access_token": TOKEN, "webhook_url": "ftp://x"}, "telegram.webhook_url"),
        ({"access_token": TOKEN, "secret-token": "x"}, "unknown option secret-token"),
    ],
)
def test_missing_or_malformed_options_are_config_errors(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        TelegramChannel(_context(**options))


def test_a_token_of_another_bot_than_verify_is_a_config_error(fake: FakeTelegram) -> None:
    channel = TelegramChannel(_context(access_token=TOKEN, verify="baska_bot",
                                       base_url=fake.base_url))  # fmt: skip
    with pytest.raises(ConfigError, match=r"telegram.verify is 'baska_bot'.*@destek_test_bot"):
        asyncio.run(channel.start())


def test_a_rejected_token_is_a_config_error_that_does_not_show_it(fake: FakeTelegram) -> None:
    channel = TelegramChannel(_context(access_token="999:wrong", base_url=fake.base_url))
    with pytest.raises(ConfigError, match="access_token was rejected") as error:
        asyncio.run(channel.start())
    assert "999:wrong" not in str(error.value) and error.value.__cause__ is None


# ---- sending --------------------------------------------------------------------------------


def test_long_texts_are_split_and_images_and_custom_messages_are_sent(fake: FakeTelegram) -> None:
    text = ("Çekim talebiniz inceleniyor. " * 200).strip()
    messages: list[dict[str, Any]] = [
        {"text": text, "buttons": [{"title": "Tamam", "payload": "/affirm"}]},
        {"image": "https://destek.example/iban.png"},
        {"custom": {"sticker": "CAACAgIAAx"}},
        {"custom": {"kind": "unknown"}},
    ]

    async def send() -> None:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            await TelegramSender(bot, Backoff()).send(str(CHAT_ID), messages)

    asyncio.run(send())
    pieces = fake.calls_to("sendMessage")
    assert len(pieces) == 2
    assert all(len(p["text"]) <= MAX_TEXT for p in pieces)
    assert " ".join(p["text"] for p in pieces) == text
    assert "reply_markup" not in pieces[0] and pieces[1]["reply_markup"]["inline_keyboard"]
    assert fake.calls_to("sendPhoto")[0]["photo"] == "https://destek.example/iban.png"
    assert fake.calls_to("sendSticker")[0] == {"sticker": "CAACAgIAAx", "chat_id": CHAT_ID}


def test_split_text_counts_utf16_units_and_cuts_at_spaces() -> None:
    assert split_text("kısa") == ["kısa"]
    emoji = "😀" * 3000  # 6000 UTF-16 units
    pieces = split_text(emoji)
    assert [len(p) for p in pieces] == [2048, 952]
    words = split_text(" ".join(["para"] * 1000), limit=100)
    assert all(len(p) <= 100 and not p.endswith(" ") for p in words)
    assert "".join(words).replace(" ", "") == "para" * 1000
