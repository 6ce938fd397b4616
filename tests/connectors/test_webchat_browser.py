"""The widget in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from tests.browser import browser
from tests.connectors.webchat_fixtures import (
    ANYTHING_ELSE,
    GREETING,
    METHODS,
    chat_model,
    player_token,
    tracker,
    webchat_server,
)
from tests.live_server import LiveServer

__all__ = ["browser"]  # the chromium fixture (tests/browser.py)

INVITE = "Para yatırmada sorun mu yaşıyorsunuz? Yazın, hemen yardımcı olalım."
CREDENTIALS = f"""\
webchat:
  typing_min_ms: 800
  invite_after_seconds: 1
  invite_text: "{INVITE}"
"""
SESSION_KEY = "destek.webchat.session"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> Iterator[LiveServer]:
    model: TrainedModel = chat_model(tmp_path_factory, trained_light_pipeline)
    with webchat_server(tmp_path_factory.mktemp("browser"), model, CREDENTIALS) as live:
        yield live


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="tr-TR")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _send(page: Page, text: str) -> None:
    page.locator(".destek-input").fill(text)
    page.locator(".destek-input").press("Enter")


def _session_id(page: Page) -> str:
    session_id: str = page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
    return session_id


def test_chat_click_a_button_reload_and_see_the_history(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    page.locator(".destek-launcher").click()
    expect(page.locator(".destek-panel")).to_be_visible()
    expect(page.locator(".destek-title")).to_have_text("Şanslı Destek")
    _send(page, "merhaba")
    expect(page.locator(".destek-typing")).to_be_visible()
    bot = page.locator(".destek-bot .destek-text")
    expect(bot).to_have_text([GREETING])
    expect(page.locator(".destek-typing")).to_be_hidden()

    page.get_by_role("button", name="Yatırım yöntemleri").click()
    expect(bot).to_have_text([GREETING, METHODS, ANYTHING_ELSE])
    expect(page.get_by_role("button", name="Bonuslar")).to_be_disabled()

    page.reload()
    expect(page.locator(".destek-panel")).to_be_visible()
    expect(page.locator(".destek-user .destek-text")).to_have_text(
        ["merhaba", "Yatırım yöntemleri"]
    )
    expect(bot).to_have_text([GREETING, METHODS, ANYTHING_ELSE])
    events = tracker(server, _session_id(page))["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["merhaba", "/deposit_methods"]


def test_the_player_token_of_the_page_verifies_the_player_and_is_not_stored(
    page: Page, server: LiveServer
) -> None:
    token = player_token("oyuncu-1907")
    page.add_init_script(f"window.DestekChatConfig = {json.dumps({'playerToken': token})};")
    page.goto(server.url + "/")
    page.locator(".destek-launcher").click()
    _send(page, "/thank")
    expect(page.locator(".destek-bot .destek-text")).to_have_text(["Rica ederim."])
    state = tracker(server, _session_id(page))
    user = next(e for e in state["events"] if e["event"] == "user")
    assert user["metadata"]["player_token"] == "***"  # a credential until it expires
    assert token not in json.dumps(state)
    assert state["slots"]["verified"] is True and state["slots"]["player_id"] == "oyuncu-1907"


def test_a_proactive_invitation_opens_the_chat(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    invite = page.locator(".destek-invite")
    expect(invite).to_be_visible(timeout=5_000)
    expect(invite).to_contain_text(INVITE)
    page.locator(".destek-invite-text").click()
    expect(page.locator(".destek-panel")).to_be_visible()
    expect(invite).to_be_hidden()


def test_an_invitation_for_a_given_url(page: Page, server: LiveServer) -> None:
    config = {"inviteUrls": ["para-yatir"], "inviteAfterSeconds": 0, "inviteText": "Yatırım?"}
    page.add_init_script(f"window.DestekChatConfig = {json.dumps(config)};")
    page.goto(server.url + "/?sayfa=para-yatir")
    expect(page.locator(".destek-invite")).to_contain_text("Yatırım?")


def test_a_dropped_connection_reconnects_to_the_same_conversation(
    page: Page, server: LiveServer
) -> None:
    sockets: list[WebSocketRoute] = []

    def through(route: WebSocketRoute) -> None:
        route.connect_to_server()
        sockets.append(route)

    page.route_web_socket("**/webhooks/webchat/ws", through)
    page.goto(server.url + "/")
    page.locator(".destek-launcher").click()
    _send(page, "/thank")
    bot = page.locator(".destek-bot .destek-text")
    expect(bot).to_have_text(["Rica ederim."])
    sockets[0].close()
    expect(page.locator(".destek-status")).to_have_text("Çevrimiçi")
    _send(page, "/bonus_info")
    expect(bot).to_have_text(["Rica ederim.", "Hoş geldin bonusu yüzde yüz."])
    assert len(sockets) == 2
    events = tracker(server, _session_id(page))["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["/thank", "/bonus_info"]


def test_the_page_can_set_language_position_and_title(page: Page, server: LiveServer) -> None:
    config = {"language": "en", "position": "left", "title": "Help desk"}
    page.add_init_script(f"window.DestekChatConfig = {json.dumps(config)};")
    page.goto(server.url + "/")
    launcher = page.get_by_role("button", name="Open chat")
    launcher.click()
    expect(page.locator(".destek-title")).to_have_text("Help desk")
    expect(page.get_by_placeholder("Type your message…")).to_be_visible()
    box = launcher.bounding_box()
    assert box is not None and box["x"] < page.viewport_size["width"] / 2  # type: ignore[index]


def test_a_stored_session_id_the_server_refuses_starts_a_new_session(
    page: Page, server: LiveServer
) -> None:
    page.add_init_script(
        f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1');"
        f" localStorage.setItem('{SESSION_KEY}', '905551112233'); }}"
    )
    page.goto(server.url + "/")
    page.locator(".destek-launcher").click()
    _send(page, "/thank")
    expect(page.locator(".destek-bot .destek-text")).to_have_text(["Rica ederim."])
    session_id = _session_id(page)
    assert len(session_id) == 32 and session_id != "905551112233"
