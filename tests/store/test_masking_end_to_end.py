"""A player is identified by phone and a one-time code, then hands over a card number and an
IBAN: the shipped domain, rules and actions, the mock backend, and the tracker store the
factory builds on SQLite. No clear value reaches the database file, and the flow works.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.conversations import ADMIN_TOKEN, Services, conversation_services
from bot.config import read_config
from bot.dialogue.action_client import ActionClient
from bot.dialogue.domain import read_domain
from bot.dialogue.engine import Engine, EngineConfig, UserMessage
from bot.dialogue.event_reader import parse_events
from bot.dialogue.slot_values import read_slot_value, tracker_slots
from bot.dialogue.story_reader import load_stories
from bot.dialogue.tracker import Tracker
from bot.model_storage import CoreModel
from bot.store.factory import tracker_store_from_endpoint
from bot.store.memory import InMemoryLockStore
from bot.workbench.training import train_core

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PHONE = "0532 123 45 67"  # ahmet_yilmaz's, +905321234567, in the mock backend
CARD = "4111 1111 1111 1111"
IBAN = "TR33 0006 1005 1978 6457 8413 26"
_PHONE = re.compile(r"0\d{3} \d{3} \d{2} \d{2}")
_CODE = re.compile(r"\b\d{6}\b")


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def core() -> CoreModel:
    stories = load_stories([ROOT / "data" / "rules.yml", ROOT / "data" / "stories.yml"])
    return train_core(read_config(ROOT / "config.yml"), read_domain(ROOT / "domain.yml"), stories)


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    with conversation_services() as running:
        yield running


@pytest.fixture()
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def parse(text: str) -> Mapping[str, Any]:
    """The NLU, standing in: what the shipped model reads in these few messages."""
    entities: list[dict[str, Any]] = []
    if (phone := _PHONE.search(text)) is not None:
        entities.append({"entity": "phone", "value": phone.group(), **_span(phone)})
    if (code := _CODE.fullmatch(text.strip())) is not None:
        entities.append({"entity": "otp_code", "value": code.group(), **_span(code)})
    intent = "nlu_fallback"
    if "bakiye" in text:
        intent = "balance"
    elif "temsilci" in text:
        intent = "human_handoff"
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9 if intent != "nlu_fallback" else 0.2},
        "intent_ranking": [],
        "entities": entities,
    }


def _span(match: re.Match[str]) -> dict[str, int]:
    return {"start": match.start(), "end": match.end()}


def _engine(
    core: CoreModel,
    services: Services,
    http: httpx.AsyncClient,
    db: Path,
    cache: int,
    privacy: Mapping[str, Any] | None = None,
) -> Engine:
    store = tracker_store_from_endpoint({"type": "sql", "url": f"sqlite:///{db}"}, privacy)
    return Engine(
        core.domain,
        core.policies,
        parse,
        store,
        InMemoryLockStore(),
        action_client=ActionClient(services.action_url, http),
        config=EngineConfig(seed=7, tracker_cache_size=cache),
    )


async def _latest_code(services: Services, http: httpx.AsyncClient) -> str:
    response = await http.get(
        f"{services.backend_url}/outbox", headers={"X-Admin-Token": ADMIN_TOKEN}
    )
    response.raise_for_status()
    for message in response.json()["messages"]:  # newest first
        found = _CODE.search(message["body"])
        if found:
            return found.group()
    raise AssertionError("no code was sent")


async def _conversation(engine: Engine, services: Services, http: httpx.AsyncClient) -> str:
    """Verify by phone and code, then ask for a human with a card and an IBAN; the code."""
    reset = await http.post(
        f"{services.backend_url}/admin/reset", headers={"X-Admin-Token": ADMIN_TOKEN}
    )
    reset.raise_for_status()

    async def say(text: str) -> str:
        replies = await engine.handle(UserMessage(text, "oyuncu", "rest"))
        return " ".join(str(r.get("text", "")) for r in replies)

    assert "doğrula" in (await say("bakiyem ne kadar")).lower()
    assert "kod" in await say(PHONE)
    code = await _latest_code(services, http)
    assert "320,50" in await say(code)  # verified: the balance that was waiting
    await say(f"temsilci istiyorum, kartım {CARD} ibanım {IBAN}")
    return code


def _stored_text(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        return "\n".join(connection.iterdump())


@pytest.mark.anyio
async def test_nothing_personal_is_stored_in_clear_and_the_player_is_verified(
    core: CoreModel, services: Services, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    db = tmp_path / "destek.db"
    engine = _engine(core, services, http, db, cache=1000)
    code = await _conversation(engine, services, http)
    tracker = await engine.tracker("oyuncu")
    assert tracker.get_slot("verified") is True
    stored = _stored_text(db)
    for clear in ("532 123 45 67", "5321234567", CARD, CARD.replace(" ", ""), IBAN[5:], code):
        assert clear not in stored
    assert "05** *** ** 67" in stored  # what the agent and the reports still see
    assert "**** **** **** 1111" in stored
    assert "TR** **** **** **** **** **** 26" in stored
    assert "handover_requested" in stored and "Son mesajlar" in stored
    await engine.store.close()


@pytest.mark.anyio
async def test_masked_slot_values_still_fit_their_slots(
    core: CoreModel, services: Services, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    db = tmp_path / "destek.db"
    engine = _engine(core, services, http, db, cache=1000)
    await _conversation(engine, services, http)
    events, problems = parse_events(await engine.store.load("oyuncu"))
    assert problems == []
    reread = Tracker.from_events("oyuncu", (), core.domain).extended(events)
    slots = tracker_slots(core.domain)
    misfits = [
        read_slot_value(slots[name], value).misfit
        for name, value in reread.slots.items()
        if name in slots
    ]
    assert [m for m in misfits if m] == []
    assert reread.get_slot("verified") is True
    assert reread.get_slot("player_id") == 1001  # an account reference, stored as given
    assert reread.get_slot("otp_code") in (None, "******")
    await engine.store.close()


def test_a_tracker_read_back_each_turn_verifies_with_the_identifiers_masked(
    core: CoreModel, services: Services, tmp_path: Path
) -> None:
    """No tracker kept between turns (as when the next message reaches another worker):
    the code's check turn reads the conversation back from the store, where the phone the
    player typed a turn earlier is masked. The check names the conversation, not the
    phone, so the genuine code verifies with the default settings, and nothing the player
    typed is stored in clear."""

    async def run() -> tuple[bool, object, str]:
        async with httpx.AsyncClient(timeout=10) as http:
            engine = _engine(core, services, http, tmp_path / "destek.db", 0)
            code = await _conversation(engine, services, http)
            tracker = await engine.tracker("oyuncu")
            await engine.store.close()
            return tracker.get_slot("verified") is True, tracker.get_slot("username"), code

    verified, username, code = asyncio.run(run())
    assert verified
    assert username == "05** *** ** 67"  # what the check turn read: the phone, masked
    stored = _stored_text(tmp_path / "destek.db")
    for clear in ("532 123 45 67", "5321234567", CARD, IBAN[5:], code):
        assert clear not in stored
