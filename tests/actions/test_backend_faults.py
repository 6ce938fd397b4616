"""Fault injection (slow, failing, garbage), admin auth, and reseeding, over loopback HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.actions.conftest import Backend


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Admin-Token": "wrong"}, {"Authorization": "Bearer test-api-token"}],
    ids=["missing", "wrong", "api-token-only"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/admin/faults"), ("GET", "/admin/faults"), ("DELETE", "/admin/faults"),
     ("POST", "/admin/reset"), ("GET", "/outbox")],
)  # fmt: skip
def test_admin_routes_need_the_admin_token(
    backend: Backend, headers: dict[str, str], method: str, path: str
) -> None:
    response = httpx.request(
        method, f"{backend.url}/api/v1{path}", headers=headers, json={"fail_rate": 1.0}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert backend.admin.get("/admin/faults").json()["active"] is False


def test_failure_on_matching_paths_only(backend: Backend) -> None:
    plan = {"fail_rate": 1.0, "status": 503, "paths": ["/api/v1/players"]}
    assert backend.admin.post("/admin/faults", json=plan).status_code == 200
    failed = backend.api.get("/players/1001/balance")
    assert failed.status_code == 503
    assert failed.json() == {"error": "injected_fault", "message": "fault injected for testing"}
    assert backend.api.get("/bonus-campaigns").status_code == 200
    assert backend.admin.delete("/admin/faults").status_code == 204
    assert backend.api.get("/players/1001/balance").status_code == 200


def test_garbage_mode_answers_200_with_a_body_that_is_not_json(backend: Backend) -> None:
    set_plan = backend.admin.post("/admin/faults", json={"garbage": True})
    assert set_plan.json()["fail_rate"] == 1.0
    response = backend.api.get("/players/lookup", params={"username": "ahmet_yilmaz"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_delay_makes_a_client_with_a_short_timeout_give_up(backend: Backend) -> None:
    backend.admin.post("/admin/faults", json={"delay_ms": 400})
    with pytest.raises(httpx.ReadTimeout):
        backend.api.get("/players/1001", timeout=0.1)


def test_delay_alone_still_answers(backend: Backend) -> None:
    backend.admin.post("/admin/faults", json={"delay_ms": 200})
    started = time.monotonic()
    response = backend.api.get("/players/1001")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_faults_limited_to_the_next_requests_clear_themselves(backend: Backend) -> None:
    backend.admin.post("/admin/faults", json={"status": 500, "times": 2})
    statuses = [backend.api.get("/players/1001").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert backend.admin.get("/admin/faults").json() == {
        "active": False,
        "delay_ms": 0,
        "fail_rate": 0.0,
        "status": 500,
        "garbage": False,
        "paths": [],
        "times": None,
    }


def test_partial_fail_rate_fails_some_requests(backend: Backend) -> None:
    backend.admin.post("/admin/faults", json={"fail_rate": 0.5, "status": 502})
    statuses = {backend.api.get("/bonus-campaigns").status_code for _ in range(40)}
    assert statuses == {200, 502}


def test_current_plan_is_shown(backend: Backend) -> None:
    plan = {"delay_ms": 10, "fail_rate": 0.25, "status": 504, "paths": ["/api/v1/players"]}
    backend.admin.post("/admin/faults", json=plan)
    state = backend.admin.get("/admin/faults").json()
    assert state == {"active": True, "garbage": False, "times": None, **plan}


def test_admin_routes_are_never_faulted(backend: Backend) -> None:
    backend.admin.post("/admin/faults", json={"fail_rate": 1.0})
    assert backend.admin.get("/outbox").status_code == 200
    assert backend.admin.delete("/admin/faults").status_code == 204


@pytest.mark.parametrize(
    ("plan", "fragment"),
    [
        ({"fail_rate": 2}, "body.fail_rate"),
        ({"status": 200}, "body.status"),
        ({"delay_ms": -1}, "body.delay_ms"),
        ({"paths": "/api/v1/players"}, "body.paths"),
        ({"explode": True}, "body.explode"),
    ],
)
def test_bad_fault_plans_are_422(backend: Backend, plan: dict[str, object], fragment: str) -> None:
    response = backend.admin.post("/admin/faults", json=plan)
    assert response.status_code == 422
    assert fragment in response.json()["message"]
    assert backend.admin.get("/admin/faults").json()["active"] is False


def test_reset_restores_the_seeded_data(backend: Backend) -> None:
    backend.api.post("/players/1006/bonus-claims", json={"code": "HOSGELDIN100"})
    backend.api.post("/password-resets", json={"identifier": "selin_arslan"})
    assert backend.api.get("/players/1006/balance").json()["bonus"] == 500.0
    assert backend.admin.post("/admin/reset").json() == {"status": "reseeded"}
    assert backend.api.get("/players/1006/balance").json()["bonus"] == 0.0
    assert backend.outbox() == []
