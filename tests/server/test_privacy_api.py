"""The admin's privacy API and the audit log on a live server: only an admin exports,
erases or reads the log; an erasure must be confirmed, ends the chat an agent holds
without breaking their console, answers in counts and is idempotent; and sign-ins,
failed ones, sign-outs, role changes, disabling, panel views, exports, erasures and
model activations are each recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.model_storage import TrainedModel, save_model
from bot.server import create_app
from tests.live_server import LiveServer
from tests.server.test_console_api import (
    API,
    PASSWORD,
    add_agents,
    ask_for_human,
    console_settings,
    model,
    signed_in,
)

__all__ = ["model"]

ADMIN_API = f"{API}/admin"


@pytest.fixture
def server(tmp_path: Path, model: TrainedModel) -> Iterator[LiveServer]:
    models = tmp_path / "models"
    models.mkdir()
    save_model(models / "yeni.tar.gz", model)
    settings = console_settings(tmp_path).model_copy(update={"model": models})
    add_agents(
        tmp_path,
        {"login": "ayse", "name": "Ayşe"},
        {"login": "sefa", "name": "Sefa", "role": "supervisor"},
        {"login": "zeynep", "name": "Zeynep", "role": "admin"},
        {"login": "ali", "name": "Ali"},
    )
    with LiveServer(create_app(settings, model)) as live:
        yield live


def _audit(admin: httpx.Client, **query: Any) -> list[dict[str, Any]]:
    response = admin.get(f"{ADMIN_API}/audit", params=query)
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


def test_only_an_admin_exports_erases_or_reads_the_log(server: LiveServer) -> None:
    calls = [
        ("GET", f"{ADMIN_API}/privacy/export?sender=oyuncu-1", None),
        ("POST", f"{ADMIN_API}/privacy/erase", {"sender": "oyuncu-1", "confirm": True}),
        ("GET", f"{ADMIN_API}/audit", None),
    ]
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        for method, url, body in calls:
            assert anonymous.request(method, url, json=body).status_code == 401
    for login in ("ayse", "sefa"):
        with signed_in(server, login) as client:
            for method, url, body in calls:
                response = client.request(method, url, json=body)
                assert response.status_code == 403 and response.json()["code"] == "admins_only"
    with signed_in(server, "zeynep") as admin:
        for method, url, body in calls:
            assert admin.request(method, url, json=body).status_code == 200
        assert [r["action"] for r in _audit(admin, action="privacy_erase")] == ["privacy_erase"]


def test_export_erase_export_again_while_an_agent_holds_the_chat(server: LiveServer) -> None:
    sender = ask_for_human(server, "oyuncu-1")
    with signed_in(server, "ayse") as ayse, signed_in(server, "zeynep") as admin:
        assert ayse.post(f"{API}/conversations/{sender}/accept").status_code == 204
        assert ayse.get(f"{API}/conversations/{sender}/player").status_code == 200
        exported = admin.get(f"{ADMIN_API}/privacy/export", params={"sender": sender})
        assert exported.status_code == 200 and exported.headers["cache-control"] == "no-store"
        (conversation,) = exported.json()["conversations"]
        assert conversation["events"] and conversation["queue_entries"][0]["status"] == "assigned"

        erase = f"{ADMIN_API}/privacy/erase"
        unconfirmed = admin.post(erase, json={"sender": sender})
        assert unconfirmed.status_code == 400 and unconfirmed.json()["code"] == "confirm_required"
        assert (
            len(admin.get(f"{ADMIN_API}/privacy/export?sender={sender}").json()["conversations"])
            == 1
        )
        erased = admin.post(erase, json={"sender": sender, "confirm": True})
        assert erased.status_code == 200
        reference, counts = erased.json()["reference"], erased.json()["erased"]
        assert reference.startswith("erased-") and counts["conversations"] == 1
        assert counts["queue_entries"] == 1 and counts["events_anonymised"] > 0

        # the agent's console carries on: the chat is gone from their list, and reading
        # or writing to it is refused, never a server error
        assert ayse.get(f"{API}/queue").json()["mine"] == []
        assert ayse.get(f"{API}/conversations/{sender}").status_code in (403, 404)
        write = ayse.post(f"{API}/conversations/{sender}/messages", json={"text": "merhaba"})
        assert write.status_code == 409
        assert ayse.get(f"{API}/conversations/{sender}/player").status_code in (403, 404)

        again = admin.get(f"{ADMIN_API}/privacy/export", params={"sender": sender}).json()
        assert again["conversations"] == []
        repeat = admin.post(erase, json={"sender": sender, "confirm": True}).json()
        assert repeat["reference"] is None and not any(repeat["erased"].values())

        (view,) = _audit(admin, action="panel_view")
        assert (view["actor"], view["subject"]) == ("ayse", reference)  # renamed, not kept
        last_erase = _audit(admin, action="privacy_erase", limit=2)[1]
        assert (last_erase["actor"], last_erase["subject"]) == ("zeynep", reference)
        assert "oyuncu-1" not in str(last_erase)


@pytest.mark.parametrize(
    ("url", "body", "code"),
    [
        ("/privacy/export", None, "bad_field"),  # neither a sender nor a player id
        ("/privacy/export?sender=a&player_id=1", None, "bad_field"),
        ("/privacy/export?player_id=1%200", None, "bad_field"),
        ("/privacy/erase", {"sender": "a", "player_id": "1", "confirm": True}, "bad_field"),
        ("/audit?action=everything", None, "bad_field"),
    ],
)
def test_bad_requests_are_400(server: LiveServer, url: str, body: Any, code: str) -> None:
    with signed_in(server, "zeynep") as admin:
        method = "POST" if body is not None else "GET"
        response = admin.request(method, f"{ADMIN_API}{url}", json=body)
        assert response.status_code == 400 and response.json()["code"] == code
        for bad in ("/audit?since=dün", "/audit?limit=0"):
            assert admin.get(f"{ADMIN_API}{bad}").status_code in (400, 422)
        erase = admin.post(f"{ADMIN_API}/privacy/erase", json={"sender": "a", "extra": 1})
        assert erase.status_code in (400, 422)


def test_sign_ins_roles_disabling_and_models_are_recorded(
    server: LiveServer, tmp_path: Path
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as stranger:
        for login in ("ayse", "kimse-yok"):
            body = {"login": login, "password": "yanlis-parola"}
            assert stranger.post(f"{API}/login", json=body).status_code == 401
    with signed_in(server, "ayse") as ayse:
        assert ayse.post(f"{API}/logout").status_code == 204
    with signed_in(server, "zeynep") as admin:
        agents = {a["login"]: a["id"] for a in admin.get(f"{ADMIN_API}/agents").json()}
        patch = admin.patch(f"{ADMIN_API}/agents/{agents['ali']}", json={"role": "supervisor"})
        assert patch.status_code == 200
        disabled = {"disabled": True}
        assert (
            admin.put(f"{ADMIN_API}/agents/{agents['ali']}/disabled", json=disabled).status_code
            == 200
        )
        archive = tmp_path / "models" / "yeni.tar.gz"
        assert (
            httpx.put(f"{server.url}/model", json={"model_file": str(archive)}).status_code == 204
        )

        failed = _audit(admin, action="login_failed")
        assert [(r["actor"], r["subject"]) for r in failed] == [
            ("anonymous", ""),
            ("anonymous", "ayse"),
        ]
        assert PASSWORD not in str(failed) and "yanlis-parola" not in str(failed)
        assert {(r["actor"], r["subject"]) for r in _audit(admin, action="login")} == {
            ("ayse", "ayse"), ("zeynep", "zeynep"),
        }  # fmt: skip
        assert [r["actor"] for r in _audit(admin, action="logout")] == ["ayse"]
        (role,) = _audit(admin, action="role_change")
        assert (role["actor"], role["subject"], role["details"]) == (
            "zeynep", "ali", {"from": "agent", "to": "supervisor"},
        )  # fmt: skip
        (off,) = _audit(admin, action="agent_disabled")
        assert (off["subject"], off["details"]) == ("ali", {"disabled": True})
        (activated,) = _audit(admin, action="model_activated")
        assert (activated["actor"], activated["subject"]) == ("api", "yeni.tar.gz")
        assert activated["at"].endswith("Z")
        assert _audit(admin, since="2000-01-01T00:00:00", until="2000-01-02T00:00:00") == []
