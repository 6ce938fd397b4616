"""``bot run``'s embedded action server and mock backend, as real child processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.model_storage import CoreModel, TrainedModel, save_model
from bot.nlu.pipeline import Pipeline
from bot.server.embedded import EmbeddedServices
from tests.action_server import BOT, free_port
from tests.dialogue.engine_project import train_project

PROJECT = Path(__file__).resolve().parents[2]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _otp_for_an_unknown_player(action_url: str, token: str | None) -> str:
    """What the action server answers the bot (``token``) when asked to send a code to an
    unknown username (it needs the backend for that)."""
    body = {
        "next_action": "action_send_otp",
        "sender_id": "x",
        "tracker": {"sender_id": "x", "slots": {"username": "yok_boyle"}, "events": []},
        "domain": {"slots": {}, "responses": {}, "forms": {}},
        "version": "3.6.21",
    }
    headers = {"X-Destek-Action-Token": token or ""}
    answer = httpx.post(action_url, json=body, headers=headers, timeout=30).json()
    text: str = answer["responses"][0]["text"]
    return text


def _local_services(tmp_path: Path, host: str) -> tuple[EmbeddedServices, int, int]:
    """Services for an action endpoint at ``host`` on a free port, with a mock backend
    on another (no DESTEK_BACKEND_* of this environment leaks in); not started yet."""
    port, backend_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESTEK_BACKEND")}
    env.pop("DESTEK_ACTION_TOKEN", None)
    url = f"http://{host}:{port}/webhook"
    services = EmbeddedServices(url, PROJECT, env, backend_port=backend_port, state_dir=tmp_path)
    return services, port, backend_port


def _until_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered again")


def test_missing_services_are_started_and_stopped(tmp_path: Path) -> None:
    services, port, backend_port = _local_services(tmp_path, "localhost")
    url = services.action_url or ""
    with services:
        assert len(services.processes) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        backend = f"http://127.0.0.1:{backend_port}/api/v1"
        assert httpx.get(f"{backend}/health").status_code == 200
        # the bot's console reads that backend too, with the actions' token
        assert services.backend_env["DESTEK_BACKEND_URL"] == backend
        token = services.backend_env["DESTEK_BACKEND_TOKEN"]
        player = httpx.get(f"{backend}/players/1001", headers={"Authorization": f"Bearer {token}"})
        assert player.json()["vip_level"] == 1
        # the actions reach that backend: an unknown player is answered, not an error
        assert "hesap varsa" in _otp_for_an_unknown_player(url, services.action_token)
        # and they answer only the bot
        assert httpx.post(url, json={}, timeout=30).status_code == 401
    assert not _listening(port) and not _listening(backend_port)


def test_a_killed_service_is_started_again_with_its_secrets(tmp_path: Path) -> None:
    services, port, backend_port = _local_services(tmp_path, "localhost")
    url = services.action_url or ""
    with services:
        backend, actions = services.processes  # the backend starts first
        for victim, health in (
            (actions, f"http://127.0.0.1:{port}/health"),
            (backend, f"http://127.0.0.1:{backend_port}/api/v1/health"),
        ):
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=10)
            _until_healthy(health)
        assert services.restarts == 2 and victim not in services.processes
        # the new action server still reaches the backend with the same token, and
        # still knows the bot's secret
        assert "hesap varsa" in _otp_for_an_unknown_player(url, services.action_token)
    assert not _listening(port) and not _listening(backend_port)


def test_secrets_reach_the_children_through_the_environment_not_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A token that begins with "-" once made argparse read it as an option.
    monkeypatch.setattr("bot.server.embedded.secrets.token_urlsafe", lambda n: "-looks-like-a-flag")
    services, _, backend_port = _local_services(tmp_path, "127.0.0.1")
    with services:
        backend = f"http://127.0.0.1:{backend_port}/api/v1"
        lookup = httpx.get(
            f"{backend}/players/lookup",
            params={"username": "ahmet_yilmaz"},
            headers={"Authorization": "Bearer -looks-like-a-flag"},
        )
        assert lookup.status_code == 200
        assert services.action_token == "-looks-like-a-flag"
        for process in services.processes:
            argv = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            assert b"looks-like-a-flag" not in argv


def test_nothing_starts_for_a_remote_or_already_served_endpoint() -> None:
    with EmbeddedServices("https://actions.example.com/webhook", PROJECT) as services:
        assert services.processes == []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with EmbeddedServices(f"http://127.0.0.1:{port}/webhook", PROJECT) as services:
            assert services.processes == []


def test_a_real_backend_url_is_left_alone() -> None:
    port = free_port()
    env = {**os.environ, "DESTEK_BACKEND_URL": "http://backend.example.com/api/v1"}
    with EmbeddedServices(f"http://127.0.0.1:{port}/webhook", PROJECT, env) as services:
        assert len(services.processes) == 1  # the action server only


def test_a_taken_backend_port_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESTEK_BACKEND")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        url = f"http://127.0.0.1:{free_port()}/webhook"
        services = EmbeddedServices(url, PROJECT, env, backend_port=busy, state_dir=tmp_path)
        with pytest.raises(ConfigError, match="DESTEK_BACKEND_URL"), services:
            pass
    assert services.processes == []


BALANCE_ACTION = """\
from rasa_sdk import Action


class ActionBalance(Action):
    def name(self):
        return "action_balance"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Bakiyeniz 250 TL.")
        return []
"""


def test_bot_run_talks_to_its_action_server_and_stops_it_on_sigterm(
    tmp_path: Path, trained_light_pipeline: Pipeline
) -> None:
    """The bot shows its embedded action server the secret it made (a stranger gets 401);
    uvicorn re-raises SIGTERM after its shutdown, and the children must not outlive it."""
    save_model(tmp_path / "m.tar.gz", TrainedModel(trained_light_pipeline, core=_core(tmp_path)))
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "__init__.py").write_text(BALANCE_ACTION, encoding="utf-8")
    (tmp_path / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    port, actions_port = free_port(), free_port()
    (tmp_path / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: http://localhost:{actions_port}/webhook\n", encoding="utf-8"
    )
    command = [*BOT, "run", "-m", "m.tar.gz", "-p", str(port), "-i", "127.0.0.1"]
    env = {k: v for k, v in os.environ.items() if k != "DESTEK_ACTION_TOKEN"}
    bot = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not (_listening(port) and _listening(actions_port)):
            assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
            assert time.monotonic() < deadline, "bot run did not come up"
            time.sleep(0.2)
        stranger = httpx.post(f"http://127.0.0.1:{actions_port}/webhook", json={}, timeout=30)
        assert stranger.status_code == 401
        message = {"sender": "oyuncu", "message": "/balance"}  # the intent, whatever NLU says
        replies = httpx.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook", json=message, timeout=60
        ).json()
        assert [r.get("text") for r in replies] == ["Bakiyeniz 250 TL."]
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=30)
    finally:
        if bot.poll() is None:
            bot.kill()
    deadline = time.monotonic() + 10
    while _listening(actions_port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening(actions_port)


def _core(root: Path) -> CoreModel:
    return train_project(root / "project")
