"""A real rasa_sdk action server (``bot run actions``) in a subprocess, for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

BOT = [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_action_server(
    project: Path, package: str, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``bot run actions`` in ``project``, polled on /health until it answers."""
    return run_actions(project, ["--actions", package, "-i", "127.0.0.1"], env)


def run_actions(
    project: Path, args: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``bot run actions ARGS`` on a free port in ``project``, once /health answers."""
    port = free_port()
    server = subprocess.Popen(
        [*BOT, "run", "actions", "-p", str(port), *args],
        cwd=project,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **dict(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the action server did not come up"
        time.sleep(0.05)


def stop(server: subprocess.Popen[bytes]) -> str:
    server.terminate()
    output, _ = server.communicate(timeout=30)
    return output.decode()
