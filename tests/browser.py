"""Debian's chromium, driven by Playwright from PyPI, for the tests of web pages.

``playwright install`` is not used (it downloads a browser): the project's set-up
installs Debian's package, and without it these tests are skipped, saying why (with
``CI=true`` they fail).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.services import service_unavailable

__all__ = ["ARGS", "CHROMIUM", "browser"]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for a test module."""
    if not CHROMIUM.exists():
        service_unavailable("chromium", f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except PlaywrightError as exc:
            service_unavailable("chromium", str(exc).splitlines()[0])
        yield launched
        launched.close()
