"""The operator console in a real headless browser, next to a player in the web chat
widget: the player asks for a human in their own words, an agent signs in, sees the chat
waiting, accepts it, reads the history, answers, notes, and transfers it to a second
agent (a refused transfer is said in Turkish), who closes it; the player hears both agents
(never the private notes) and is asked for a 1-5 rating."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.model_storage import TrainedModel
from bot.nlu.training_data import Example
from bot.server import create_app
from tests.browser import browser
from tests.conftest import light_pipeline, small_training_data
from tests.live_server import LiveServer
from tests.server.test_console_api import PASSWORD, add_agents, console_model, console_settings

__all__ = ["browser"]  # the chromium fixture (tests/browser.py)

ASKS_FOR_A_HUMAN = [
    "canlı destek istiyorum",
    "canli destek istiyorum",
    "müşteri temsilcisiyle görüşmek istiyorum",
    "temsilciye bağla",
    "gerçek biriyle konuşmak istiyorum",
    "insanla konusmak istiyorum",
    "yetkili biri var mı",
    "operatöre bağlar mısın",
]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    data = small_training_data()
    asks = tuple(Example(text, "human_handoff", source="test") for text in ASKS_FOR_A_HUMAN)
    pipeline = light_pipeline().train(replace(data, examples=data.examples + asks))
    return console_model(tmp_path_factory.mktemp("console-browser"), pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("console-server")
    settings = console_settings(root)
    add_agents(
        root, {"login": "ayse", "name": "Ayşe Yılmaz"}, {"login": "mehmet", "name": "Mehmet Kaya"}
    )
    with LiveServer(create_app(settings, model)) as live:
        yield live


def _page(browser: Browser) -> Page:
    context = browser.new_context(locale="tr-TR", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page: Page, server: LiveServer, login: str) -> None:
    page.goto(server.url + "/console")
    page.get_by_label("Kullanıcı adı").fill(login)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Giriş yap").click()


def transfer_to_mehmet(agent: Page, mehmet: Page, note: str) -> None:
    """Mehmet (signed in) goes online; the agent transfers the open chat to him with ``note``."""
    mehmet.get_by_role("button", name="Çevrimiçi").click()
    expect(mehmet.get_by_role("button", name="Çevrimiçi")).to_have_attribute("aria-pressed", "true")
    agent.reload()  # the agents' list with Mehmet online
    agent.get_by_label("Aktarılacak yer").select_option(label="Mehmet Kaya (Çevrimiçi)")
    agent.get_by_label("Aktarma notu (oyuncu görmez)").fill(note)
    agent.get_by_role("button", name="Aktar", exact=True).click()


def test_a_widget_player_and_two_agents_in_the_console(
    browser: Browser, server: LiveServer
) -> None:
    player, agent, second = _page(browser), _page(browser), _page(browser)

    player.goto(server.url + "/")
    player.get_by_role("button", name="Sohbeti aç").click()
    player.get_by_label("Mesajınızı yazın…").fill("canlı destek istiyorum")
    player.get_by_label("Mesajınızı yazın…").press("Enter")
    expect(player.get_by_text("Sizi temsilciye aktarıyorum.")).to_be_visible()
    expect(player.get_by_text("Şu an çevrimiçi temsilcimiz yok.")).to_be_visible()

    agent.goto(server.url + "/console")
    agent.get_by_label("Kullanıcı adı").fill("ayse")
    agent.get_by_label("Parola").fill("yanlış-parola")
    agent.get_by_role("button", name="Giriş yap").click()
    expect(agent.get_by_role("alert")).to_have_text("Kullanıcı adı veya parola yanlış.")
    agent.get_by_label("Parola").fill(PASSWORD)
    agent.get_by_role("button", name="Giriş yap").click()

    waiting = agent.get_by_role("region", name="Bekleyenler")
    expect(waiting.get_by_text("Oyuncu temsilci istedi")).to_be_visible()
    waiting.get_by_role("button", name=re.compile("sohbetini kabul et")).click()

    history = agent.get_by_role("log", name="Konuşma geçmişi")
    expect(history.get_by_text("canlı destek istiyorum")).to_be_visible()
    expect(history.get_by_text("Niyet: human_handoff")).to_be_visible()
    expect(agent.get_by_role("region", name="Devir nedeni")).to_contain_text(
        "Oyuncu temsilci istedi"
    )
    expect(agent.get_by_role("button", name="Çevrimiçi")).to_have_attribute("aria-pressed", "true")
    expect(player.get_by_text("Temsilcimiz Ayşe Yılmaz sohbete katıldı.")).to_be_visible()

    agent.get_by_label("Oyuncuya mesajınız").fill("Merhaba, ben Ayşe. Nasıl yardımcı olabilirim?")
    agent.get_by_role("button", name="Gönder").click()
    expect(player.get_by_text("Merhaba, ben Ayşe. Nasıl yardımcı olabilirim?")).to_be_visible()

    player.get_by_label("Mesajınızı yazın…").fill("dün yatırdığım para hesaba geçmedi")
    player.get_by_label("Mesajınızı yazın…").press("Enter")
    expect(history.get_by_text("dün yatırdığım para hesaba geçmedi")).to_be_visible()  # live

    agent.get_by_label("Yeni özel not").fill("GİZLİ: dekont istenecek")
    agent.get_by_role("button", name="Notu kaydet").click()
    expect(agent.get_by_role("region", name="Özel notlar")).to_contain_text("dekont istenecek")

    # Mehmet is signed in but offline: the transfer is refused, in Turkish, and nothing moves
    _sign_in(second, server, "mehmet")
    expect(second.get_by_role("heading", name=re.compile("Sohbetlerim"))).to_be_visible()
    agent.get_by_label("Aktarılacak yer").select_option(label="Mehmet Kaya (Çevrimdışı)")
    agent.get_by_role("button", name="Aktar", exact=True).click()
    expect(agent.get_by_role("alert")).to_have_text(re.compile("Mehmet Kaya şu an çevrimiçi değil"))

    transfer_to_mehmet(agent, second, "GİZLİ: finans ekibi baksın")
    expect(agent.get_by_role("status").filter(has_text="Sohbet aktarıldı.")).to_be_visible()
    expect(player.get_by_text("Temsilcimiz Mehmet Kaya sohbete katıldı.")).to_be_visible()

    mine = second.get_by_role("region", name=re.compile("Sohbetlerim"))
    mine.get_by_role("button", name=re.compile("sohbetini aç")).click()
    notes = second.get_by_role("region", name="Özel notlar")
    expect(notes).to_contain_text("dekont istenecek")
    expect(notes).to_contain_text("finans ekibi baksın")
    expect(second.get_by_role("log", name="Konuşma geçmişi")).to_contain_text(
        "dün yatırdığım para hesaba geçmedi"
    )  # the second agent reads what the player told the first
    second.get_by_label("Oyuncuya mesajınız").fill("Dekontu buradan iletebilirsiniz.")
    second.get_by_role("button", name="Gönder").click()
    expect(player.get_by_text("Dekontu buradan iletebilirsiniz.")).to_be_visible()

    second.get_by_label("Çözüm etiketi").select_option(label="Çözüldü")
    second.get_by_role("button", name="Sohbeti kapat").click()
    expect(player.get_by_text("Görüşmemizi 1-5 arası puanlar mısınız?")).to_be_visible()
    expect(player.get_by_role("button", name="5", exact=True)).to_be_visible()
    expect(second.get_by_role("status").filter(has_text="puanlama soruldu")).to_be_visible()
    expect(player.get_by_text("GİZLİ")).to_have_count(0)

    agent.get_by_role("button", name="Dili İngilizce yap").click()
    expect(agent.get_by_role("heading", name="Waiting")).to_be_visible()
    expect(agent.get_by_role("button", name="Sign out")).to_be_visible()
