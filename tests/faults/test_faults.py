"""Fifty players talk to two workers while every fault strikes in turn; afterwards every
tracker in PostgreSQL is held against what the players sent and got.

The rig (tests/faults/rig.py) is ``bot run --workers 2`` on the machine's PostgreSQL and
Redis, with its embedded action server, and the mock account backend. While the players
greet, ask questions, ask for their balance and prove who they are with one-time codes
read from the backend's outbox, these strike one after another: the action server is
killed (SIGKILL), the backend turns slow, then down, PostgreSQL and Redis end every
connection of the workers (what a restart looks like to a client), and a worker is killed
in the middle of its messages. A message that is not acknowledged is sent again with the
same message_id. Then: nothing acknowledged is lost, nothing is stored twice, the order
holds, nobody is left without an answer, no message was stored by an attempt that was
answered with an error, a player whose account could not be reached was told so politely
and handed to a human, and /health says every dependency is back.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.store.redis_connection import RedisEndpoint
from tests.faults.players import REQUEST_TIMEOUT, SEEDED, Ledger, Talk, converse
from tests.faults.rig import Rig, Services, rig, train_light_model
from tests.faults.schedule import FAULTS, inject_in_turn
from tests.faults.trackers import judge, read_trackers

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

PLAYERS = 50
CALM = 4.0  # seconds of quiet before each fault and after the last
BACKEND_DOWN = "hesap bilgilerinize ulaşamıyorum"  # actions/identity.py's apology


async def talk_through_faults(rig: Rig, players: int = PLAYERS) -> Ledger:
    limits = httpx.Limits(max_connections=players * 2, max_keepalive_connections=players)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        talk = Talk(http, rig.url, rig.backend, rig.backend_token, rig.admin_token, rig.name)
        for username in SEEDED:
            talk.free.put_nowait(username)
        tasks = [asyncio.create_task(converse(talk, player)) for player in range(players)]
        try:
            await inject_in_turn(rig, talk.ledger, list(FAULTS.values()), CALM)
            await asyncio.sleep(CALM)
        finally:
            talk.stop.set()
            await asyncio.gather(*tasks)
    return talk.ledger


def health_once_mended(rig: Rig, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer: dict[str, Any] = httpx.get(rig.url + "/health", timeout=10).json()
        if set(answer["dependencies"].values()) == {"ok"} or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_fifty_players_ride_out_every_fault(
    tmp_path: Path, postgres_admin: tuple[str, str], redis_endpoint: RedisEndpoint
) -> None:
    services = Services(
        postgres_admin[0], redis_endpoint.host, redis_endpoint.port, redis_endpoint.db
    )
    model = train_light_model(tmp_path / "model.tar.gz")
    with rig(tmp_path, services, model) as started:
        ledger = asyncio.run(talk_through_faults(started))
        health = health_once_mended(started)
        trackers = read_trackers(services.postgres_url, started.name)
        log = started.tail(40)

    verdict = judge(ledger, trackers)
    assert not verdict.failures, "\n".join(verdict.failures[:40]) + "\n" + log
    assert [name for name, _, _ in ledger.windows] == list(FAULTS)
    assert verdict.sent > 300  # they talked all along
    assert health["status"] == "ok", health
    assert set(health["dependencies"].values()) == {"ok"}, health
    told = [c for c, events in trackers.items() if _said(events, BACKEND_DOWN)]
    assert told, "no player was told the account backend is unreachable"
    for conversation in told:
        after = _after(trackers[conversation], BACKEND_DOWN)
        assert any(e["event"] == "handover_requested" for e in after), conversation


def _said(events: list[dict[str, Any]], text: str) -> bool:
    return any(e["event"] == "bot" and text in (e.get("text") or "") for e in events)


def _after(events: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    first = next(
        i for i, e in enumerate(events) if e["event"] == "bot" and text in (e.get("text") or "")
    )
    return events[first:]
