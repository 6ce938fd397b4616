"""The console's sign-in under attack: limits and locks, sessions that end (idle, at
the shift's end, at logout on every worker), cross-site writes refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.server.console.sessions import COOKIE
from tests.server.access_rig import AccessRig, access_rig
from tests.server.test_console_api import PASSWORD, console_model

API = "/console/api"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("login-project"), trained_light_pipeline)


@pytest.fixture
def rig(tmp_path: Path, model: TrainedModel) -> Iterator[AccessRig]:
    with access_rig(tmp_path, model) as made:
        made.client.cookies.clear()
        yield made


def _login(
    rig: AccessRig, login: str, password: str, **headers: str
) -> tuple[int, dict[str, str], dict[str, object]]:
    rig.client.cookies.clear()
    response = rig.client.post(
        f"{API}/login", json={"login": login, "password": password}, headers=headers
    )
    return response.status_code, dict(response.headers), response.json()


def test_five_failures_lock_a_login_alike_whether_it_exists_or_not(rig: AccessRig) -> None:
    for login in ("m-agent", "nobody-by-this-name"):
        answers = [_login(rig, login, "wrong-password")[0] for _ in range(5)]
        assert answers == [401, 401, 401, 401, 429]
        status, headers, body = _login(rig, login, PASSWORD)  # the right one: still locked
        assert status == 429
        assert 850 <= int(headers["retry-after"]) <= 900
        assert body["code"] == "too_many_attempts"
    assert _login(rig, "m-admin", PASSWORD)[0] == 200  # other logins are not locked


def test_a_lock_ends_and_a_success_forgets_the_failures(rig: AccessRig) -> None:
    sessions = rig.floor.sessions
    start = sessions.clock()
    sessions.clock = lambda: start
    for _ in range(4):
        assert _login(rig, "m-agent", "wrong-password")[0] == 401
    assert _login(rig, "m-agent", PASSWORD)[0] == 200
    for _ in range(4):  # counted from zero again
        assert _login(rig, "m-agent", "wrong-password")[0] == 401
    assert _login(rig, "m-agent", "wrong-password")[0] == 429
    sessions.clock = lambda: start + 901
    assert _login(rig, "m-agent", PASSWORD)[0] == 200


def test_an_address_spraying_many_logins_is_locked(rig: AccessRig) -> None:
    answers = [_login(rig, f"guess-{n}", "wrong-password")[0] for n in range(20)]
    assert answers[:19] == [401] * 19 and answers[19] == 429
    assert _login(rig, "m-admin", PASSWORD)[0] == 429  # this address, any login


def test_logout_ends_the_session_on_every_worker(rig: AccessRig, model: TrainedModel) -> None:
    cookie = {"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
    with TestClient(create_app(rig.settings, model)) as other_worker:
        assert other_worker.get(f"{API}/me", headers=cookie).status_code == 200
        assert rig.client.post(f"{API}/logout", headers=cookie).status_code == 204
        rig.client.cookies.clear()
        assert rig.client.get(f"{API}/me", headers=cookie).status_code == 401
        assert other_worker.get(f"{API}/me", headers=cookie).status_code == 401
    assert (
        rig.client.get(
            f"{API}/me", headers={"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
        ).status_code
        == 200
    )


def test_an_admin_resetting_a_password_ends_that_agents_sessions(rig: AccessRig) -> None:
    agent = {"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
    admin = {"Cookie": f"{COOKIE}={rig.sign_in('admin')}"}
    path = f"{API}/admin/agents/{rig.agents['agent'].id}/password"
    assert (
        rig.client.post(path, json={"password": "yepyeni-parola"}, headers=admin).status_code == 204
    )
    rig.client.cookies.clear()
    assert rig.client.get(f"{API}/me", headers=agent).status_code == 401


def test_an_idle_session_ends_and_the_open_console_renews_it(rig: AccessRig) -> None:
    sessions = rig.floor.sessions
    now = [sessions.clock()]
    sessions.clock = lambda: now[0]
    first = {"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
    now[0] += 25 * 60
    renewed = rig.client.post(f"{API}/session", headers=first)
    assert renewed.status_code == 200
    second = {"Cookie": f"{COOKIE}={renewed.cookies[COOKIE]}"}
    rig.client.cookies.clear()
    now[0] += 25 * 60  # 50 minutes after sign-in, 25 after the renewal
    assert rig.client.get(f"{API}/me", headers=first).status_code == 401  # idle: ended
    assert rig.client.get(f"{API}/me", headers=second).status_code == 200
    now[0] += 31 * 60
    assert rig.client.get(f"{API}/me", headers=second).status_code == 401


def test_renewal_never_passes_the_shifts_end(rig: AccessRig) -> None:
    sessions = rig.floor.sessions
    start = sessions.clock()
    now = [start]
    sessions.clock = lambda: now[0]
    cookie = {"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
    for _ in range(12 * 3 + 1):  # renewed every 20 minutes for twelve hours
        now[0] += 20 * 60
        response = rig.client.post(f"{API}/session", headers=cookie)
        rig.client.cookies.clear()
        if response.status_code != 200:
            break
        cookie = {"Cookie": f"{COOKIE}={response.cookies[COOKIE]}"}
    assert response.status_code == 401
    assert start + 12 * 3600 - 20 * 60 < now[0] <= start + 12 * 3600 + 20 * 60  # the 12th hour


def test_an_open_socket_closes_when_its_session_ends(rig: AccessRig) -> None:
    rig.floor.sessions.socket_check = 0.05
    cookie = {"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
    with rig.client.websocket_connect("/console/ws", headers=cookie) as socket:
        assert socket.receive_json()["type"] == "hello"
        assert rig.client.post(f"{API}/logout", headers=cookie).status_code == 204
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                socket.receive_json()
    assert closed.value.code == 4401


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://kotu.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://kotu.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
    ],
)
def test_a_write_from_another_site_is_refused(rig: AccessRig, headers: dict[str, str]) -> None:
    assert _login(rig, "m-agent", PASSWORD, **headers)[0] == 403  # no login CSRF either
    cookie = {"Cookie": f"{COOKIE}={rig.sign_in('agent')}"}
    refused = rig.client.put(
        f"{API}/me/status", json={"status": "online"}, headers={**cookie, **headers}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "cross_site")
    me = rig.client.get(f"{API}/me", headers={**cookie, **headers})  # reading is no write
    assert (me.status_code, me.json()["status"]) == (200, "offline")


def test_the_consoles_own_pages_write_freely(rig: AccessRig) -> None:
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    assert _login(rig, "m-agent", PASSWORD, **same)[0] == 200
    assert _login(rig, "m-agent", PASSWORD, Origin="http://testserver")[0] == 200
    assert _login(rig, "m-agent", PASSWORD)[0] == 200  # no browser: curl, a script
