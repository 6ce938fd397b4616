"""The embedded default of ``bot run``: the action server and the mock backend, started
beside the bot when nothing else serves them.

When endpoints.yml's ``action_endpoint`` is on this machine and nothing answers there,
``bot run`` starts ``bot run actions`` on that port; and, unless ``DESTEK_BACKEND_URL``
points the actions at a real backend, the project's mock account backend
(``python -m actions.backend``, SQLite in ``.destek/``) with a fresh token. Both are
child processes, stopped with the bot, and supervised meanwhile: one that dies (a crash,
``kill -9``) is started again with the same command and secrets, after a pause that
grows while it keeps dying, so players are not left without their actions. A real
deployment points the URLs elsewhere and nothing is started.

The action server started here answers only the bot: it checks a secret
(``DESTEK_ACTION_TOKEN``, made at random unless the environment sets one), which the bot
reads from :attr:`EmbeddedServices.action_token`. Every secret reaches the children
through their environment, never their command line, which ``ps`` shows to every user.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from bot.errors import ConfigError

__all__ = ["EmbeddedServices"]

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
ACTION_TOKEN_VARIABLE = "DESTEK_ACTION_TOKEN"
BACKEND_PORT = 5056
START_TIMEOUT = 60.0
WATCH_INTERVAL = 0.5  # seconds between looks at the children
RESTART_PAUSES = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)  # before the 1st, 2nd, ... restart in a row
STEADY = 60.0  # a child that ran this long without dying starts its pauses afresh


@dataclass
class _Child:
    """A started service: how to start it again, and its restarts in a row."""

    what: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    started: float
    restarts: int = 0


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
        self.processes: list[subprocess.Popen[bytes]] = []  # the running ones, in order
        self._children: list[_Child] = []
        self._closing = threading.Event()
        self._watcher: threading.Thread | None = None
        self.restarts = 0  # how many times a child was started again, all told
        # DESTEK_BACKEND_URL and DESTEK_BACKEND_TOKEN of the mock backend started here,
        # for the bot's own reads of it (the console's player panel)
        self.backend_env: dict[str, str] = {}
        # The secret the action server started here checks (None: none was started).
        self.action_token: str | None = None

    def __enter__(self) -> EmbeddedServices:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        if self._children:
            self._watcher = threading.Thread(
                target=self._watch, name="embedded-services", daemon=True
            )
            self._watcher.start()
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
        token = env.get(ACTION_TOKEN_VARIABLE) or secrets.token_urlsafe(32)
        env[ACTION_TOKEN_VARIABLE] = token
        command = [sys.executable, "-m", "bot.cli", "run", "actions", "-p", str(port)]
        process = self._spawn("action server", [*command, "-i", "127.0.0.1"], env)
        self.action_token = token
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
        process = self._spawn("mock backend", command, {**env, **secret_env})
        url = f"http://127.0.0.1:{self.backend_port}/api/v1"
        _wait_healthy(f"{url}/health", process, "mock backend")
        log.info("started the mock account backend on port %d", self.backend_port)
        return {"DESTEK_BACKEND_URL": url, "DESTEK_BACKEND_TOKEN": token}

    def _spawn(
        self, what: str, command: list[str], env: Mapping[str, str]
    ) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, cwd=self.project, env=dict(env))
        self.processes.append(process)
        self._children.append(_Child(what, command, dict(env), process, time.monotonic()))
        return process

    def _watch(self) -> None:
        """Start again any child that died, until :meth:`close`."""
        while not self._closing.wait(WATCH_INTERVAL):
            for child in self._children:
                code = child.process.poll()
                if code is None or self._closing.is_set():
                    continue
                if time.monotonic() - child.started >= STEADY:
                    child.restarts = 0
                pause = RESTART_PAUSES[min(child.restarts, len(RESTART_PAUSES) - 1)]
                log.warning(
                    "the embedded %s exited (code %s); starting it again in %.0f s",
                    child.what, code, pause,
                )  # fmt: skip
                if self._closing.wait(pause):
                    return
                self._restart(child)

    def _restart(self, child: _Child) -> None:
        try:
            process = subprocess.Popen(child.command, cwd=self.project, env=child.env)
        except OSError:
            log.exception("the embedded %s could not be started again", child.what)
            child.restarts += 1
            return
        self.processes[self.processes.index(child.process)] = process
        child.process, child.started = process, time.monotonic()
        child.restarts += 1
        self.restarts += 1

    def close(self) -> None:
        self._closing.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
        self._children.clear()
