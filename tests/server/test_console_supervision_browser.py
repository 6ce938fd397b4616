"""The supervisor's floor and the admin page in a real headless browser, two pages at
once: a supervisor watches the floor fill live as a player asks for a human, hears and
sees the alert when the chat waits past its SLA, and gives it to an agent; an admin
adds an agent who then signs in on the second page, and is refused what only the rules
forbid (disabling themselves is not even offered)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.model_storage import TrainedModel
from bot.server import create_app
from tests.browser import browser
from tests.live_server import LiveServer
from tests.server.test_console_api import (
    PASSWORD,
    add_agents,
    ask_for_human,
    console_settings,
    model,
)

__all__ = ["browser", "model"]

SHOTS = Path("/tmp/shots")  # screenshots to look at (the README's come from here)
SLA = "live_agents:\n  type: builtin\n  sla: {0: 5, 1: 5, 2: 5, 3: 5}\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("supervision-browser")
    settings = console_settings(root)
    with (root / "endpoints.yml").open("a", encoding="utf-8") as endpoints:
        endpoints.write(SLA)
    add_agents(
        root,
        {"login": "ayse", "name": "Ayşe Yılmaz", "languages": ("en",)},  # never routed a tr chat
        {"login": "sefa", "name": "Sefa Arslan", "role": "supervisor"},
        {"login": "ada", "name": "Ada Şahin", "role": "admin"},
    )
    with LiveServer(create_app(settings, model)) as live:
        yield live


def _page(browser: Browser) -> Page:
    context = browser.new_context(locale="tr-TR", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page: Page, server: LiveServer, login: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/console")
    page.get_by_label("Kullanıcı adı").fill(login)
    page.get_by_label("Parola").fill(password)
    page.get_by_role("button", name="Giriş yap").click()
    expect(page.get_by_role("button", name="Çıkış yap")).to_be_visible()


def test_the_floor_fills_live_and_alerts_past_sla(browser: Browser, server: LiveServer) -> None:
    boss, agent = _page(browser), _page(browser)
    _sign_in(agent, server, "ayse")
    expect(agent.get_by_role("navigation", name="Görünümler")).to_have_count(0)  # agents: none
    agent.get_by_role("button", name="Çevrimiçi").click()

    _sign_in(boss, server, "sefa")
    views = boss.get_by_role("navigation", name="Görünümler")
    expect(views.get_by_role("link", name="Yönetim")).to_have_count(0)  # admins only
    views.get_by_role("link", name="Salon").click()
    expect(boss.get_by_role("heading", name="Salon görünümü")).to_be_visible()
    waiting = boss.get_by_role("group", name="Bekleyen sohbet")
    expect(waiting).to_contain_text("0")
    agents = boss.get_by_role("region", name=re.compile("Temsilciler"))
    expect(agents.get_by_role("row", name=re.compile("Ayşe Yılmaz"))).to_contain_text("0/3")
    expect(agents.get_by_role("row", name=re.compile("Ayşe Yılmaz"))).to_contain_text("süredir")

    sender = ask_for_human(server, "web-oyuncu-42")
    expect(waiting).to_contain_text("1")  # live, without a reload
    queues = boss.get_by_role("region", name="Kuyruklar")
    expect(queues.get_by_role("row", name=re.compile("Genel"))).to_contain_text("TR")
    expect(boss.get_by_role("status").filter(has_text="Yeni sohbet bekliyor")).to_be_visible()

    # five seconds later it is past its SLA: an alert that stays, and a red row
    breach = boss.get_by_role("alert").filter(has_text="Süre aşıldı")
    expect(breach).to_be_visible(timeout=15_000)
    late = boss.get_by_role("region", name=re.compile("Süresi aşılan sohbetler"))
    expect(late.get_by_role("row", name=re.compile(sender[-6:]))).to_be_visible()
    expect(boss.get_by_role("group", name="Süresi aşılan")).to_contain_text("1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    boss.screenshot(path=str(SHOTS / "console-floor.png"))

    late.get_by_label(re.compile("sohbetini ata")).select_option(label="Ayşe Yılmaz (0/3)")
    late.get_by_role("button", name="Ata").click()
    expect(late.get_by_text("Hedef süreyi aşan sohbet yok.")).to_be_visible()
    expect(agents.get_by_role("row", name=re.compile("Ayşe Yılmaz"))).to_contain_text("1/3")
    expect(agent.get_by_role("heading", name=re.compile("Sohbetlerim"))).to_contain_text("1/3")

    # the supervisor sends her on a break from the floor
    agents.get_by_label("Ayşe Yılmaz durumu").select_option(label="Molada")
    expect(agent.get_by_role("button", name="Molada")).to_have_attribute("aria-pressed", "true")


def test_an_admin_adds_an_agent_who_then_signs_in(browser: Browser, server: LiveServer) -> None:
    admin, newcomer = _page(browser), _page(browser)
    _sign_in(admin, server, "ada")
    admin.get_by_role("navigation", name="Görünümler").get_by_role("link", name="Yönetim").click()
    expect(admin.get_by_role("heading", name="Temsilci yönetimi")).to_be_visible()
    staff = admin.get_by_role("region", name=re.compile("^Temsilciler"))
    own = staff.get_by_role("row", name=re.compile("Ada Şahin"))
    expect(own.get_by_role("button", name=re.compile("hesabını kapat"))).to_have_count(0)

    form = admin.get_by_role("form", name="Yeni temsilci")
    form.get_by_label("Kullanıcı adı").fill("zeynep")
    form.get_by_label("Ad soyad").fill("Zeynep Ak")
    form.get_by_label("Rol", exact=True).select_option(label="Temsilci")
    form.get_by_label("Beceriler").fill("finance, kyc")
    form.get_by_label("Ekipler").fill("vip")
    form.get_by_label("En fazla sohbet").fill("4")
    form.get_by_label("İlk parola").fill("kisa")
    form.get_by_role("button", name="Temsilciyi ekle").click()
    expect(admin.get_by_role("alert")).to_have_text(
        re.compile("Lütfen bu alanı düzeltin: İlk parola")
    )
    form.get_by_label("İlk parola").fill("zeynep-ilk-parola")
    form.get_by_role("button", name="Temsilciyi ekle").click()
    expect(admin.get_by_role("status").filter(has_text="Temsilci eklendi")).to_be_visible()
    row = staff.get_by_role("row", name=re.compile("Zeynep Ak"))
    expect(row).to_contain_text("Finans, Kimlik doğrulama")
    expect(row).to_contain_text("vip")

    _sign_in(newcomer, server, "zeynep", "zeynep-ilk-parola")
    expect(newcomer.get_by_text("Giriş yapan: Zeynep Ak")).to_be_visible()
    expect(newcomer.get_by_role("heading", name=re.compile("Sohbetlerim"))).to_contain_text("0/4")

    # disabled, she is signed out on her next step; the same login cannot be taken twice
    row.get_by_role("button", name="Zeynep Ak hesabını kapat").click()
    expect(row).to_contain_text("Kapalı")
    newcomer.get_by_role("button", name="Çevrimiçi").click()
    expect(newcomer.get_by_role("button", name="Giriş yap")).to_be_visible()
    form.get_by_label("Kullanıcı adı").fill("zeynep")
    form.get_by_label("Ad soyad").fill("Başka Zeynep")
    form.get_by_label("İlk parola").fill("baska-parola-1")
    form.get_by_role("button", name="Temsilciyi ekle").click()
    expect(admin.get_by_role("alert")).to_have_text(
        re.compile("“zeynep” kullanıcı adı kullanılıyor")
    )
