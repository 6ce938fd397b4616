"""Report figures on a hand-built record whose answers are known (see report_record)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.handover.handover_facts import conversation_facts
from bot.handover.report_period import (
    ReportQuery,
    ReportRequestError,
    parse_day,
    period_report,
)
from bot.handover.reports import durations
from bot.store.memory import InMemoryTrackerStore
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import ConversationIndex
from bot.store.sql import SQLTrackerStore
from bot.store.sql_queue import SQLQueueStore
from tests.handover.report_record import RECORD, build_record

DEC1, DEC2 = date(2026, 12, 1), date(2026, 12, 2)


Stores = tuple[InMemoryTrackerStore, InMemoryQueueStore]


@pytest.fixture
async def stores() -> Stores:
    trackers, store = InMemoryTrackerStore(), InMemoryQueueStore()
    await build_record(trackers, store)
    return trackers, store


def test_first_response_is_the_first_human_message_not_the_bots() -> None:
    facts = conversation_facts("p-ali", RECORD["p-ali"])
    (handover,) = facts.handovers
    assert handover.first_response_at is not None
    assert handover.first_response_at - handover.requested_at == 150  # not 5 or 60 (the bot)
    assert (handover.csat, handover.csat_comment, handover.agent_id) == (4, "hızlıydınız", "ali")


def test_a_follow_up_belongs_to_the_handover_it_follows() -> None:
    first, second = conversation_facts("p-veli", RECORD["p-veli"]).handovers
    assert (first.resolution, first.follow_up_asked, first.follow_up_solved) == (
        "not_resolved", True, False,
    )  # fmt: skip
    assert (second.reason, second.ended_by, second.reached_a_human) == (
        "follow_up", "timeout", False,
    )  # fmt: skip


def test_percentiles_by_nearest_rank() -> None:
    assert durations([]).count == 0 and durations([]).median is None
    figures = durations([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert (figures.count, figures.median, figures.p90) == (10, 55.0, 90)


@pytest.mark.anyio
async def test_a_day_has_the_known_figures(
    stores: Stores,
) -> None:
    report = (await period_report(*stores, ReportQuery(DEC1, DEC1))).total
    assert (report.conversations, report.contained, report.containment) == (4, 2, 0.5)
    assert (report.handed_over, report.reached_agent) == (3, 2)
    assert report.by_reason == {"player_asked": 2, "complaint": 1}
    assert (report.wait.count, report.wait.median, report.wait.p90) == (2, 180.0, 300)
    assert (report.first_response.median, report.first_response.p90) == (375.0, 600)
    assert (report.handle.median, report.handle.p90) == (570.0, 600)
    assert report.resolutions == {"resolved": 1, "not_resolved": 1}
    csat = report.csat
    assert (csat.asked, csat.rated, csat.average, csat.response_rate) == (2, 1, 4.0, 0.5)
    assert csat.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0} and csat.comments == 1
    follow = report.follow_ups
    assert (follow.asked, follow.solved, follow.not_solved) == (1, 0, 1)


@pytest.mark.anyio
async def test_a_period_sums_its_days(
    stores: Stores,
) -> None:
    answer = await period_report(*stores, ReportQuery(DEC1, DEC2))
    assert [day for day, _ in answer.by_day] == [DEC1, DEC2]
    second = answer.by_day[1][1]
    assert (second.conversations, second.contained, second.handed_over) == (1, 1, 1)
    assert second.by_reason == {"follow_up": 1} and second.wait.count == 0
    total = answer.total
    assert (total.conversations, total.handed_over) == (4, 4)  # p-veli wrote on both days
    assert total.by_reason == {"player_asked": 2, "complaint": 1, "follow_up": 1}


@pytest.mark.anyio
async def test_an_agent_or_team_keeps_their_handovers(
    stores: Stores,
) -> None:
    ali = (await period_report(*stores, ReportQuery(DEC1, DEC1, agent="ali"))).total
    assert (ali.handed_over, ali.resolutions, ali.csat.average) == (1, {"resolved": 1}, 4.0)
    assert ali.conversations == 4  # containment is the whole floor's
    team = (await period_report(*stores, ReportQuery(DEC1, DEC1, team="finans"))).total
    assert team.handed_over == 1 and team.first_response.median == 150.0
    with pytest.raises(ReportRequestError) as refused:
        await period_report(*stores, ReportQuery(DEC1, DEC1, agent="nobody"))
    assert refused.value.code == "unknown_agent"
    with pytest.raises(ReportRequestError):
        await period_report(*stores, ReportQuery(DEC1, DEC1, team="yok"))


@pytest.mark.parametrize("text", ["2026-13-01", "01.12.2026", "", None, "2026-12-1", "dün"])
def test_a_bad_date_is_refused(text: str | None) -> None:
    with pytest.raises(ReportRequestError) as refused:
        parse_day(text, "from")
    assert refused.value.code == "bad_date"


def test_a_backwards_or_endless_range_is_refused() -> None:
    with pytest.raises(ReportRequestError):
        ReportQuery(DEC2, DEC1)
    with pytest.raises(ReportRequestError):
        ReportQuery(date(2020, 1, 1), DEC1)


@pytest.mark.anyio
@pytest.mark.parametrize("database", ["sqlite_url", "postgres_url"])
async def test_on_sql_the_same_figures_from_only_the_conversations_of_the_period(
    database: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(database)
    trackers, store = SQLTrackerStore(url), SQLQueueStore(url, backoff=0.01)
    try:
        await build_record(trackers, store)
        since = ReportQuery(DEC1, DEC1).bounds(DEC1, DEC1)[0]
        assert isinstance(store, ConversationIndex)
        recent = sorted(await store.conversation_ids_since(since))
        assert recent == ["p-ali", "p-bot", "p-left", "p-veli"]  # p-old wrote the day before
        report = (await period_report(trackers, store, ReportQuery(DEC1, DEC1))).total
        assert (report.conversations, report.contained, report.handed_over) == (4, 2, 3)
        assert (report.first_response.median, report.csat.average) == (375.0, 4.0)
    finally:
        await trackers.close()
        await store.close()
