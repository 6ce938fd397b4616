"""What ``bench/handover.py`` runs on: the model, the project files and the agents.

One worker on SQLite (the default), or ``--store postgres``: N workers sharing
PostgreSQL (a fresh schema in the test database, dropped afterwards) and Redis (locks
and fan-out, under a fresh key prefix), as DESIGN.md's scale-out.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = str(Path(sys.executable).parent / "bot")
PASSWORD = "bench-parola-1234"
SKILLS = ("finance,general", "kyc,general", "technical,general", "general", "finance,kyc")
POSTGRES_URL = os.environ.get(
    "DESTEK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
QUEUE = (
    "live_agents:\n  type: builtin\n  wait_timeout: 3600\n  answer_timeout: 3600\n"
    "  position_updates: 3600\n"
)

__all__ = ["BOT", "PASSWORD", "add_agents", "model_path", "project"]


def model_path(work: Path, given: Path | None = None) -> Path:
    """``--model``, the shipped model (the newest in models/), or one trained now."""
    if given is not None:
        return given
    shipped = sorted((ROOT / "models").glob("*.tar.gz"))
    if shipped:
        return shipped[-1]
    from bot.workbench.training import train

    print("training the project's model ...", flush=True)
    trained = train(ROOT / "config.yml", ROOT / "domain.yml", [ROOT / "data"], work, "bench")
    return Path(trained.path)


@contextmanager
def project(work: Path, store: str) -> Iterator[tuple[Path, Path]]:
    """endpoints.yml and credentials.yml for ``store`` (sqlite or postgres)."""
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\nwebchat:\n  typing_min_ms: 0\n", encoding="utf-8")
    endpoints = work / "endpoints.yml"
    if store == "sqlite":
        tracker = f"tracker_store:\n  type: sql\n  url: sqlite:///{work / 'destek.db'}\n"
        endpoints.write_text(tracker + QUEUE, encoding="utf-8")
        yield endpoints, credentials
        return
    import psycopg
    from psycopg import sql

    schema = f"destek_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    redis = f"  url: {REDIS_HOST}\n  port: {REDIS_PORT}\n  db: {REDIS_DB}\n  key_prefix: {schema}\n"
    endpoints.write_text(
        f'tracker_store:\n  type: sql\n  url: "{url}?options=-csearch_path%3D{schema}"\n'
        f"lock_store:\n  type: redis\n{redis}fanout:\n  type: redis\n{redis}{QUEUE}",
        encoding="utf-8",
    )
    try:
        yield endpoints, credentials
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _agent_command(endpoints: Path, login: str, skills: str) -> list[str]:
    return [
        *(BOT, "agents", "--endpoints", str(endpoints), "add", "--login", login),
        *("--name", login.title(), "--skills", skills, "--max-chats", "10"),
        "--password-stdin",
    ]


def add_agents(endpoints: Path, prefix: str, count: int) -> list[str]:
    """``bot agents add --password-stdin`` for each agent, a few at a time."""
    logins = [f"{prefix}{i:02d}" for i in range(count)]
    for start in range(0, count, 5):
        running = [
            subprocess.Popen(
                _agent_command(endpoints, login, SKILLS[i % len(SKILLS)]),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for i, login in enumerate(logins[start : start + 5], start)
        ]
        for process in running:
            _, err = process.communicate(PASSWORD.encode(), timeout=60)
            if process.returncode != 0:
                raise RuntimeError(f"bot agents add failed: {err.decode(errors='replace')}")
    return logins
