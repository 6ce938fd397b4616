"""A console server whose store holds the hand-built report record (see
tests/handover/report_record.py), with an agent, a supervisor and an admin whose ids are
their logins (the record names agents by id)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bot.handover.agents import new_agent
from bot.model_storage import TrainedModel
from bot.server import create_app
from bot.store.queue_base import Team
from bot.store.sql import SQLTrackerStore
from bot.store.sql_queue import SQLQueueStore
from tests.handover.report_record import RECORD
from tests.live_server import LiveServer
from tests.server.test_console_api import PASSWORD, console_settings

__all__ = ["report_server"]

PEOPLE = (
    {"login": "ali", "name": "Ali", "teams": ("finans",)},
    {"login": "veli", "name": "Veli", "role": "supervisor"},
    {"login": "admin", "name": "Yönetici", "role": "admin"},
)


def _write_record(root: Path) -> None:
    url = f"sqlite:///{root / 'console.db'}"

    async def write() -> None:
        trackers, store = SQLTrackerStore(url), SQLQueueStore(url)
        try:
            for sender_id, events in RECORD.items():
                await trackers.append(sender_id, [event.as_dict() for event in events])
            await store.add_team(Team("finans"))
            for fields in PEOPLE:
                agent = new_agent(password=PASSWORD, **fields)  # type: ignore[arg-type]
                await store.add_agent(replace(agent, id=agent.login))
        finally:
            await trackers.close()
            await store.close()

    with ThreadPoolExecutor(1) as thread:  # its own loop, even beside Playwright's
        thread.submit(asyncio.run, write()).result()


@contextmanager
def report_server(root: Path, model: TrainedModel) -> Iterator[LiveServer]:
    settings = console_settings(root)
    _write_record(root)
    with LiveServer(create_app(settings, model)) as live:
        yield live
