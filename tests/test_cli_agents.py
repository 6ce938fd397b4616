"""``bot agents add|list|disable`` against the SQLite store endpoints.yml names."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.handover.passwords import verify_password
from bot.store.queue_base import Agent
from bot.store.sql_queue import SQLQueueStore


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "endpoints.yml").write_text(
        "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: operators.db\n", encoding="utf-8"
    )
    return tmp_path


def _agents(database: Path) -> list[Agent]:
    async def read() -> list[Agent]:
        store = SQLQueueStore(f"sqlite:///{database}")
        try:
            return await store.agents()
        finally:
            await store.close()

    return asyncio.run(read())


def _add(monkeypatch: pytest.MonkeyPatch, *argv: str, password: str = "parola-123\n") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password))
    return main(["agents", "add", "--password-stdin", *argv])


def test_add_list_and_disable_round_trip(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _add(
            monkeypatch,
            "--login",
            "ayse",
            "--name",
            "Ayşe Yılmaz",
            "--role",
            "supervisor",
            "--skills",
            "finance,kyc",
            "--languages",
            "tr,en",
            "--teams",
            "vip",
            "--max-chats",
            "5",
        )
        == 0
    )
    assert _add(monkeypatch, "--login", "ali") == 0
    [ali, ayse] = _agents(project / "operators.db")
    assert (ayse.name, ayse.role, ayse.skills, ayse.languages, ayse.teams, ayse.max_chats) == (
        "Ayşe Yılmaz",
        "supervisor",
        ("finance", "kyc"),
        ("tr", "en"),
        ("vip",),
        5,
    )
    assert verify_password(ayse.password_hash, "parola-123")
    assert (ali.name, ali.skills, ali.status) == ("ali", ("general",), "offline")
    capsys.readouterr()

    assert main(["agents", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Ayşe Yılmaz" in listed and "finance, kyc" in listed and "supervisor" in listed

    assert main(["agents", "disable", "ali"]) == 0
    assert [a.disabled for a in _agents(project / "operators.db")] == [True, False]
    capsys.readouterr()
    assert main(["agents", "list"]) == 0
    assert "disabled" in capsys.readouterr().out
    # as the console's admin page does, the terminal's disabling is in the audit log
    assert main(["privacy", "audit", "--format", "json", "--action", "agent_disabled"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["subject"] == "ali" and record["actor"].startswith("cli:")


def test_mistakes_exit_1_with_a_message_and_no_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(monkeypatch, "--login", "ali") == 0
    capsys.readouterr()
    assert _add(monkeypatch, "--login", "ali") == 1
    assert "exists" in capsys.readouterr().err
    assert _add(monkeypatch, "--login", "veli", password="kisa\n") == 1
    assert "at least 8" in capsys.readouterr().err
    assert main(["agents", "disable", "kimse"]) == 1
    assert "no agent with login 'kimse'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("parola-123\n"))
    assert main(["agents", "add", "--login", "veli"]) == 1  # no terminal, no --password-stdin
    assert "--password-stdin" in capsys.readouterr().err


def test_a_password_is_never_an_argument(project: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["agents", "add", "--login", "ali", "--password", "parola-123"])
    assert exit_.value.code == 2


def test_an_in_memory_store_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "endpoints.yml").write_text("tracker_store:\n  type: in_memory\n")
    assert main(["agents", "list"]) == 1
    assert "in memory" in capsys.readouterr().err
