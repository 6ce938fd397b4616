"""Start a model server as a child process, wait for it, measure it, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import httpx
import uvicorn

from bench.loadgen import LoadResult, run_load

__all__ = ["ServerProcess", "ThreadServer", "free_port", "rss_mb", "run_timed"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """A process and its children."""
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    return pids


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children, in seconds."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds_of(name: str) -> float:
    """CPU time used so far by every process whose command name is ``name`` (a database
    or Redis server beside the benchmark), in seconds."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            text = stat.read_text()
            if text[text.index("(") + 1 : text.rindex(")")] == name:
                fields = text.rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def run_timed(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float, int]:
    """Run a command; return (wall seconds, peak RSS MB of it and its children, exit code)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and process.stderr is not None:
        print(process.stderr.read().decode(errors="replace")[-3000:])
    # ru_maxrss is the largest single process of the tree (Linux: kB).
    return seconds, usage.ru_maxrss / 1024, process.returncode


class ServerProcess:
    """``command`` must serve ``/model/parse`` on ``port`` once ``health_path`` answers."""

    def __init__(
        self,
        command: Sequence[str],
        port: int,
        health_path: str,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        api_token: str | None = None,
    ) -> None:
        self.command = list(command)
        self.port = port
        self.health_path = health_path
        self.env = env
        self.cwd = cwd
        self.api_token = api_token  # Destek's HTTP API wants one; Rasa's has none by default
        self.process: subprocess.Popen[bytes] | None = None

    @contextlib.contextmanager
    def running(self, timeout: float = 300) -> Iterator[ServerProcess]:
        with tempfile.TemporaryFile() as log:  # its stderr, to say why it failed to start
            self.process = subprocess.Popen(
                self.command, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=log
            )
            try:
                self._wait_ready(timeout, log)
                yield self
            finally:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()

    def _wait_ready(self, timeout: float, log: IO[bytes]) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{self.health_path}"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log.seek(0)
                said = log.read().decode(errors="replace")[-2000:]
                code = self.process.returncode
                raise RuntimeError(f"{self.command[0]} exited with {code}:\n{said}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"server not ready after {timeout:.0f}s: {' '.join(self.command)}")

    @property
    def cpu_seconds(self) -> float:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    @property
    def memory_mb(self) -> float:
        assert self.process is not None
        return rss_mb(self.process.pid)

    def parse_load(self, texts: Sequence[str], clients: int) -> LoadResult:
        payloads = [{"text": t} for t in texts]
        path = "/model/parse" + (f"?token={self.api_token}" if self.api_token else "")
        return asyncio.run(run_load("127.0.0.1", self.port, path, payloads, clients))


class ThreadServer:
    """uvicorn serving ``app`` on a free loopback port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # uvicorn has no start event: poll to a deadline
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.01)
        try:
            yield self.url
        finally:
            self.server.should_exit = True
            self.thread.join(timeout=10)
