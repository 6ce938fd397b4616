"""Reports for supervisors: first response time, handle time, CSAT, containment.

``GET /console/api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD[&team=][&agent=]`` answers the
period's figures and each day's; ``GET /console/api/reports.csv`` the days as CSV, one
line a day and a last line for the whole period. Supervisors, content editors and admins
only (an agent gets 403, nobody signed in 401); a bad date, a period backwards or over a year, an
unknown team or agent is a 400 with a code.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bot.handover.agents import REPORT_ROLES
from bot.handover.report_period import (
    PeriodReport,
    ReportQuery,
    ReportRequestError,
    parse_day,
    period_report,
)
from bot.handover.reports import Report
from bot.server.console.floor import ConsoleProblem, floor_of
from bot.server.console.schemas_reports import ReportFigures, ReportView

__all__ = ["CSV_COLUMNS", "reports_router"]

reports_router = APIRouter(prefix="/console/api", tags=["console"])

CSV_COLUMNS = (
    "day", "conversations", "contained", "containment", "handed_over", "reached_agent",
    "wait_median_s", "wait_p90_s", "first_response_median_s", "first_response_p90_s",
    "handle_median_s", "handle_p90_s", "csat_asked", "csat_rated", "csat_average",
    "csat_response_rate", "csat_comments", "follow_ups_asked", "follow_ups_solved",
    "follow_ups_not_solved", "by_reason", "resolutions",
)  # fmt: skip


async def _answer(
    request: Request,
    start: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
    team: Annotated[str | None, Query()] = None,
    agent: Annotated[str | None, Query()] = None,
) -> PeriodReport:
    floor = floor_of(request.app)
    asker = await floor.signed_in(request)
    if asker.role not in REPORT_ROLES:
        raise ConsoleProblem(
            403, "supervisors_only", "reports are for supervisors, editors and admins"
        )
    try:
        query = ReportQuery(
            parse_day(start, "from"), parse_day(to, "to"), team or None, agent or None
        )
        return await period_report(floor.trackers, floor.queue.store, query)
    except ReportRequestError as error:
        raise ConsoleProblem(400, error.code, str(error)) from None


Answer = Annotated[PeriodReport, Depends(_answer)]


@reports_router.get("/reports")
async def reports(answer: Answer) -> ReportView:
    query = answer.query
    return ReportView(
        start_date=query.first.isoformat(),
        end_date=query.last.isoformat(),
        team=query.team,
        agent=query.agent,
        timezone=query.timezone,
        total=_figures(answer.total),
        days=[_figures(report, day) for day, report in answer.by_day],
    )


@reports_router.get("/reports.csv")
async def reports_csv(answer: Answer) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for day, report in answer.by_day:
        writer.writerow(csv_row(day.isoformat(), report))
    writer.writerow(csv_row("total", answer.total))
    name = f"destek-report-{answer.query.first}-{answer.query.last}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_row(label: str, report: Report) -> list[Any]:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")

    def pairs(counts: dict[str, int]) -> str:
        return "; ".join(f"{key}={value}" for key, value in counts.items())

    csat, follow = report.csat, report.follow_ups
    return [
        label, report.conversations, report.contained, number(report.containment),
        report.handed_over, report.reached_agent, number(report.wait.median),
        number(report.wait.p90), number(report.first_response.median),
        number(report.first_response.p90), number(report.handle.median),
        number(report.handle.p90), csat.asked, csat.rated, number(csat.average),
        number(csat.response_rate), csat.comments, follow.asked, follow.solved,
        follow.not_solved, pairs(report.by_reason), pairs(report.resolutions),
    ]  # fmt: skip


def _figures(report: Report, day: date | None = None) -> ReportFigures:
    return ReportFigures.model_validate(
        {**report.as_dict(), "day": None if day is None else day.isoformat()}
    )
