"""The fault rig: ``bot run --workers 2`` on the machine's PostgreSQL and Redis, its
embedded action server, and a mock account backend, as real processes.

Everything the rig touches on the shared servers is its own: a PostgreSQL schema whose
connections carry the rig's ``application_name``, Redis keys under the rig's prefix on
connections named with the rig's ``client_name``. So "PostgreSQL restarted" ends only the
rig's sessions (``pg_terminate_backend``) and "Redis restarted" only the rig's clients
(``CLIENT KILL``): from the workers' side that is what a restart looks like, and the
servers other people use are never touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis
from psycopg import sql

from tests.action_server import free_port
from tests.faults.processes import children, started_at

__all__ = ["ROOT", "Rig", "Services", "rig", "train_light_model", "until_healthy"]

ROOT = Path(__file__).resolve().parents[2]
BACKEND_TOKEN_ENV = "DESTEK_BACKEND_TOKEN"
ADMIN_TOKEN_ENV = "DESTEK_BACKEND_ADMIN_TOKEN"
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Services:
    """Where the shared servers are: a libpq URL, and Redis host, port and database."""

    postgres_url: str
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 15


@dataclass
class Rig:
    """The running rig. ``url`` is the bot; ``backend`` the mock backend's API root."""

    work: Path
    services: Services
    name: str  # the schema, the Redis key prefix, application_name and client_name
    url: str
    bot: subprocess.Popen[bytes]
    backend: str
    backend_token: str
    admin_token: str
    action_port: int
    log: Path
    killed: list[int] = field(default_factory=list)

    # ---- the processes ------------------------------------------------------------------

    def workers(self) -> list[int]:
        """The pids of the worker processes ``bot run`` supervises now."""
        return [pid for pid, argv in children(self.bot.pid) if b"spawn_main" in argv]

    def action_server(self) -> int | None:
        found = [pid for pid, argv in children(self.bot.pid) if b"actions" in argv.split(b"\0")]
        return found[0] if found else None

    def kill_worker(self, index: int) -> int:
        """SIGKILL one worker, the ``index``-th oldest (wrapping; -1 the youngest);
        returns its pid."""
        pids = sorted(self.workers(), key=started_at)
        victim = pids[index % len(pids)]
        os.kill(victim, signal.SIGKILL)
        self.killed.append(victim)
        return victim

    def kill_action_server(self) -> int:
        pid = self.action_server()
        assert pid is not None, "no embedded action server is running"
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_for_workers(self, count: int = 2, timeout: float = START_TIMEOUT) -> None:
        """Until ``count`` live workers (none of them killed) answer, a few times each."""
        deadline = time.monotonic() + timeout
        while True:
            alive = [pid for pid in self.workers() if pid not in self.killed]
            if len(alive) >= count and _answers_repeatedly(self.url + "/webhooks/rest/"):
                return
            self._check_alive()
            assert time.monotonic() < deadline, f"the workers did not come back\n{self.tail()}"
            time.sleep(0.2)

    def wait_for_actions(self, timeout: float = 60.0) -> None:
        until_healthy(f"http://127.0.0.1:{self.action_port}/health", timeout)

    def _check_alive(self) -> None:
        if self.bot.poll() is not None:
            raise AssertionError(f"bot run exited with {self.bot.returncode}\n{self.tail()}")

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # ---- the shared servers, from the clients' side --------------------------------------

    def kill_postgres_sessions(self) -> int:
        """End every PostgreSQL session of the rig's workers, as a restart would."""
        query = (
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s"
        )
        with psycopg.connect(self.services.postgres_url, autocommit=True) as connection:
            return len(connection.execute(query, (self.name,)).fetchall())

    def kill_redis_clients(self) -> int:
        """End every Redis connection of the rig's workers (locks and fan-out)."""
        client = redis.Redis(host=self.services.redis_host, port=self.services.redis_port)
        with client:
            ids = [c["id"] for c in client.client_list() if c.get("name") == self.name]
            for client_id in ids:
                with contextlib.suppress(redis.ResponseError):  # it left by itself
                    client.client_kill_filter(_id=client_id)
        return len(ids)

    # ---- the mock backend -----------------------------------------------------------------

    def backend_faults(self, **plan: object) -> None:
        """Make the backend misbehave (``delay_ms``, ``status``...); no plan clears it."""
        headers = {"X-Admin-Token": self.admin_token}
        if plan:
            answer = httpx.post(f"{self.backend}/admin/faults", json=plan, headers=headers)
        else:
            answer = httpx.delete(f"{self.backend}/admin/faults", headers=headers)
        answer.raise_for_status()


def train_light_model(path: Path) -> Path:
    """The shipped project (domain, rules, stories, NLU data) trained in seconds: the
    default pipeline without the sentence encoder."""
    from bot.config import read_config
    from bot.dialogue.domain import read_domain
    from bot.dialogue.story_reader import load_stories
    from bot.model_storage import TrainedModel, save_model
    from bot.workbench.training import load_training_data, train_core, with_retrieval_responses
    from tests.conftest import light_pipeline

    domain = read_domain(ROOT / "domain.yml")
    data = load_training_data([ROOT / "data"])
    core = train_core(read_config(ROOT / "config.yml"), domain, load_stories([ROOT / "data"]), data)
    pipeline = light_pipeline().train(with_retrieval_responses(data, domain))
    save_model(path, TrainedModel(pipeline, core=core))
    return path


@contextlib.contextmanager
def rig(work: Path, services: Services, model: Path, workers: int = 2) -> Iterator[Rig]:
    """Start the backend and ``bot run --workers``; stop both and drop the schema after."""
    name = f"destek_fault_{secrets.token_hex(4)}"
    with contextlib.ExitStack() as stack:
        _create_schema(services, name)
        stack.callback(_drop_schema, services, name)
        stack.callback(_delete_keys, services, name)
        tokens = {BACKEND_TOKEN_ENV: secrets.token_urlsafe(16)}
        tokens[ADMIN_TOKEN_ENV] = secrets.token_urlsafe(16)
        backend = stack.enter_context(_backend(work, tokens))
        action_port, port = free_port(), free_port()
        _write_project(work, services, name, action_port)
        env = {**os.environ, **tokens, "DESTEK_BACKEND_URL": backend, "PYTHONPATH": str(ROOT)}
        log = work / "bot.log"
        bot = stack.enter_context(_bot_run(work, model, port, workers, env, log))
        started = Rig(
            work, services, name, f"http://127.0.0.1:{port}", bot, backend,
            tokens[BACKEND_TOKEN_ENV], tokens[ADMIN_TOKEN_ENV], action_port, log,
        )  # fmt: skip
        started.wait_for_workers(workers)
        started.wait_for_actions()
        yield started


def _write_project(work: Path, services: Services, name: str, action_port: int) -> None:
    store = services.postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in store else "?"
    store += f"{separator}options=-csearch_path%3D{name}&application_name={name}"
    redis_section = (
        f"  type: redis\n  url: {services.redis_host}\n  port: {services.redis_port}\n"
        f"  db: {services.redis_db}\n  key_prefix: {name}\n  client_name: {name}\n"
    )
    (work / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: sql\n  url: "{store}"\n'
        f"lock_store:\n{redis_section}fanout:\n{redis_section}"
        "live_agents:\n  type: builtin\n",
        encoding="utf-8",
    )
    (work / "credentials.yml").write_text("rest:\n", encoding="utf-8")


@contextlib.contextmanager
def _backend(work: Path, tokens: dict[str, str]) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable, "-m", "actions.backend", "--port", str(port),
        "--db", str(work / "backend.sqlite3"), "--log-level", "warning",
    ]  # fmt: skip
    log = (work / "backend.log").open("wb")
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **tokens}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        until_healthy(f"{url}/health", 60, process)
        yield url
    finally:
        _stop(process)
        log.close()


@contextlib.contextmanager
def _bot_run(
    work: Path, model: Path, port: int, workers: int, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        sys.executable, "-m", "bot.cli", "run", "-m", str(model), "-p", str(port),
        "-i", "127.0.0.1", "--workers", str(workers), "--log-level", "warning",
        "--endpoints", str(work / "endpoints.yml"), "--credentials", str(work / "credentials.yml"),
    ]  # fmt: skip
    # From the project root: the embedded action server is started from its actions/.
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            _stop(process, grace=40)


def _stop(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def until_healthy(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process is None or process.poll() is None, f"{url}: the process exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout:g} s"
        time.sleep(0.2)


def _answers_repeatedly(url: str, times: int = 8) -> bool:
    """Whether ``times`` fresh connections in a row are answered (SO_REUSEPORT spreads
    them over the workers, so every worker has most likely served one)."""
    try:
        return all(httpx.get(url, timeout=5).status_code == 200 for _ in range(times))
    except httpx.HTTPError:
        return False


def _create_schema(services: Services, name: str) -> None:
    with psycopg.connect(services.postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))


def _drop_schema(services: Services, name: str) -> None:
    with psycopg.connect(services.postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _delete_keys(services: Services, name: str) -> None:
    client = redis.Redis(host=services.redis_host, port=services.redis_port, db=services.redis_db)
    with client:
        for key in client.scan_iter(match=f"{name}:*"):
            client.delete(key)
