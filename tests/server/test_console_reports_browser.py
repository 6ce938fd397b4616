"""The reports page in a real headless browser, on the hand-built record: a supervisor
opens it from the views menu, picks the period, reads the cards, the bars and the days,
and downloads the CSV; an agent has no reports. A screenshot goes to
/tmp/shots/reports.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from tests.browser import browser
from tests.live_server import LiveServer
from tests.server.report_server import report_server
from tests.server.test_console_api import PASSWORD, console_model

__all__ = ["browser"]  # the chromium fixture (tests/browser.py)

SHOTS = Path("/tmp/shots")
LANGUAGE_SWITCH = "Dili İngilizce yap"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("reports-page"), trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    with report_server(tmp_path_factory.mktemp("reports-page-server"), model) as live:
        yield live


def _signed_in(browser: Browser, server: LiveServer, login: str) -> Page:
    context = browser.new_context(locale="tr-TR", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(server.url + "/console")
    page.get_by_label("Kullanıcı adı").fill(login)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Giriş yap").click()
    return page


def test_a_supervisor_reads_the_period(browser: Browser, server: LiveServer) -> None:
    page = _signed_in(browser, server, "veli")
    page.get_by_role("link", name="Raporlar").click()
    expect(page.get_by_role("heading", name="Raporlar")).to_be_visible()
    expect(page.get_by_role("button", name="Son 7 gün")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("Başlangıç").fill("2026-12-01")
    page.get_by_label("Bitiş").fill("2026-12-02")
    page.get_by_role("button", name="Göster").click()
    expect(page.get_by_text("2026-12-01 – 2026-12-02 (İstanbul saati)")).to_be_visible()

    def card(name: str) -> object:
        return page.get_by_role("group", name=name)

    expect(card("Temsilciye aktarılan")).to_contain_text("4")
    expect(card("Botun tek başına çözdüğü")).to_contain_text("%50")
    expect(card("Bekleme (medyan)")).to_contain_text("3 dk 00 sn")
    # 375 s: the bot's "place in queue" and "an agent joined" messages do not count
    expect(card("İlk yanıt (medyan)")).to_contain_text("6 dk 15 sn")
    expect(card("Görüşme süresi (medyan)")).to_contain_text("9 dk 30 sn")
    expect(card("Memnuniyet (CSAT, 5 üzerinden)")).to_contain_text("4,00")  # Turkish decimals
    expect(card("Memnuniyet (CSAT, 5 üzerinden)")).to_contain_text("yanıt oranı %50")

    reasons = page.get_by_role("region", name="Aktarma nedenleri")
    expect(reasons).to_contain_text("Oyuncu temsilci istedi")
    expect(reasons).to_contain_text("Takip sorusuna 'çözülmedi' dedi")
    follow = page.get_by_role("region", name="Takip sorusu: sorun çözüldü mü?")
    expect(follow.get_by_role("listitem").filter(has_text="Çözülmedi")).to_contain_text("1")

    days = page.get_by_role("region", name="Günlere göre")
    first = days.get_by_role("row").filter(has_text="2026-12-01")
    expect(first).to_contain_text("%50")
    expect(first).to_contain_text("6 dk 15 sn")
    expect(days.get_by_role("row")).to_have_count(3)  # the header and two days

    link = page.get_by_role("link", name="CSV indir")
    href = link.get_attribute("href")
    assert href == "/console/api/reports.csv?from=2026-12-01&to=2026-12-02"
    answer = page.request.get(server.url + href)
    assert answer.status == 200 and answer.text().splitlines()[-1].startswith("total,4,2,0.5")

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports.png"))


def test_the_page_speaks_english_too(browser: Browser, server: LiveServer) -> None:
    page = _signed_in(browser, server, "veli")
    page.goto(server.url + "/console#/reports")
    page.get_by_role("button", name=LANGUAGE_SWITCH).click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    page.get_by_label("From").fill("2026-12-01")
    page.get_by_label("To", exact=True).fill("2026-12-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("group", name="First response (median)")).to_contain_text("6 min 15 s")
    contained = page.get_by_role("group", name="Solved by the bot alone")
    expect(contained).to_contain_text("50%")
    expect(contained).to_contain_text("2 of 4 conversations never reached an agent")
    expect(page.get_by_role("group", name="Satisfaction (CSAT, out of 5)")).to_contain_text("4.00")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports_en.png"))


def test_a_backwards_period_is_said_plainly(browser: Browser, server: LiveServer) -> None:
    page = _signed_in(browser, server, "admin")
    page.goto(server.url + "/console#/reports")
    page.get_by_label("Başlangıç").fill("2026-12-05")
    page.get_by_label("Bitiş").fill("2026-12-01")
    page.get_by_role("button", name="Göster").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Bitiş başlangıçtan önce olamaz; bir rapor en çok 366 gün kapsar."
    )
    page.get_by_role("button", name="Bugün").click()
    expect(page.get_by_role("button", name="Bugün")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_an_agent_has_no_reports(browser: Browser, server: LiveServer) -> None:
    page = _signed_in(browser, server, "ali")
    expect(page.get_by_role("region", name="Bekleyenler")).to_be_visible()
    expect(page.get_by_role("link", name="Raporlar")).to_have_count(0)
    page.goto(server.url + "/console#/reports")
    expect(page.get_by_role("region", name="Bekleyenler")).to_be_visible()
    expect(page.get_by_role("heading", name="Raporlar")).to_have_count(0)


def test_the_rating_comment_shows_in_the_history(browser: Browser, server: LiveServer) -> None:
    page = _signed_in(browser, server, "veli")
    page.goto(server.url + "/console#/chat/p-ali")
    history = page.get_by_role("log", name="Konuşma geçmişi")
    expect(history.get_by_text("Oyuncunun puanı: 4/5")).to_be_visible()
    expect(history.get_by_text("Oyuncunun yorumu: “hızlıydınız”")).to_be_visible()
    page.screenshot(path=str(SHOTS / "csat_comment.png"))
