"""Who sees which chat: an agent their own and those of their queues; the content editor
none, and never goes online; supervisors all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server.console.sessions import COOKIE
from tests.server.access_rig import AccessRig, access_rig
from tests.server.test_console_api import console_model

API = "/console/api"
CHAT_ROUTES = [
    ("GET", "", None),
    ("GET", "/player", None),
    ("POST", "/accept", None),
    ("POST", "/messages", {"text": "Merhaba"}),
    ("POST", "/notes", {"text": "Not"}),
    ("POST", "/transfer", {"team": "vip", "note": ""}),
    ("POST", "/close", {"resolution": "resolved"}),
]


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("roles-project"), trained_light_pipeline)


@pytest.fixture
def rig(tmp_path: Path, model: TrainedModel) -> Iterator[AccessRig]:
    with access_rig(tmp_path, model) as made:
        yield made


def _as(rig: AccessRig, role: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={rig.cookies[role]}"}


def _refused_everywhere(rig: AccessRig, role: str, sender_id: str, known: bool = True) -> None:
    """403 on every chat route; a chat not waiting for them is ``taken`` to accept (409),
    as an unknown one is, and writing to an unknown chat is 409 ``not_active``, as to a
    closed one."""
    for method, tail, body in CHAT_ROUTES:
        rig.client.cookies.clear()
        url = f"{API}/conversations/{sender_id}{tail}"
        response = rig.client.request(method, url, json=body, headers=_as(rig, role))
        refusal = 403
        if role != "editor" and (tail == "/accept" or (method == "POST" and not known)):
            refusal = 409
        assert (method, tail, response.status_code) == (method, tail, refusal)
    canned = rig.client.get(f"{API}/canned?sender_id={sender_id}", headers=_as(rig, role))
    assert canned.status_code == 403


def test_an_agent_never_reaches_a_chat_of_another_teams_queue(rig: AccessRig) -> None:
    vip = rig.waiting_chat(team="vip")
    common = rig.waiting_chat()
    queue = rig.client.get(f"{API}/queue", headers=_as(rig, "agent")).json()
    assert [item["sender_id"] for item in queue["waiting"]] == [common]
    _refused_everywhere(rig, "agent", vip)
    # the supervisor sees it, and so does an agent of the team
    assert (
        rig.client.get(f"{API}/conversations/{vip}", headers=_as(rig, "supervisor")).status_code
        == 200
    )

    async def join() -> None:
        await rig.floor.queue.store.update_agent(replace(rig.agents["agent"], teams=("vip",)))

    rig.run(join)
    assert (
        rig.client.get(f"{API}/conversations/{vip}", headers=_as(rig, "agent")).status_code == 200
    )


def test_an_agent_never_reaches_another_agents_chat(rig: AccessRig) -> None:
    theirs = rig.held_chat("supervisor")
    _refused_everywhere(rig, "agent", theirs)
    _refused_everywhere(rig, "agent", "no-such-chat", known=False)  # reads: no probing


def test_a_content_editor_takes_no_chat(rig: AccessRig) -> None:
    waiting = rig.waiting_chat()
    _refused_everywhere(rig, "editor", waiting)
    online = rig.client.put(
        f"{API}/me/status", json={"status": "online"}, headers=_as(rig, "editor")
    )
    assert (online.status_code, online.json()["code"]) == (403, "no_chats")
    forced = rig.client.put(
        f"{API}/agents/{rig.agents['editor'].id}/status",
        json={"status": "online"},
        headers=_as(rig, "supervisor"),
    )
    assert (forced.status_code, forced.json()["code"]) == (409, "no_chats")
    with rig.client.websocket_connect("/console/ws", headers=_as(rig, "editor")) as socket:
        assert socket.receive_json()["type"] == "hello"
        socket.send_json({"type": "watch", "sender_ids": [waiting]})
        assert socket.receive_json()["type"] == "watching"  # and follows nothing
    reports = rig.client.get(
        f"{API}/reports?from=2026-01-01&to=2026-01-02", headers=_as(rig, "editor")
    )
    assert reports.status_code == 200
    assert rig.client.get(f"{API}/model", headers=_as(rig, "editor")).json()["archives"] == [
        "matrix.tar.gz"
    ]
    served = rig.client.put(
        f"{API}/model", json={"model_file": "matrix.tar.gz"}, headers=_as(rig, "editor")
    )
    assert served.status_code == 204
    audit = rig.client.get(f"{API}/admin/audit?action=model_activated", headers=_as(rig, "admin"))
    [activated] = audit.json()
    assert activated["actor"] == rig.agents["editor"].login
    assert (activated["subject"], activated["details"]) == ("matrix.tar.gz", {"via": "console"})
