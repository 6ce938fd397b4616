"""A report's question: which days (local dates, both included), which team or agent,
and its answer for the whole period and for each day.

The console's API and ``bot report`` ask the same way, so they print the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import DestekError
from bot.handover.reports import Report, figures, read_facts
from bot.store.base import TrackerStore
from bot.store.queue_base import ConversationIndex, QueueStore

__all__ = [
    "DEFAULT_TIMEZONE",
    "MAX_DAYS",
    "PeriodReport",
    "ReportQuery",
    "ReportRequestError",
    "parse_day",
    "period_report",
]

DEFAULT_TIMEZONE = "Europe/Istanbul"
MAX_DAYS = 366


class ReportRequestError(DestekError):
    """A report asked for badly: a malformed date, a period backwards or too long, an
    unknown team or agent. ``code`` names which for the console."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReportQuery:
    first: date
    last: date
    team: str | None = None
    agent: str | None = None
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReportRequestError("bad_range", "'to' is before 'from'")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise ReportRequestError("bad_range", f"a report covers at most {MAX_DAYS} days")

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, first: date, last: date) -> tuple[float, float]:
        """Epoch seconds from local midnight of ``first`` to that after ``last``."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(first, time(), zone)
        end = datetime.combine(last + timedelta(days=1), time(), zone)
        return start.timestamp(), end.timestamp()


@dataclass(frozen=True, slots=True)
class PeriodReport:
    query: ReportQuery
    total: Report
    by_day: tuple[tuple[date, Report], ...]


def parse_day(text: str | None, name: str) -> date:
    """A ``YYYY-MM-DD`` date; ReportRequestError otherwise."""
    try:
        if text is None or len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ReportRequestError("bad_date", f"'{name}' must be a date as YYYY-MM-DD") from None


async def period_report(
    trackers: TrackerStore, store: QueueStore, query: ReportQuery
) -> PeriodReport:
    """The figures of the query's period and of each of its days."""
    agents = await _agents(store, query)
    start, end = query.bounds(query.first, query.last)
    index = store if isinstance(store, ConversationIndex) else None
    facts = await read_facts(trackers, since=start, index=index)
    by_day = []
    for day in query.days():
        day_start, day_end = query.bounds(day, day)
        by_day.append((day, figures(facts, day_start, day_end, agents)))
    return PeriodReport(query, figures(facts, start, end, agents), tuple(by_day))


async def _agents(store: QueueStore, query: ReportQuery) -> frozenset[str] | None:
    """The ids of the agents the query is about (None: everyone)."""
    if query.team is None and query.agent is None:
        return None
    everyone = await store.agents()
    chosen = everyone
    if query.team is not None:
        if query.team not in {team.name for team in await store.teams()} and not any(
            query.team in agent.teams for agent in everyone
        ):
            raise ReportRequestError("unknown_team", f"there is no team {query.team!r}")
        chosen = [agent for agent in chosen if query.team in agent.teams]
    if query.agent is not None:
        chosen = [a for a in chosen if query.agent in (a.id, a.login)]
        if not any(query.agent in (a.id, a.login) for a in everyone):
            raise ReportRequestError("unknown_agent", f"there is no agent {query.agent!r}")
    return frozenset(agent.id for agent in chosen)
