"""The embedded default of ``bot run``: the action server and the mock backend, started
beside the bot when nothing else serves them.

When endpoints.yml's ``action_endpoint`` is on this machine and nothing answers there,
``bot run`` starts ``bot run actions`` on that port; and, unless ``DESTEK_BACKEND_URL``
points the actions at a real backend, the project's mock account backend
(``python -m actions.backend``, SQLite in ``.destek/``) with a fresh token. Both are
child processes, stopped with the bot. A real deployment points the URLs elsewhere and
nothing is started.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from bot.errors import ConfigError

__all__ = ["EmbeddedServices"]

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
BACKEND_PORT = 5056
START_TIMEOUT = 60.0


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait_healthy(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigError(f"the embedded {what} exited at start (code {process.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise ConfigError(f"the embedded {what} did not answer at {url} within {START_TIMEOUT:.0f} s")


class EmbeddedServices:
    """``with EmbeddedServices(action_url, project):`` runs what is missing until exit."""

    def __init__(
        self,
        action_url: str | None,
        project: Path,
        env: Mapping[str, str] | None = None,
        backend_port: int = BACKEND_PORT,
        state_dir: Path | None = None,
    ) -> None:
        self.action_url = action_url
        self.project = project
        self.backend_port = backend_port
        self.state_dir = state_dir or project / ".destek"
        self.env = dict(os.environ if env is None else env)
        self.processes: list[subprocess.Popen[bytes]] = []
        # DESTEK_BACKEND_URL and DESTEK_BACKEND_TOKEN of the mock backend started here,
        # for the bot's own reads of it (the console's player panel)
        self.backend_env: dict[str, str] = {}

    def __enter__(self) -> EmbeddedServices:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _start(self) -> None:
        if not self.action_url:
            return
        parts = urlsplit(self.action_url)
        host, port = parts.hostname or "", parts.port or 80
        if host not in LOCAL_HOSTS or _listening("127.0.0.1", port):
            return
        if not (self.project / "actions").is_dir():
            log.warning("no action server at %s and no actions/ to start one", self.action_url)
            return
        env = {**self.env, "PYTHONUNBUFFERED": "1"}
        backend = self.project / "actions" / "backend" / "__main__.py"
        if "DESTEK_BACKEND_URL" not in env and backend.exists():
            self.backend_env = self._start_backend(env)
            env.update(self.backend_env)
        command = [sys.executable, "-m", "bot.cli", "run", "actions", "-p", str(port)]
        process = self._spawn([*command, "-i", "127.0.0.1"], env)
        _wait_healthy(f"http://127.0.0.1:{port}/health", process, "action server")
        log.info("started the action server on port %d", port)

    def _start_backend(self, env: dict[str, str]) -> dict[str, str]:
        state = self.state_dir
        state.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        # Secrets go through the environment: argv shows in `ps`, and a token that begins
        # with "-" would be read as an option.
        secret_env = {
            "DESTEK_BACKEND_TOKEN": token,
            "DESTEK_BACKEND_ADMIN_TOKEN": secrets.token_urlsafe(24),
        }
        command = [
            sys.executable, "-m", "actions.backend", "--port", str(self.backend_port),
            "--db", str(state / "backend.sqlite3"), "--log-level", "warning",
        ]  # fmt: skip
        if _listening("127.0.0.1", self.backend_port):
            raise ConfigError(
                f"port {self.backend_port} is taken, so the mock backend cannot start there; "
                "set DESTEK_BACKEND_URL and DESTEK_BACKEND_TOKEN to the backend to use"
            )
        process = self._spawn(command, {**env, **secret_env})
        url = f"http://127.0.0.1:{self.backend_port}/api/v1"
        _wait_healthy(f"{url}/health", process, "mock backend")
        log.info("started the mock account backend on port %d", self.backend_port)
        return {"DESTEK_BACKEND_URL": url, "DESTEK_BACKEND_TOKEN": token}

    def _spawn(self, command: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, cwd=self.project, env=dict(env))
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
