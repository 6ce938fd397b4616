"""``bot run``'s embedded action server and mock backend, as real child processes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.server.embedded import EmbeddedServices
from tests.action_server import free_port

PROJECT = Path(__file__).resolve().parents[2]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_missing_services_are_started_and_stopped(tmp_path: Path) -> None:
    port, backend_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESTEK_BACKEND")}
    url = f"http://localhost:{port}/webhook"
    services = EmbeddedServices(url, PROJECT, env, backend_port=backend_port, state_dir=tmp_path)
    with services:
        assert len(services.processes) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        backend = f"http://127.0.0.1:{backend_port}/api/v1"
        assert httpx.get(f"{backend}/health").status_code == 200
        # the actions reach that backend: an unknown player is answered, not an error
        body = {
            "next_action": "action_send_otp",
            "sender_id": "x",
            "tracker": {"sender_id": "x", "slots": {"username": "yok_boyle"}, "events": []},
            "domain": {"slots": {}, "responses": {}, "forms": {}},
            "version": "3.6.21",
        }
        answer = httpx.post(url, json=body, timeout=30).json()
        assert "doğrulayamadım" in answer["responses"][0]["text"]
    assert not _listening(port) and not _listening(backend_port)


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
