"""The reports API's bodies: the figures of a period and of each of its days."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["CsatOut", "DurationsOut", "FollowUpsOut", "ReportFigures", "ReportView"]


class DurationsOut(BaseModel):
    """Seconds; None when there was nothing to measure."""

    count: int
    median: float | None
    p90: float | None


class CsatOut(BaseModel):
    asked: int
    rated: int
    average: float | None
    distribution: dict[int, int]
    response_rate: float | None
    comments: int


class FollowUpsOut(BaseModel):
    asked: int
    solved: int
    not_solved: int


class ReportFigures(BaseModel):
    """One period's figures; ``day`` is set on a day's line."""

    day: str | None = None
    start: float
    end: float
    conversations: int
    contained: int
    containment: float | None
    handed_over: int
    reached_agent: int
    by_reason: dict[str, int]
    wait: DurationsOut
    first_response: DurationsOut
    handle: DurationsOut
    resolutions: dict[str, int]
    csat: CsatOut
    follow_ups: FollowUpsOut


class ReportView(BaseModel):
    start_date: str
    end_date: str
    team: str | None
    agent: str | None
    timezone: str
    total: ReportFigures
    days: list[ReportFigures]
