"""A console session signed by one worker of ``bot run --workers 2`` holds on the other,
though no secret was configured: the supervisor gives both workers one."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from bot.settings import CONSOLE_SECRET_VARIABLE
from tests.store.conftest import key_prefix, postgres_admin, postgres_url, redis_endpoint
from tests.store.test_two_workers import BOT, project, worker

__all__ = ["key_prefix", "postgres_admin", "postgres_url", "project", "redis_endpoint"]

PASSWORD = "parola-1234"


def test_a_console_session_holds_on_every_worker(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONSOLE_SECRET_VARIABLE, "")
    monkeypatch.delenv(CONSOLE_SECRET_VARIABLE)  # none configured
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    add = [*BOT, "agents", "add", "--login", "ayse", "--name", "Ayşe", "--password-stdin"]
    subprocess.run(add, input=PASSWORD.encode(), cwd=project, env=env, check=True)

    extra = ("--workers", "2", "--log-format", "json", "--log-level", "info")
    with worker(project, *extra) as (url, process):
        login = httpx.post(f"{url}/console/api/login", json={"login": "ayse", "password": PASSWORD})
        assert login.status_code == 200
        cookie = {"destek_console": login.cookies["destek_console"]}

        async def ask_me() -> list[int]:
            async def one() -> int:
                async with httpx.AsyncClient(timeout=60, cookies=cookie) as http:
                    return (await http.get(f"{url}/console/api/me")).status_code

            return await asyncio.gather(*(one() for _ in range(20)))

        assert asyncio.run(ask_me()) == [200] * 20
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert process.stderr is not None
        said = process.stderr.read().splitlines()
    lines = [json.loads(line) for line in said if line[:1] == b"{"]
    answered = {
        line["pid"]
        for line in lines
        if line["logger"] == "uvicorn.access" and "/console/api/me" in json.dumps(line)
    }
    assert len(answered) == 2, answered  # twenty connections at once reach both workers
