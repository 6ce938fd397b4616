"""The console's player panel and canned responses on a live server, reading a live mock
account backend: a verified player's figures, an unverified player's nothing, a backend
that is down or slow said politely and quickly, another agent's chat refused, and the
canned responses searched and filled in for the chat."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jwt
import pytest
from pydantic import SecretStr

from actions.backend import API_PREFIX, BackendConfig
from actions.backend import create_app as backend_app
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from tests.dialogue.engine_project import TOKEN_SECRET
from tests.live_server import LiveServer
from tests.server.test_console_api import (
    add_agents,
    ask_for_human,
    console_model,
    console_settings,
    signed_in,
)

API = "/console/api"
BACKEND_TOKEN = "panel-test-token"
ADMIN_TOKEN = "panel-test-admin"
CANNED = """\
version: "3.1"
canned_responses:
  yatirim_gelmedi:
    title: Yatırım hesaba geçmedi
    intents: [deposit_missing]
    text: Yatırımınızı kontrol ediyorum {first_name}.
  bakiye:
    title: Bakiye bilgisi
    intents: [balance]
    text: Bakiyeniz {balance}, bonus bakiyeniz {bonus_balance}.
  selamlama:
    title: Karşılama
    intents: [human_handoff]
    text:
      tr: Merhaba, ben {agent_name}.
      en: Hello, I am {agent_name}.
  sifre_sifirlama:
    title: Şifre sıfırlama
    intents: [password_reset]
    text: Şifrenizi "Şifremi unuttum" bağlantısıyla yenileyebilirsiniz.
"""


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock account backend's API URL, seeded with the demo players."""
    config = BackendConfig(
        db_path=tmp_path_factory.mktemp("panel-backend") / "backend.sqlite3",
        api_token=BACKEND_TOKEN,
        admin_token=ADMIN_TOKEN,
    )
    with LiveServer(backend_app(config, rng=random.Random(3))) as live:
        yield live.url + API_PREFIX


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("panel-project"), trained_light_pipeline)


@contextmanager
def console(root: Path, model: TrainedModel, backend_url: str | None) -> Iterator[LiveServer]:
    (root / "canned.yml").write_text(CANNED, encoding="utf-8")
    settings = console_settings(root).model_copy(
        update={
            "backend_url": backend_url,
            "backend_token": SecretStr(BACKEND_TOKEN),
            "backend_timeout": 1.0,
            "player_token_secret": TOKEN_SECRET,
            "canned": root / "canned.yml",
        }
    )
    add_agents(
        root,
        {"login": "ayse", "name": "Ayşe Yılmaz"},
        {"login": "mehmet", "name": "Mehmet"},
        {"login": "sefa", "name": "Sefa", "role": "supervisor"},
    )
    with LiveServer(create_app(settings, model)) as live:
        yield live


@pytest.fixture
def server(tmp_path: Path, model: TrainedModel, backend: str) -> Iterator[LiveServer]:
    with console(tmp_path, model, backend) as live:
        yield live


def verified_player_asks(server: LiveServer, sender_id: str, player_id: int) -> str:
    """A web player whose site vouches for them (a signed token) asks for a human."""
    claims = {"sub": str(player_id), "aud": "destek-player", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, TOKEN_SECRET)
    body = {"sender": sender_id, "message": "/human_handoff", "metadata": {"player_token": token}}
    response = httpx.post(f"{server.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert response.status_code == 200
    return sender_id


def player_says(server: LiveServer, sender_id: str, text: str) -> None:
    body = {"sender": sender_id, "message": text}
    response = httpx.post(f"{server.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert response.status_code == 200


def _accepted(client: httpx.Client, sender_id: str) -> None:
    assert client.post(f"{API}/conversations/{sender_id}/accept").status_code == 204


# ---- the player panel --------------------------------------------------------------------


def test_a_verified_players_panel_shows_the_account(server: LiveServer) -> None:
    sender = verified_player_asks(server, "oyuncu-ahmet", 1001)
    with signed_in(server, "ayse") as ayse:
        _accepted(ayse, sender)
        panel = ayse.get(f"{API}/conversations/{sender}/player").json()
    assert (panel["verified"], panel["player_id"], panel["available"]) == (True, "1001", True)
    account = panel["account"]
    assert (account["full_name"], account["username"], account["vip_level"]) == (
        "Ahmet Yılmaz",
        "ahmet_yilmaz",
        1,
    )
    assert account["balance"] == {
        "cash": 320.5,
        "bonus": 0.0,
        "withdrawable": 320.5,
        "currency": "TRY",
    }
    latest = account["deposits"][0]  # the newest first: last night's papara, pending
    assert (latest["method"], latest["amount"], latest["state"]) == ("papara", 1500.0, "pending")
    assert len(account["deposits"]) == 3 and len(account["withdrawals"]) == 1
    assert account["withdrawals"][0]["state"] == "paid"
    assert account["kyc"]["status"] in {"approved", "pending", "not_started", "rejected"}


def test_an_unverified_player_shows_the_verification_state_and_nothing_else(
    server: LiveServer,
) -> None:
    sender = ask_for_human(server, "oyuncu-dogrulanmamis")
    with signed_in(server, "ayse") as ayse:
        response = ayse.get(f"{API}/conversations/{sender}/player")  # waiting: readable
    assert response.status_code == 200
    assert response.json() == {
        "sender_id": sender,
        "verified": False,
        "player_id": None,
        "available": False,
        "reason": "not_verified",
        "account": None,
    }


def test_a_forged_token_verifies_nobody(server: LiveServer) -> None:
    forged = jwt.encode({"sub": "1010", "exp": int(time.time()) + 600}, "x" * 40)
    body = {"sender": "sahte", "message": "/human_handoff", "metadata": {"player_token": forged}}
    httpx.post(f"{server.url}/webhooks/rest/webhook", json=body, timeout=30).raise_for_status()
    with signed_in(server, "ayse") as ayse:
        panel = ayse.get(f"{API}/conversations/sahte/player").json()
    assert (panel["verified"], panel["reason"], panel["account"]) == (False, "not_verified", None)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("url", "reason"),
    [(None, "not_configured"), ("closed", "unavailable")],
)
def test_a_backend_not_configured_or_down_is_said_politely(
    tmp_path: Path, model: TrainedModel, url: str | None, reason: str
) -> None:
    backend_url = f"http://127.0.0.1:{_closed_port()}/api/v1" if url == "closed" else url
    with console(tmp_path, model, backend_url) as server:
        sender = verified_player_asks(server, "oyuncu-kemal", 1010)
        with signed_in(server, "ayse") as ayse:
            _accepted(ayse, sender)
            response = ayse.get(f"{API}/conversations/{sender}/player")
            assert response.status_code == 200
            panel = response.json()
            assert (panel["verified"], panel["available"], panel["reason"]) == (
                True,
                False,
                reason,
            )
            assert panel["account"] is None
            # the canned responses still answer, the figures left for the agent
            player_says(server, sender, "/balance")
            items = ayse.get(f"{API}/canned", params={"sender_id": sender}).json()["items"]
            assert items[0]["shortcut"] == "bakiye"
            assert items[0]["missing"] == ["balance", "bonus_balance"]


def test_a_slow_backend_answers_within_the_timeout(server: LiveServer, backend: str) -> None:
    sender = verified_player_asks(server, "oyuncu-yavas", 1002)
    admin = {"X-Admin-Token": ADMIN_TOKEN}
    httpx.post(f"{backend}/admin/faults", json={"delay_ms": 5000}, headers=admin).raise_for_status()
    try:
        with signed_in(server, "ayse") as ayse:
            _accepted(ayse, sender)
            started = time.monotonic()
            panel = ayse.get(f"{API}/conversations/{sender}/player").json()
            waited = time.monotonic() - started
    finally:
        httpx.delete(f"{backend}/admin/faults", headers=admin).raise_for_status()
    assert (panel["available"], panel["reason"]) == (False, "unavailable")
    assert waited < 4.5  # 1 s timeout, twice at most, plus slack; never the backend's 5 s


def test_an_unknown_player_id_is_said(server: LiveServer) -> None:
    sender = verified_player_asks(server, "oyuncu-yok", 999999)
    with signed_in(server, "ayse") as ayse:
        panel = ayse.get(f"{API}/conversations/{sender}/player").json()
    assert (panel["verified"], panel["available"], panel["reason"]) == (
        True,
        False,
        "player_not_found",
    )


def test_another_agents_chat_and_unknown_ids_are_refused_alike(server: LiveServer) -> None:
    sender = verified_player_asks(server, "oyuncu-zeynep", 1002)
    with signed_in(server, "ayse") as ayse, signed_in(server, "mehmet") as mehmet:
        _accepted(ayse, sender)
        for path in (f"/conversations/{sender}/player", "/conversations/hic-yok/player"):
            response = mehmet.get(API + path)
            assert response.status_code == 403 and response.json()["code"] == "not_yours"
        for params in ({"sender_id": sender}, {"sender_id": "hic-yok"}):
            response = mehmet.get(f"{API}/canned", params=params)
            assert response.status_code == 403 and response.json()["code"] == "not_yours"
    with signed_in(server, "sefa") as supervisor:
        assert supervisor.get(f"{API}/conversations/{sender}/player").json()["available"]
        response = supervisor.get(f"{API}/conversations/hic-yok/player")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    anonymous = httpx.get(f"{server.url}{API}/conversations/{sender}/player")
    assert anonymous.status_code == 401


# ---- canned responses ----------------------------------------------------------------------


def test_canned_responses_fit_the_latest_message_and_are_filled_in(server: LiveServer) -> None:
    sender = verified_player_asks(server, "oyuncu-burak", 1005)
    with signed_in(server, "ayse") as ayse:
        _accepted(ayse, sender)
        first = ayse.get(f"{API}/canned", params={"sender_id": sender}).json()
        assert first["intent"] == "human_handoff" and first["total"] == 4
        assert (first["items"][0]["shortcut"], first["items"][0]["suggested"]) == (
            "selamlama",
            True,
        )
        assert first["items"][0]["text"] == "Merhaba, ben Ayşe Yılmaz."

        player_says(server, sender, "/balance")  # the latest message changes the offer
        listed = ayse.get(f"{API}/canned", params={"sender_id": sender}).json()
        assert listed["intent"] == "balance"
        top = listed["items"][0]
        assert (top["shortcut"], top["suggested"], top["missing"]) == ("bakiye", True, [])
        assert top["text"] == "Bakiyeniz 800,00 ₺, bonus bakiyeniz 500,00 ₺."
        assert [i["suggested"] for i in listed["items"]] == [True, False, False, False]

        found = ayse.get(f"{API}/canned", params={"sender_id": sender, "q": "/SIFRE"}).json()
        assert [i["shortcut"] for i in found["items"]] == ["sifre_sifirlama"]
        found = ayse.get(f"{API}/canned", params={"sender_id": sender, "q": "yatırım"}).json()
        assert found["items"][0]["text"] == "Yatırımınızı kontrol ediyorum Burak."
        none = ayse.get(f"{API}/canned", params={"sender_id": sender, "q": "kripto"}).json()
        assert none["items"] == [] and none["total"] == 4


def test_an_unverified_players_canned_figures_stay_for_the_agent(server: LiveServer) -> None:
    sender = ask_for_human(server, "oyuncu-anonim")
    player_says(server, sender, "/balance")
    with signed_in(server, "ayse") as ayse:
        items = ayse.get(f"{API}/canned", params={"sender_id": sender, "q": "bakiye"}).json()
    item = items["items"][0]
    assert item["text"] == "Bakiyeniz {balance}, bonus bakiyeniz {bonus_balance}."
    assert item["missing"] == ["balance", "bonus_balance"]


def test_a_bad_canned_query_is_a_clear_400(server: LiveServer) -> None:
    with signed_in(server, "ayse") as ayse:
        response = ayse.get(f"{API}/canned")
        assert response.status_code == 400 and "sender_id" in response.text
        response = ayse.get(f"{API}/canned", params={"sender_id": "x", "q": "a" * 101})
        assert response.status_code == 400 and " q" in response.text.replace(".", " ")
