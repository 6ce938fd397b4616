"""``bot run actions`` answers only the engine: a forged tracker gets nothing."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.backend import API_PREFIX
from bot.cli import build_parser
from bot.config import ServiceConfig
from bot.dialogue.action_client import ActionClient
from bot.dialogue.domain import read_domain
from bot.dialogue.events import SlotSet
from bot.dialogue.tracker import Tracker
from bot.errors import ActionServerError
from tests.action_server import BOT, free_port, run_actions, stop
from tests.actions.conftest import API_TOKEN, Backend
from tests.live_server import LiveServer

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "eylem-sunucusu-gizli-anahtari-42"


def _forged(slots: dict[str, Any] | None = None) -> dict[str, Any]:
    """What an attacker posts: a tracker that claims player 1001 is verified."""
    slots = {"verified": True, "player_id": 1001, **(slots or {})}
    return {
        "next_action": "action_balance",
        "sender_id": "saldirgan",
        "tracker": {"sender_id": "saldirgan", "slots": slots, "events": []},
        "domain": {"slots": {}, "responses": {}, "forms": {}},
        "version": "3.6.21",
    }


def _start(args: Sequence[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    return run_actions(PROJECT, args, env)


@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "action-token"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["environment", "file"])
def action_server(
    request: pytest.FixtureRequest, live_backend: LiveServer, token_file: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The project's actions behind the secret, given by DESTEK_ACTION_TOKEN or a file."""
    env = {
        "DESTEK_BACKEND_URL": live_backend.url + API_PREFIX,
        "DESTEK_BACKEND_TOKEN": API_TOKEN,
        "DESTEK_ACTION_TOKEN": SECRET if request.param == "environment" else "",
    }
    args = ["--token-file", str(token_file)] if request.param == "file" else []
    server, base = _start(args, env)
    yield server, base
    output = stop(server)
    assert SECRET not in output


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({}, {}),
        ({"X-Destek-Action-Token": "yanlis"}, {}),
        ({"X-Destek-Action-Token": SECRET[:-1]}, {}),
        ({"X-Destek-Action-Token": "gizliğ".encode()}, {}),  # not ASCII: refused, not a 500
        ({}, {"token": "yanlis"}),
        ({"Authorization": f"Bearer {SECRET}"}, {}),  # not where the secret goes
    ],
)
def test_a_forged_tracker_gets_no_account_data(
    backend: Backend,
    action_server: tuple[subprocess.Popen[bytes], str],
    headers: dict[str, Any],
    params: dict[str, str],
) -> None:
    _, base = action_server
    answer = httpx.post(f"{base}/webhook", json=_forged(), headers=headers, params=params)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"
    assert "TL" not in answer.text and "1001" not in answer.text
    assert httpx.get(f"{base}/actions", headers=headers, params=params).status_code == 401


@pytest.mark.parametrize("where", ["header", "query"])
def test_the_engine_with_the_secret_is_answered(
    backend: Backend, action_server: tuple[subprocess.Popen[bytes], str], where: str
) -> None:
    """The header is Destek's; ``?token=`` is what Rasa sends from endpoints.yml."""
    _, base = action_server
    if where == "header":
        answer = httpx.post(
            f"{base}/webhook", json=_forged(), headers={"X-Destek-Action-Token": SECRET}
        )
    else:
        answer = httpx.post(f"{base}/webhook", json=_forged(), params={"token": SECRET})
    assert answer.status_code == 200
    assert "TL" in answer.json()["responses"][0]["text"]


def test_health_needs_no_secret(action_server: tuple[subprocess.Popen[bytes], str]) -> None:
    _, base = action_server
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}


def test_the_secret_is_not_on_the_command_line(
    action_server: tuple[subprocess.Popen[bytes], str],
) -> None:
    server, _ = action_server
    argv = Path(f"/proc/{server.pid}/cmdline").read_bytes()
    assert SECRET.encode() not in argv


@pytest.mark.anyio
async def test_the_engine_client_sends_the_secret(
    backend: Backend, action_server: tuple[subprocess.Popen[bytes], str]
) -> None:
    _, base = action_server
    endpoint = ServiceConfig("action_endpoint", {"url": f"{base}/webhook"}, "endpoints.yml")
    domain = read_domain(PROJECT / "domain.yml")
    verified = [SlotSet("verified", True), SlotSet("player_id", 1001)]
    tracker = Tracker.from_events("oyuncu", verified, domain)
    async with httpx.AsyncClient() as http:
        client = ActionClient.from_endpoint(endpoint, http, secret=SECRET)
        result = await client.run("action_balance", tracker, domain, "3.6.21")
        assert "TL" in str(result.responses[0]["text"])
        stranger = ActionClient.from_endpoint(endpoint, http)
        with pytest.raises(ActionServerError, match="DESTEK_ACTION_TOKEN"):
            await stranger.run("action_balance", tracker, domain, "3.6.21")


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


def test_bot_run_actions_binds_loopback_by_default() -> None:
    args = build_parser().parse_args(["run", "actions"])
    assert args.interface == "127.0.0.1"
    assert build_parser().parse_args(["run", "actions", "-i", "0.0.0.0"]).interface == "0.0.0.0"


@pytest.mark.parametrize("content", [None, "", "  \n"])
def test_a_missing_or_empty_token_file_is_a_clear_error(
    tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = subprocess.run(
        [*BOT, "run", "actions", "-p", str(free_port()), "--token-file", str(path)],
        cwd=PROJECT,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert b"token file" in done.stderr
    assert b"Traceback" not in done.stderr
