"""``bot privacy export|erase|audit`` against the SQLite and PostgreSQL stores
endpoints.yml names: export, erase (asked to confirm), export again (empty), and the
audit log naming the OS user, not the erased player."""

from __future__ import annotations

import asyncio
import getpass
import io
import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.dialogue.events import SlotSet, UserUttered
from bot.dialogue.handover_events import HandoverAssigned, HandoverRequested
from bot.store.queue_base import Note, QueueEntry
from bot.store.sql_queue import SQLQueueStore
from tests.store.conftest import postgres_admin, postgres_url

__all__ = ["postgres_admin", "postgres_url"]

PHONE = "0532 123 45 67"


@pytest.fixture(params=["sqlite", "postgres"])
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A project whose endpoints.yml names the store; returns the store's URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    url = f"sqlite:///{tmp_path / 'destek.db'}"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    (tmp_path / "endpoints.yml").write_text(
        f"tracker_store:\n  type: SQL\n  url: '{url}'\n", encoding="utf-8"
    )
    asyncio.run(_stored(url))
    return url


async def _stored(url: str) -> None:
    store = SQLQueueStore(url)
    try:
        for sender_id, player_id in (("oyuncu-1", 42), ("oyuncu-2", 42), ("baska", 7)):
            events = [
                SlotSet("player_id", player_id, timestamp=1000.0),
                UserUttered(text=f"numaram {PHONE}", timestamp=1001.0),
                HandoverRequested("player_asked", timestamp=1002.0),
                HandoverAssigned("agent-1", timestamp=1003.0),
            ]
            await store.append(sender_id, [event.as_dict() for event in events])
        await store.enqueue(QueueEntry("oyuncu-1", "player_asked", requested_at=1002.0))
        await store.assign("oyuncu-1", "agent-1", 1003.0)
        await store.add_note(Note("oyuncu-1", "agent-1", f"aradı: {PHONE}", 1004.0))
    finally:
        await store.close()


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_export_erase_export_again_and_the_audit_log(
    project: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _json(capsys, "privacy", "export", "--player-id", "42")
    assert [c["sender_id"] for c in exported["conversations"]] == ["oyuncu-1", "oyuncu-2"]
    assert exported["conversations"][0]["notes"][0]["text"] == f"aradı: {PHONE}"
    assert exported["query"] == {"player_id": "42"}

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal to ask at
    assert main(["privacy", "erase", "--player-id", "42"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert len(_json(capsys, "privacy", "export", "oyuncu-1")["conversations"]) == 1

    assert main(["privacy", "erase", "--player-id", "42", "--yes"]) == 0
    said = capsys.readouterr().err
    assert "Erased (erased-" in said and "conversations 2" in said and PHONE not in said
    for argv in (["--player-id", "42"], ["oyuncu-1"], ["oyuncu-2"]):
        assert _json(capsys, "privacy", "export", *argv)["conversations"] == []
    others = _json(capsys, "privacy", "export", "baska")["conversations"]
    assert others[0]["events"][1]["text"] == f"numaram {PHONE}"  # another player's stays

    assert main(["privacy", "erase", "oyuncu-1", "--yes"]) == 0
    assert "nothing erased" in capsys.readouterr().err

    records = _json(capsys, "privacy", "audit", "--format", "json")  # newest first
    assert records[0]["action"] == "privacy_erase" and records[0]["subject"] == ""
    assert {r["actor"] for r in records} == {f"cli:{getpass.getuser()}"}
    index, erase = next(
        (i, r) for i, r in enumerate(records) if r["action"] == "privacy_erase" and r["subject"]
    )
    assert erase["subject"].startswith("erased-") and erase["details"]["notes_removed"] == 1
    before = json.dumps(records[index:])  # what was asked before the erasure names no one
    assert "oyuncu" not in before and "player:42" not in before and PHONE not in before
    assert [r["action"] for r in records[index:]] == [
        "privacy_erase", "privacy_export", "privacy_export",
    ]  # fmt: skip
    only = _json(capsys, "privacy", "audit", "--format", "json", "--action", "privacy_erase")
    assert {r["action"] for r in only} == {"privacy_erase"}


def test_export_to_a_file_only_its_owner_reads(
    project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "oyuncu-1.json"
    assert main(["privacy", "export", "oyuncu-1", "--out", str(out)]) == 0
    assert "1 conversation" in capsys.readouterr().err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text("utf-8"))["conversations"][0]["sender_id"] == "oyuncu-1"


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["privacy", "export"], "either a conversation"),
        (["privacy", "export", "oyuncu-1", "--player-id", "42"], "either a conversation"),
        (["privacy", "erase", "--player-id", "4 2", "--yes"], "player_id"),
        (["privacy", "audit", "--since", "dün"], "--since"),
        (["privacy", "audit", "--limit", "0"], "--limit"),
    ],
)
def test_bad_requests_are_one_line_errors(
    project: str, argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert problem in error and "Traceback" not in error


def test_a_store_in_memory_holds_nothing_to_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "endpoints.yml").write_text("tracker_store:\n  type: in_memory\n", "utf-8")
    assert main(["privacy", "export", "oyuncu-1"]) == 1
    assert "in memory" in capsys.readouterr().err
