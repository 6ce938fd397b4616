"""The project ``rasa init`` writes runs through Destek's CLI unchanged: ``bot data
validate``, ``bot train``, ``bot test core`` (its test stories pass) and ``bot run``, which
answers over Rasa's REST webhook and Rasa's socket.io protocol."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli import main
from tests.connectors.test_webchat_socketio import Client
from tests.rasa_starter_project import CREDENTIALS, GREETING, SOCKETIO, write_starter_project

pytestmark = pytest.mark.slow

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
"""Training and serving must not download anything: any attempt fails."""
START_TIMEOUT = 90


@dataclass(frozen=True, slots=True)
class StarterServer:
    url: str
    log: Path


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter project, trained with ``bot train`` in its directory, as a Rasa user
    would; credentials.yml also has the ``socketio:`` section of Rasa's docs."""
    root = write_starter_project(tmp_path_factory.mktemp("starter"))
    (root / "credentials.yml").write_text(CREDENTIALS + SOCKETIO, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name, value in OFFLINE.items():
            patch.setenv(name, value)
        assert main(["train", "--fixed-model-name", "starter"]) == 0
    return root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bot() -> list[str]:
    """The installed ``bot`` console script, as a user runs it."""
    script = Path(sys.executable).parent / "bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


@pytest.fixture(scope="module")
def server(starter: Path) -> Iterator[StarterServer]:
    """``bot run`` in the starter's directory on a free loopback port."""
    port = _free_port()
    log = starter / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*_bot(), "run", "-p", str(port), "-i", "127.0.0.1"],
            cwd=starter,
            env={**os.environ, **OFFLINE, "PYTHONUNBUFFERED": "1"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield StarterServer(url, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        try:
            if httpx.get(f"{url}/webhooks/rest/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "bot run did not come up"
        time.sleep(0.1)  # polling against a deadline: a child process has no event to await


def test_the_starter_validates_and_passes_its_test_stories(starter: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(starter)
        assert main(["data", "validate", "--fail-on-warnings"]) == 0
        assert main(["test", "core", "--stories", "tests", "--fail-on-prediction-errors"]) == 0
    assert (starter / "results").is_dir()


def test_bot_run_skips_rasas_rasa_channel_with_one_warning(server: StarterServer) -> None:
    lines = server.log.read_text(encoding="utf-8").splitlines()
    warnings = [line for line in lines if "skipping the channel" in line]
    assert len(warnings) == 1
    assert "'rasa'" in warnings[0] and "rest, callback, socketio" in warnings[0]
    assert "Traceback" not in "\n".join(lines)


def test_the_starter_greets_over_rasas_rest_webhook(server: StarterServer) -> None:
    response = httpx.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": "starter-rest", "message": "hello"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "starter-rest", "text": GREETING}]


def test_the_starter_greets_over_rasas_socketio_protocol(server: StarterServer) -> None:
    async def scenario() -> tuple[str, Any]:
        client = Client()
        await client.sio.connect(server.url, socketio_path="/socket.io")
        session_id = await client.session("starter-socketio")
        await client.sio.emit("user_uttered", {"message": "hi", "session_id": session_id})
        reply = await client.next("bot_uttered")
        await client.sio.disconnect()
        return session_id, reply

    session_id, reply = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert session_id == "starter-socketio"
    assert reply == {"text": GREETING}
