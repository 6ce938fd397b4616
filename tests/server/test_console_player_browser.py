"""The whole handover in a real headless browser, beside a player in the web chat widget
and a live mock account backend: the agent accepts a verified player's chat, reads the
history and the account's figures, finds a canned reply by typing `/` and a few letters,
edits it and sends it, adds a private note and transfers the chat to a second agent, who
closes it; the player hears both agents (never the notes), rates the chat, adds a comment
and is back with the bot. For a player who is not verified, the panel shows nothing of
the account, and a reply whose figures are unknown cannot go out until the agent has
written them."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from actions.backend import API_PREFIX, BackendConfig
from actions.backend import create_app as backend_app
from bot.model_storage import TrainedModel
from bot.nlu.training_data import Example
from bot.server import create_app
from tests.browser import browser
from tests.conftest import light_pipeline, small_training_data
from tests.dialogue.engine_project import TOKEN_SECRET
from tests.live_server import LiveServer
from tests.server.test_console_api import PASSWORD, add_agents, console_model, console_settings
from tests.server.test_console_browser import ASKS_FOR_A_HUMAN, transfer_to_mehmet

__all__ = ["browser"]  # the chromium fixture, shared with the console's browser test

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/shots")  # screenshots to look at (the README's come from here)
BACKEND_TOKEN = "panel-browser-token"
GREETING = re.compile("^(Merhaba|Selam) oyuncu")  # the bot's greeting, to an unnamed player
THANKS = ("teşekkürler", "teşekkür ederim", "sağol", "çok sağolun", "eyvallah", "tşk")
RATING_COMMENT = """\
version: "3.1"
responses:
  utter_ask_csat_comment:
    - text: "Eklemek istediğiniz bir yorum var mı?"
      buttons: [{title: "Geç", payload: "/csat_skip"}]
  utter_csat_comment_thanks: [{text: "Yorumunuz için teşekkürler!"}]
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    data = small_training_data()
    asks = tuple(Example(text, "human_handoff", source="test") for text in ASKS_FOR_A_HUMAN)
    thanks = tuple(Example(text, "thank", source="test") for text in THANKS)
    pipeline = light_pipeline().train(replace(data, examples=data.examples + asks + thanks))
    return console_model(tmp_path_factory.mktemp("panel-browser"), pipeline, RATING_COMMENT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    """The console with the shipped canned.yml, reading a live mock account backend."""
    config = BackendConfig(
        db_path=tmp_path_factory.mktemp("panel-browser-backend") / "backend.sqlite3",
        api_token=BACKEND_TOKEN,
    )
    root = tmp_path_factory.mktemp("panel-browser-server")
    with LiveServer(backend_app(config, rng=random.Random(5))) as backend:
        settings = console_settings(root).model_copy(
            update={
                "backend_url": backend.url + API_PREFIX,
                "backend_token": SecretStr(BACKEND_TOKEN),
                "player_token_secret": TOKEN_SECRET,
                "canned": ROOT / "canned.yml",
            }
        )
        add_agents(
            root,
            {"login": "ayse", "name": "Ayşe Yılmaz"},
            {"login": "mehmet", "name": "Mehmet Kaya"},
        )
        with LiveServer(create_app(settings, model)) as live:
            yield live


def _page(browser: Browser) -> Page:
    context = browser.new_context(locale="tr-TR", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def _player_says_hello(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    page.get_by_role("button", name="Sohbeti aç").click()
    _player_says(page, "merhaba")
    expect(page.get_by_text(GREETING)).to_be_visible()


def _player_asks_for_a_human(
    page: Page, server: LiveServer, player_id: int | None, reload: bool = True
) -> None:
    if reload:
        page.goto(server.url + "/")
    if player_id is not None:  # the site vouches for the player with a signed token
        token = jwt.encode(
            {"sub": str(player_id), "aud": "destek-player", "exp": int(time.time()) + 900},
            TOKEN_SECRET,
        )
        page.evaluate("token => window.DestekChat.setPlayerToken(token)", token)
    if reload:
        page.get_by_role("button", name="Sohbeti aç").click()
    _player_says(page, "canlı destek istiyorum")
    expect(page.get_by_text("Sizi temsilciye aktarıyorum.")).to_be_visible()


def _player_says(page: Page, text: str) -> None:
    page.get_by_label("Mesajınızı yazın…").fill(text)
    page.get_by_label("Mesajınızı yazın…").press("Enter")


def _sign_in(page: Page, server: LiveServer, login: str) -> None:
    page.goto(server.url + "/console")
    page.get_by_label("Kullanıcı adı").fill(login)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Giriş yap").click()


def _agent_accepts(page: Page, server: LiveServer) -> None:
    _sign_in(page, server, "ayse")
    # waiting, or already routed to me if I was online (the queue gives chats by itself)
    waiting = page.get_by_role("region", name="Bekleyenler")
    accept = waiting.get_by_role("button", name=re.compile("sohbetini kabul et"))
    mine = page.get_by_role("region", name=re.compile("Sohbetlerim"))
    open_mine = mine.get_by_role("button", name=re.compile("sohbetini aç"))
    expect(accept.or_(open_mine).first).to_be_visible()
    (accept if accept.count() else open_mine).first.click()
    expect(page.get_by_label("Oyuncuya mesajınız")).to_be_visible()


def test_a_verified_player_from_the_widget_to_two_agents_the_rating_and_the_bot(
    browser: Browser, server: LiveServer
) -> None:
    player, agent, second = _page(browser), _page(browser), _page(browser)
    _player_says_hello(player, server)
    _player_asks_for_a_human(player, server, 1001, reload=False)
    _agent_accepts(agent, server)
    history = agent.get_by_role("log", name="Konuşma geçmişi")
    expect(history.get_by_text("merhaba", exact=True)).to_be_visible()  # before the handover
    expect(history.get_by_text("Niyet: greet")).to_be_visible()
    expect(agent.get_by_role("region", name="Devir nedeni")).to_contain_text(
        "Oyuncu temsilci istedi"
    )

    panel = agent.get_by_role("region", name="Oyuncu hesabı")
    expect(panel).to_contain_text("Kimliği doğrulandı")
    expect(panel).to_contain_text("Ahmet Yılmaz")
    expect(panel).to_contain_text("VIP 1")
    expect(panel.get_by_label("Bakiye")).to_contain_text("320,50 ₺")
    deposits = panel.get_by_role("region", name="Son yatırımlar")
    expect(deposits.get_by_role("listitem").first).to_contain_text("1.500,00 ₺")
    expect(deposits.get_by_role("listitem").first).to_contain_text("Beklemede")
    expect(deposits.get_by_role("listitem")).to_have_count(3)
    expect(panel.get_by_role("region", name="Son çekimler")).to_contain_text("Ödendi")

    composer = agent.get_by_label("Oyuncuya mesajınız")
    composer.press_sequentially("/çekim")  # with the diacritic the shortcut lacks
    picker = agent.get_by_role("listbox", name="Hazır yanıtlar")
    expect(picker.get_by_role("option").first).to_contain_text("/cekim_")
    option = picker.get_by_role("option", name=re.compile("cekim_suresi"))
    while option.get_attribute("aria-selected") != "true":
        composer.press("ArrowDown")
    composer.press("Enter")  # inserts, for editing; it does not send
    expect(picker).to_have_count(0)
    expect(composer).to_have_value(re.compile(r"^Çekim talepleriniz .* şu an 320,50 ₺\.$"))
    composer.press("End")
    composer.press_sequentially(" İyi oyunlar!")
    composer.press("Enter")
    expect(player.get_by_text(re.compile("şu an 320,50 ₺. İyi oyunlar!"))).to_be_visible()
    expect(composer).to_have_value("")

    _player_says(player, "yatırdığım para gelmedi")
    suggested = agent.get_by_role("group", name="Bu mesaja uygun hazır yanıtlar")
    expect(suggested.get_by_role("button").first).to_have_accessible_name(
        re.compile("Yatırım hesaba geçmedi")
    )
    SHOTS.mkdir(exist_ok=True)
    agent.screenshot(path=str(SHOTS / "console-conversation.png"))
    agent.keyboard.press("Alt+Shift+1")  # one keystroke puts it in the composer
    expect(composer).to_have_value(re.compile("^Yatırımınızı kontrol ediyorum Ahmet\\."))
    agent.get_by_role("button", name="Gönder").click()
    expect(player.get_by_text(re.compile("Yatırımınızı kontrol ediyorum Ahmet"))).to_be_visible()
    expect(player.get_by_text(re.compile(r"\{"))).to_have_count(0)

    agent.get_by_label("Yeni özel not").fill("GİZLİ: dekont istenecek")
    agent.get_by_role("button", name="Notu kaydet").click()
    expect(agent.get_by_role("region", name="Özel notlar")).to_contain_text("dekont istenecek")
    _sign_in(second, server, "mehmet")
    transfer_to_mehmet(agent, second, "GİZLİ: finans ekibi baksın")
    expect(player.get_by_text("Temsilcimiz Mehmet Kaya sohbete katıldı.")).to_be_visible()

    second.get_by_role("region", name=re.compile("Sohbetlerim")).get_by_role(
        "button", name=re.compile("sohbetini aç")
    ).click()
    expect(second.get_by_role("region", name="Özel notlar")).to_contain_text("finans ekibi")
    expect(second.get_by_role("log", name="Konuşma geçmişi")).to_contain_text(
        "yatırdığım para gelmedi"
    )  # the second agent reads what the player told the first
    expect(second.get_by_role("region", name="Oyuncu hesabı")).to_contain_text("Ahmet Yılmaz")
    second.get_by_label("Çözüm etiketi").select_option(label="Çözüldü")
    second.get_by_role("button", name="Sohbeti kapat").click()

    expect(player.get_by_text("Görüşmemizi 1-5 arası puanlar mısınız?")).to_be_visible()
    player.get_by_role("button", name="5", exact=True).click()
    expect(player.get_by_text("Eklemek istediğiniz bir yorum var mı?")).to_be_visible()
    _player_says(player, "teşekkür ederim Mehmet bey, çok ilgiliydiniz")
    expect(player.get_by_text("Yorumunuz için teşekkürler!")).to_be_visible()
    _player_says(player, "selam")  # back with the bot: it answers again
    expect(player.get_by_text(GREETING)).to_have_count(2)
    expect(player.get_by_text("GİZLİ")).to_have_count(0)

    closed = second.get_by_role("log", name="Konuşma geçmişi")
    expect(closed).to_contain_text("çok ilgiliydiniz")  # the comment, live
    second.get_by_role("button", name="Çıkış yap").click()  # offline: no chat of the next test
    expect(second.get_by_label("Kullanıcı adı")).to_be_visible()


def test_an_unverified_player_shows_no_account_and_unknown_figures_must_be_written(
    browser: Browser, server: LiveServer
) -> None:
    player, agent = _page(browser), _page(browser)
    _player_asks_for_a_human(player, server, None)
    _agent_accepts(agent, server)

    panel = agent.get_by_role("region", name="Oyuncu hesabı")
    expect(panel).to_contain_text("Kimliği doğrulanmadı")
    expect(panel).not_to_contain_text("₺")

    composer = agent.get_by_label("Oyuncuya mesajınız")
    composer.press_sequentially("/bakiy")
    composer.press("Enter")  # before the picker has answered: nothing goes out
    picker = agent.get_by_role("listbox", name="Hazır yanıtlar")
    expect(picker.get_by_role("option", name=re.compile("^.bakiye Bakiye"))).to_be_visible()
    expect(composer).to_have_value("/bakiy")
    composer.press("Enter")
    expect(composer).to_have_value(re.compile(r"\{balance\}.*\{bonus_balance\}.*\{withdrawable\}"))
    expect(agent.get_by_text("Göndermeden önce doldurun")).to_be_visible()
    composer.press("Enter")  # refused: the first blank is selected for the agent
    expect(agent.get_by_role("alert")).to_contain_text("{balance}")
    for figure in ("1.000 TL", "0 TL", "1.000 TL"):
        agent.keyboard.type(figure)  # types over the selected {variable}
        composer.press("Enter")
    sent = re.compile("Hesabınızda şu an 1.000 TL ana para ve 0 TL bonus")
    expect(player.get_by_text(sent)).to_be_visible()
    expect(player.get_by_text(re.compile(r"\{balance\}"))).to_have_count(0)
