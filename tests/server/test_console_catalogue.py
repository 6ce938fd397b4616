"""The console's strings: every key the pages ask for exists in Turkish and in English,
and each area's two files hold the same keys (a page never shows a bare key)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.server.console import STATIC

I18N = STATIC / "i18n"
KEY = re.compile(r'^\s*"([\w.]+)":', re.MULTILINE)
ASKED = re.compile(r'\bt\(\s*"([\w.]+)"')
AREAS = sorted(path.name[3:] for path in I18N.glob("tr_*.js"))


def _keys(path: Path) -> set[str]:
    return set(KEY.findall(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("tail", ["base", *AREAS])
def test_each_area_speaks_both_languages(tail: str) -> None:
    tr, en = (I18N / f"{lang}.js" for lang in ("tr", "en"))
    if tail != "base":
        tr, en = I18N / f"tr_{tail}", I18N / f"en_{tail}"
    assert _keys(tr) == _keys(en), sorted(_keys(tr) ^ _keys(en))


def test_every_key_a_page_asks_for_is_in_the_catalogue() -> None:
    known = _keys(I18N / "tr.js").union(*(_keys(I18N / f"tr_{tail}") for tail in AREAS))
    asked = {
        (page.name, key)
        for page in STATIC.glob("*.js")
        for key in ASKED.findall(page.read_text(encoding="utf-8"))
    }
    missing = sorted(f"{page}: {key}" for page, key in asked if key not in known)
    assert not missing, missing


def test_every_refusal_code_of_the_queue_has_words() -> None:
    source = (Path(__file__).parents[2] / "bot/handover/agent_actions.py").read_text()
    codes = set(re.findall(r'HandoverError\(\s*f?"[^"]*",\s*"(\w+)"', source))
    assert {"taken", "agent_offline", "not_yours"} <= codes
    known = _keys(I18N / "tr.js")
    assert not sorted(code for code in codes if f"error.{code}" not in known)
