"""``bot report`` on the SQLite stores endpoints.yml names, with the hand-built record:
the same figures as the console's API, as a table and as JSON."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.sql import SQLTrackerStore
from bot.store.sql_queue import SQLQueueStore
from tests.handover.report_record import build_record


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "endpoints.yml").write_text(
        "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: destek.db\n", encoding="utf-8"
    )

    async def write() -> None:
        url = f"sqlite:///{tmp_path / 'destek.db'}"
        trackers, store = SQLTrackerStore(url), SQLQueueStore(url)
        try:
            await build_record(trackers, store)
        finally:
            await trackers.close()
            await store.close()

    asyncio.run(write())
    return tmp_path


def test_the_report_as_json_has_the_known_figures(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--from", "2026-12-01", "--to", "2026-12-02", "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    first = answer["days"][0]
    assert (first["day"], first["conversations"], first["containment"]) == ("2026-12-01", 4, 0.5)
    assert first["first_response"]["median"] == 375.0
    assert answer["total"]["by_reason"] == {"player_asked": 2, "complaint": 1, "follow_up": 1}


def test_the_report_as_a_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--from", "2026-12-01", "--to", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "Destek report 2026-12-01 – 2026-12-01" in out
    assert "50% (2 never reached a human)" in out
    assert "6m 15s median · 10m 00s p90 (2)" in out  # first response: 375 s and 600 s
    assert "4.00 / 5" in out and "1 asked · 0 solved · 1 not solved" in out


def test_one_agents_figures(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["report", "--from", "2026-12-01", "--to", "2026-12-01", "--agent", "ali"]
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["resolutions"] == {"resolved": 1}


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--from", "01.12.2026"], "'--from' must be a date as YYYY-MM-DD"),
     (["--from", "2026-12-05", "--to", "2026-12-01"], "'to' is before 'from'"),
     (["--agent", "kimse"], "there is no agent 'kimse'")],
)  # fmt: skip
def test_a_bad_question_is_one_line_and_exit_1(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["report", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_tracker_store_in_memory_has_no_record_to_report_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "endpoints.yml").write_text("tracker_store:\n  type: in_memory\n", "utf-8")
    assert main(["report"]) == 1
    assert "the tracker store is in memory" in capsys.readouterr().err
