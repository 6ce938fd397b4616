"""``bot report [--from --to --team --agent --format table|json]``: the supervisors'
figures of the console's reports page, from the stores endpoints.yml names.

Dates are local days (Europe/Istanbul), both included; without ``--from``/``--to`` the
last 7 days up to today. ``--format json`` prints the API's figures for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from bot.errors import ConfigError
from bot.handover.report_period import (
    DEFAULT_TIMEZONE,
    PeriodReport,
    ReportQuery,
    ReportRequestError,
    parse_day,
    period_report,
)
from bot.handover.reports import Durations, Report

__all__ = ["add_report_parser"]

DEFAULT_DAYS = 7


def _today() -> date:
    return datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()


def _query(args: argparse.Namespace) -> ReportQuery:
    try:
        last = parse_day(args.to, "--to") if args.to else _today()
        first = last - timedelta(DEFAULT_DAYS - 1)
        if args.start:
            first = parse_day(args.start, "--from")
        return ReportQuery(first, last, args.team, args.agent)
    except ReportRequestError as error:
        raise ConfigError(str(error)) from None


def _answer(endpoints: Path, query: ReportQuery) -> PeriodReport:
    from bot.config import read_endpoints
    from bot.store.factory import queue_store_from_endpoint, tracker_store_from_endpoint
    from bot.store.memory import InMemoryTrackerStore

    options = None
    if endpoints.exists():
        section = read_endpoints(endpoints).tracker_store
        options = None if section is None else section.options

    async def run() -> PeriodReport:
        trackers = tracker_store_from_endpoint(options)
        store = queue_store_from_endpoint(options)
        if isinstance(trackers, InMemoryTrackerStore):
            raise ConfigError(
                f"{endpoints}: the tracker store is in memory, so there is no record to "
                "report on; configure a SQL tracker_store"
            )
        try:
            return await period_report(trackers, store, query)
        except ReportRequestError as error:
            raise ConfigError(str(error)) from None
        finally:
            await store.close()
            await trackers.close()

    return asyncio.run(run())


def cmd_report(args: argparse.Namespace) -> int:
    answer = _answer(Path(args.endpoints), _query(args))
    if args.format == "json":
        sys.stdout.write(json.dumps(_as_json(answer), ensure_ascii=False, indent=2) + "\n")
        return 0
    console = Console()
    query = answer.query
    scope = [f"team {query.team}"] if query.team else []
    scope += [f"agent {query.agent}"] if query.agent else []
    title = f"[bold]Destek report[/] {query.first} – {query.last}"
    console.print(title + (f" ({', '.join(scope)})" if scope else ""), highlight=False)
    console.print(_totals(answer.total))
    console.print(_days(answer))
    return 0


def _as_json(answer: PeriodReport) -> dict[str, Any]:
    query = answer.query
    return {
        "start_date": query.first.isoformat(),
        "end_date": query.last.isoformat(),
        "team": query.team,
        "agent": query.agent,
        "timezone": query.timezone,
        "total": answer.total.as_dict(),
        "days": [{"day": day.isoformat(), **report.as_dict()} for day, report in answer.by_day],
    }


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def _spread(figure: Durations) -> str:
    return f"{_time(figure.median)} median · {_time(figure.p90)} p90 ({figure.count})"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "–"


def _totals(report: Report) -> Table:
    csat, follow = report.csat, report.follow_ups
    table = Table(title="The period", show_header=False)
    table.add_column("figure", style="bold")
    table.add_column("value")
    average = "–" if csat.average is None else f"{csat.average:.2f} / 5"
    spread = " ".join(f"{score}★{count}" for score, count in csat.distribution.items())
    contained = f"{_share(report.containment)} ({report.contained} never reached a human)"
    followed = f"{follow.asked} asked · {follow.solved} solved · {follow.not_solved} not solved"
    rows = (
        ("Conversations", str(report.conversations)),
        ("Bot containment", contained),
        ("Handed over", f"{report.handed_over} ({report.reached_agent} reached an agent)"),
        ("By reason", _counts(report.by_reason)),
        ("Wait (request → agent)", _spread(report.wait)),
        ("First response (human)", _spread(report.first_response)),
        ("Handle time", _spread(report.handle)),
        ("Resolutions", _counts(report.resolutions)),
        ("CSAT", f"{average} · {spread} · answered {_share(csat.response_rate)}"),
        ("CSAT comments", str(csat.comments)),
        ("Follow-ups", followed),
    )  # fmt: skip
    for name, value in rows:
        table.add_row(name, value)
    return table


def _days(answer: PeriodReport) -> Table:
    table = Table(title="By day")
    for column in ("day", "conversations", "containment", "handed over", "wait median",
                   "first response median", "handle median", "CSAT"):  # fmt: skip
        table.add_column(column, justify="left" if column == "day" else "right")
    for day, report in answer.by_day:
        average = "–" if report.csat.average is None else f"{report.csat.average:.2f}"
        table.add_row(
            day.isoformat(), str(report.conversations), _share(report.containment),
            str(report.handed_over), _time(report.wait.median),
            _time(report.first_response.median), _time(report.handle.median), average,
        )  # fmt: skip
    return table


def add_report_parser(verbs: Any) -> None:
    """Add ``report`` to the ``bot`` parser's verbs."""
    report = verbs.add_parser("report", help="supervisors' figures: waits, CSAT, containment")
    report.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 7 days ago)")
    report.add_argument("--to", help="last day, YYYY-MM-DD (default: today)")
    report.add_argument("--team", help="only this team's handovers")
    report.add_argument("--agent", help="only this agent's handovers (login or id)")
    report.add_argument("--format", choices=("table", "json"), default="table")
    report.add_argument("--endpoints", default="endpoints.yml", help="where the stores are")
    report.set_defaults(func=cmd_report)
