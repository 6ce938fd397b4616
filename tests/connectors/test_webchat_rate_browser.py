"""The widget in chromium over the per-sender limit: it says so politely in Turkish,
keeps the messages the server did not take and sends them again, in order; none is lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from tests.browser import browser
from tests.connectors.webchat_fixtures import chat_model, tracker, webchat_server
from tests.live_server import LiveServer

__all__ = ["browser"]  # the chromium fixture (tests/browser.py)

LIMITS = "rate_limits:\n  per_sender: {per_minute: 60, burst: 2}\n"
SLOW_DOWN = "Mesajlarınız çok hızlı geliyor; birkaç saniye içinde kendiliğinden gönderilecek."
THANKS = "Rica ederim."
BONUS = "Hoş geldin bonusu yüzde yüz."


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> Iterator[LiveServer]:
    model: TrainedModel = chat_model(tmp_path_factory, trained_light_pipeline)
    root = tmp_path_factory.mktemp("browser-rate")
    with webchat_server(root, model, "webchat:\n  typing_min_ms: 0\n", shared=LIMITS) as live:
        yield live


def test_messages_over_the_limit_wait_and_go_out_in_order(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(locale="tr-TR")
    context.set_default_timeout(15_000)
    page: Page = context.new_page()
    try:
        page.goto(server.url + "/")
        page.get_by_role("button", name="Sohbeti aç").click()
        expect(page.locator(".destek-status")).to_have_text("Çevrimiçi")
        texts = ["/thank", "/bonus_info", "/thank", "/bonus_info"]
        box = page.get_by_label("Mesajınızı yazın…")
        for text in texts:
            box.fill(text)
            box.press("Enter")
        expect(page.locator(".destek-note")).to_have_text([SLOW_DOWN])  # said once
        bot = page.locator(".destek-bot .destek-text")
        expect(bot).to_have_text([THANKS, BONUS, THANKS, BONUS])
        expect(page.locator(".destek-pending")).to_have_count(0)  # every one acknowledged
        session_id: str = page.evaluate("localStorage.getItem('destek.webchat.session')")
    finally:
        context.close()
    events = tracker(server, session_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == texts
