"""Sign-in and roles in a real headless browser: a content editor lands on the reports
with no desk and no status; a locked login reads why; the page runs under its
Content-Security-Policy without a violation. A screenshot goes to /tmp/shots/editor.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from tests.browser import browser
from tests.live_server import LiveServer
from tests.server.test_console_api import PASSWORD, add_agents, console_model, console_settings

__all__ = ["browser"]  # the fixture, shared

SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("login-page")
    model: TrainedModel = console_model(root, trained_light_pipeline)
    add_agents(
        root,
        {"login": "elif", "name": "Elif Editör", "role": "editor"},
        {"login": "ali", "name": "Ali"},
    )
    with LiveServer(create_app(console_settings(root), model)) as live:
        yield live


def _page(browser: Browser, server: LiveServer, violations: list[str]) -> Page:
    context = browser.new_context(locale="tr-TR", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    page.goto(server.url + "/console")
    return page


def _sign_in(page: Page, login: str, password: str) -> None:
    page.get_by_label("Kullanıcı adı").fill(login)
    page.get_by_label("Parola").fill(password)
    page.get_by_role("button", name="Giriş yap").click()


def test_a_content_editor_lands_on_the_reports(browser: Browser, server: LiveServer) -> None:
    violations: list[str] = []
    page = _page(browser, server, violations)
    _sign_in(page, "elif", PASSWORD)
    expect(page.get_by_role("heading", name="Raporlar")).to_be_visible()
    expect(page.get_by_role("group", name="Durumum")).to_have_count(0)
    expect(page.get_by_role("region", name="Bekleyenler")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)  # no refused queue call shown
    expect(
        page.get_by_role("status").filter(has_text="Canlı bağlantı açık")
    ).to_be_visible()  # the socket
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "editor.png"))
    page.get_by_role("button", name="Çıkış yap").click()
    expect(page.get_by_label("Kullanıcı adı")).to_be_visible()
    assert violations == []


def test_a_locked_login_says_when_to_try_again(browser: Browser, server: LiveServer) -> None:
    page = _page(browser, server, [])
    for _ in range(5):
        _sign_in(page, "ali", "yanlis-parola")
    expect(page.get_by_role("alert")).to_contain_text("Çok fazla hatalı giriş denemesi")
    expect(page.get_by_role("alert")).to_contain_text("15 dakika sonra")  # not "900 saniye"
    page.screenshot(path=str(SHOTS / "login_locked.png"))
