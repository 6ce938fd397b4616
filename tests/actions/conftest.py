"""The mock account backend on a free loopback port, with a manual clock and fresh data per test."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from actions.backend import API_PREFIX, BackendConfig, ManualClock, create_app
from tests.live_server import LiveServer

# 14:00 in Istanbul on a Sunday; "yesterday evening" is Saturday 21 November.
BASE_TIME = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
API_TOKEN = "test-api-token"
ADMIN_TOKEN = "test-admin-token"


@dataclass
class Backend:
    """A running backend: an API client (bearer token), an admin client and its clock."""

    url: str
    api: httpx.Client
    admin: httpx.Client
    clock: ManualClock

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else {}
        response = self.admin.get("/outbox", params=params)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


@pytest.fixture(scope="session")
def backend_clock() -> ManualClock:
    return ManualClock(BASE_TIME)


@pytest.fixture(scope="session")
def live_backend(
    tmp_path_factory: pytest.TempPathFactory, backend_clock: ManualClock
) -> Iterator[LiveServer]:
    config = BackendConfig(
        db_path=tmp_path_factory.mktemp("backend") / "backend.sqlite3",
        api_token=API_TOKEN,
        admin_token=ADMIN_TOKEN,
    )
    with LiveServer(create_app(config, backend_clock, random.Random(7))) as server:
        yield server


@pytest.fixture()
def backend(live_backend: LiveServer, backend_clock: ManualClock) -> Iterator[Backend]:
    """The live backend with its clock at BASE_TIME, no faults and freshly seeded data."""
    backend_clock.set(BASE_TIME)
    base_url = live_backend.url + API_PREFIX
    with (
        httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10
        ) as api,
        httpx.Client(
            base_url=base_url, headers={"X-Admin-Token": ADMIN_TOKEN}, timeout=10
        ) as admin,
    ):
        admin.delete("/admin/faults").raise_for_status()
        admin.post("/admin/reset").raise_for_status()
        yield Backend(live_backend.url, api, admin, backend_clock)
        admin.delete("/admin/faults").raise_for_status()
