"""Reports benchmark: how long a supervisor's report takes over a stored record.

    python -m bench.reports [--copies 2000] [--days 31] [--url postgresql://...]

Writes ``--copies`` copies of the hand-built record of the report tests (five
conversations each: handovers with agents, a rating, a follow-up, a bot-only chat) into
a fresh SQLite database (or the PostgreSQL URL given), then times
``bot.handover.report_period.period_report`` for ``--days`` days. A report reads every
conversation whose latest event is in or after the period, so its time grows with the
conversations stored. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import date, timedelta

from bot.handover.report_period import ReportQuery, period_report
from bot.store.sql import SQLTrackerStore
from bot.store.sql_queue import SQLQueueStore
from tests.handover.report_record import RECORD


async def run(copies: int, days: int, url: str) -> dict[str, float]:
    trackers, store = SQLTrackerStore(url), SQLQueueStore(url)
    try:
        started = time.perf_counter()
        for copy in range(copies):
            for sender_id, events in RECORD.items():
                await trackers.append(f"{sender_id}-{copy}", [e.as_dict() for e in events])
        written = time.perf_counter() - started
        first = date(2026, 12, 1)
        query = ReportQuery(first, first + timedelta(days=days - 1))
        started = time.perf_counter()
        answer = await period_report(trackers, store, query)
        took = time.perf_counter() - started
    finally:
        await trackers.close()
        await store.close()
    conversations = copies * len(RECORD)
    return {
        "conversations": conversations,
        "write_s": round(written, 2),
        "report_s": round(took, 2),
        "per_conversation_ms": round(1000 * took / conversations, 3),
        "handed_over": answer.total.handed_over,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--url", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/reports.db"
    print(json.dumps(asyncio.run(run(args.copies, args.days, url))))


if __name__ == "__main__":
    main()
