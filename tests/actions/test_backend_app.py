"""The app factory in process (ASGITransport), the seed, identifiers, and the command line."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

from actions.backend import BackendConfig, ManualClock, create_app
from actions.backend.identifiers import fold_username, mask_email, mask_phone, normalize_phone
from actions.backend.models import TABLES, Database
from actions.backend.schemas import PaymentMethod
from actions.backend.seed import PLAYERS, seed

BASE_TIME = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
Probe = Callable[[httpx.AsyncClient], Awaitable[Any]]


def in_process(config: BackendConfig, probe: Probe, now: datetime = BASE_TIME) -> Any:
    """Run ``probe`` against the app through httpx's ASGI transport, lifespan included."""

    async def main() -> Any:
        app = create_app(config, ManualClock(now))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=transport,
                base_url="http://backend/api/v1",
                headers={"Authorization": f"Bearer {config.api_token}"},
            ) as client,
        ):
            return await probe(client)

    return asyncio.run(main())


def test_tokens_come_from_the_configuration() -> None:
    config = BackendConfig(api_token="s3cret")

    async def probe(client: httpx.AsyncClient) -> tuple[int, int]:
        ok = await client.get("/players/1001")
        refused = await client.get("/players/1001", headers={"Authorization": "Bearer x"})
        return ok.status_code, refused.status_code

    assert in_process(config, probe) == (200, 401)


def test_without_seed_there_are_no_players() -> None:
    async def probe(client: httpx.AsyncClient) -> int:
        return (await client.get("/players/1001")).status_code

    assert in_process(BackendConfig(seed_demo_data=False), probe) == 404


def test_a_storage_failure_is_a_500_with_a_request_id_only(tmp_path: Path) -> None:
    path = tmp_path / "backend.sqlite3"

    async def probe(client: httpx.AsyncClient) -> httpx.Response:
        with closing(sqlite3.connect(path)) as other:
            other.execute("DROP TABLE balances")
        return await client.get("/players/1001/balance")

    response = in_process(BackendConfig(db_path=path), probe)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal_error"
    assert body["message"].startswith("internal error; request id ")
    assert "Traceback" not in response.text
    assert "balances" not in response.text


def test_data_survives_a_restart_and_reseed_wipes_it(tmp_path: Path) -> None:
    path = tmp_path / "backend.sqlite3"

    async def claim(client: httpx.AsyncClient) -> str:
        response = await client.post("/players/1006/bonus-claims", json={"code": "HOSGELDIN100"})
        return str(response.json()["status"])

    async def bonus(client: httpx.AsyncClient) -> float:
        return float((await client.get("/players/1006/balance")).json()["bonus"])

    assert in_process(BackendConfig(db_path=path), claim) == "credited"
    assert in_process(BackendConfig(db_path=path), bonus) == 500.0
    assert in_process(BackendConfig(db_path=path, reseed=True), bonus) == 0.0


def _seeded(now: datetime, query: str) -> list[tuple[Any, ...]]:
    database = Database(None)
    database.open()
    try:
        database.call(seed, now)
        rows = database.call(lambda conn: conn.execute(query).fetchall())
        return [tuple(row) for row in rows]
    finally:
        database.close()


@pytest.mark.parametrize("table", TABLES)
def test_seed_is_deterministic_for_one_moment(table: str) -> None:
    query = f"SELECT * FROM {table}"
    assert _seeded(BASE_TIME, query) == _seeded(BASE_TIME, query)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (BASE_TIME, "2026-11-21T20:40:00+03:00"),
        (datetime(2027, 3, 1, 21, 30, tzinfo=UTC), "2027-03-01T20:40:00+03:00"),
    ],
)
def test_yesterday_evening_is_relative_to_the_clock(now: datetime, expected: str) -> None:
    async def probe(client: httpx.AsyncClient) -> str:
        params = {"state": "pending"}
        deposits = (await client.get("/players/1001/deposits", params=params)).json()
        return str(deposits["deposits"][0]["created_at"])

    assert in_process(BackendConfig(), probe, now) == expected


def test_seed_covers_every_method_status_and_story() -> None:
    used = _seeded(BASE_TIME, "SELECT method FROM deposits UNION SELECT method FROM withdrawals")
    assert {method for (method,) in used} == set(get_args(PaymentMethod))
    assert len(PLAYERS) >= 8
    assert {p.status for p in PLAYERS} == {"active", "suspended", "self_excluded"}
    assert any(p.vip_level >= 3 for p in PLAYERS)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("0532 123 45 67", "+905321234567"),
        ("+905321234567", "+905321234567"),
        ("5321234567", "+905321234567"),
        ("0090 532 123 45 67", "+905321234567"),
        ("(0212) 555 12 34", "+902125551234"),
        ("12345", None),
        ("+1 202 555 0100", None),
        ("0532 123 45 6x", None),
        ("", None),
    ],
)
def test_phone_numbers_normalise_to_e164(text: str, phone: str | None) -> None:
    assert normalize_phone(text) == phone


def test_usernames_fold_turkish_letters_and_masks_hide_most() -> None:
    assert fold_username(" Çağrı_İŞLEK ") == "cagri_islek"
    assert mask_phone("+905321234567") == "+90 5** *** 45 67"
    assert mask_email("ahmet.yilmaz@example.com") == "a***@example.com"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_command_line_serves_the_backend(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "cli.sqlite3"
    log = tmp_path / "backend.log"
    secret = tmp_path / "api-token"
    secret.write_text("cli-token\n", encoding="utf-8")
    command = [sys.executable, "-m", "actions.backend", "--port", str(port), "--db", str(db),
               "--api-token-file", str(secret), "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as output, subprocess.Popen(command, cwd=ROOT, stderr=output) as process:
        try:
            url = f"http://127.0.0.1:{port}/api/v1"
            _wait_until_healthy(url, process, log)
            # the token is read from the file, so `ps` never shows it
            assert b"cli-token" not in Path(f"/proc/{process.pid}/cmdline").read_bytes()
            response = httpx.get(
                f"{url}/players/lookup",
                params={"phone": "0532 123 45 67"},
                headers={"Authorization": "Bearer cli-token"},
            )
            assert response.json()["username"] == "ahmet_yilmaz"
            assert db.exists()
        finally:
            process.terminate()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/health", timeout=1).raise_for_status()
            return
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "backend did not start"
            time.sleep(0.05)


def test_manual_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))
    clock = ManualClock(BASE_TIME)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == BASE_TIME + timedelta(minutes=5)
