"""``/health`` says how each dependency is: the tracker store, locks and fan-out always,
the action server and the account backend where configured. One that is down makes the
worker ``degraded`` (still 200: the bot answers); nothing of the addresses is said."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bot.model_storage import load_model
from bot.server import create_app
from bot.server.health import HealthChecks
from bot.settings import Settings
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore
from tests.live_server import LiveServer


def _settings(root: Path, model_file: Path, action_port: int, backend: str | None) -> Settings:
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n"
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n",
        encoding="utf-8",
    )
    return Settings(
        model=model_file,
        endpoints=endpoints,
        credentials=root / "none.yml",
        backend_url=backend,
    )


def test_each_dependency_is_reported_and_a_dead_one_degrades(
    tmp_path: Path, model_file: Path
) -> None:
    with socket.socket() as taken:  # bound, never listening: connections are refused
        taken.bind(("127.0.0.1", 0))
        dead = taken.getsockname()[1]
        plain = Settings(model=model_file, endpoints=tmp_path / "none.yml")
        with LiveServer(create_app(plain, load_model(model_file))) as up:
            # the account backend: another live server's /health stands in for it
            settings = _settings(tmp_path, model_file, dead, up.url)
            with LiveServer(create_app(settings, load_model(model_file))) as server:
                answer = httpx.get(f"{server.url}/health", timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded" and body["model_loaded"] is True
    assert body["dependencies"] == {
        "tracker_store": "ok",
        "lock_store": "ok",
        "fanout": "ok",
        "action_server": "down",
        "account_backend": "ok",
    }
    assert str(dead) not in answer.text and "127.0.0.1" not in answer.text


def test_all_well_is_ok(tmp_path: Path, model_file: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: sql\n  url: sqlite:///{tmp_path / 't.db'}\n")
    settings = Settings(model=model_file, endpoints=endpoints, credentials=tmp_path / "none.yml")
    with LiveServer(create_app(settings, load_model(model_file))) as server:
        body = httpx.get(f"{server.url}/health", timeout=10).json()
    assert body["status"] == "ok"
    assert body["dependencies"] == {"tracker_store": "ok", "lock_store": "ok", "fanout": "ok"}


@pytest.mark.anyio
async def test_a_flood_of_health_checks_reaches_the_dependencies_once_a_second() -> None:
    reads = 0

    class Store:
        async def load(self, sender_id: str) -> list[Any]:
            nonlocal reads
            reads += 1
            await asyncio.sleep(0.01)
            return []

    service: Any = SimpleNamespace(
        store=Store(), locks=InMemoryLockStore(), fanout=InMemoryFanout(),
        action_client=None, http=None,
    )  # fmt: skip
    now = [100.0]
    checks = HealthChecks(clock=lambda: now[0])
    answers = await asyncio.gather(*(checks.states(service, None) for _ in range(50)))
    assert reads == 1 and all(a["tracker_store"] == "ok" for a in answers)
    now[0] += 1.5  # a second later the dependencies are asked again
    await checks.states(service, None)
    assert reads == 2
