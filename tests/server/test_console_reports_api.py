"""The reports API on a live server: supervisors and admins only, bad dates refused, and
the figures of the hand-built record as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from tests.live_server import LiveServer
from tests.server.report_server import report_server
from tests.server.test_console_api import API, console_model, signed_in

PERIOD = {"from": "2026-12-01", "to": "2026-12-02"}


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("reports-project"), trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    with report_server(tmp_path_factory.mktemp("reports"), model) as live:
        yield live


def test_nobody_signed_in_gets_401_and_an_agent_403(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get(f"{API}/reports", params=PERIOD).status_code == 401
        assert anonymous.get(f"{API}/reports.csv", params=PERIOD).status_code == 401
    with signed_in(server, "ali") as agent:
        refused = agent.get(f"{API}/reports", params=PERIOD)
        assert refused.status_code == 403 and refused.json()["code"] == "supervisors_only"
        assert agent.get(f"{API}/reports.csv", params=PERIOD).status_code == 403


@pytest.mark.parametrize(
    ("params", "code"),
    [({"from": "2026-12-01"}, "bad_date"), ({"from": "1.12.2026", "to": "2026-12-02"}, "bad_date"),
     ({"from": "2026-12-05", "to": "2026-12-01"}, "bad_range"),
     ({"from": "2024-01-01", "to": "2026-12-01"}, "bad_range"),
     ({**PERIOD, "agent": "kimse"}, "unknown_agent"), ({**PERIOD, "team": "yok"}, "unknown_team")],
)  # fmt: skip
def test_a_bad_question_is_a_400_with_a_code(
    server: LiveServer, params: dict[str, str], code: str
) -> None:
    with signed_in(server, "veli") as supervisor:
        refused = supervisor.get(f"{API}/reports", params=params)
        assert refused.status_code == 400 and refused.json()["code"] == code


def test_a_supervisor_reads_the_figures(server: LiveServer) -> None:
    with signed_in(server, "veli") as supervisor:
        answer = supervisor.get(f"{API}/reports", params={"from": "2026-12-01", "to": "2026-12-01"})
    assert answer.status_code == 200, answer.text
    total = answer.json()["total"]
    assert (total["conversations"], total["contained"], total["containment"]) == (4, 2, 0.5)
    assert total["first_response"] == {"count": 2, "median": 375.0, "p90": 600.0}
    assert total["wait"]["median"] == 180.0 and total["handle"]["median"] == 570.0
    assert total["csat"]["average"] == 4.0 and total["csat"]["distribution"]["4"] == 1
    assert total["follow_ups"] == {"asked": 1, "solved": 0, "not_solved": 1}
    assert [day["day"] for day in answer.json()["days"]] == ["2026-12-01"]


def test_an_admin_reads_one_agents_figures(server: LiveServer) -> None:
    with signed_in(server, "admin") as admin:
        answer = admin.get(f"{API}/reports", params={**PERIOD, "agent": "ali"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"]["resolutions"] == {"resolved": 1}


def test_the_csv_has_a_line_a_day_and_the_total(server: LiveServer) -> None:
    with signed_in(server, "veli") as supervisor:
        answer = supervisor.get(f"{API}/reports.csv", params=PERIOD)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "destek-report-2026-12-01-2026-12-02.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["day"] for row in rows] == ["2026-12-01", "2026-12-02", "total"]
    first = rows[0]
    assert (first["conversations"], first["containment"], first["first_response_median_s"]) == (
        "4", "0.5", "375",
    )  # fmt: skip
    assert rows[1]["by_reason"] == "follow_up=1"
    assert rows[2]["handed_over"] == "4"
