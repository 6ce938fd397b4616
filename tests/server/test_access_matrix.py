"""The access matrix, walked: every route of the app × every kind of caller.

``RULES`` classifies each route (method and path, websockets as ``WS``) of a server with
the console, the HTTP API (behind its token) and the REST and web-chat channels. A route
added later and not classified here fails :func:`test_every_route_is_classified`, so
nobody adds a route without deciding who may call it. Each rule prepares what a caller
that is allowed needs (a chat waiting, a chat the caller holds...), so an allowed call is
checked for its exact success code, and a refused one for its 401 or 403.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIWebSocketRoute
from starlette.routing import Mount, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from tests.server.access_rig import MODEL_NAME, ROLES, SIGNED_IN, AccessRig, access_rig
from tests.server.test_console_api import PASSWORD, console_model

NOT_SIGNED_IN = ("anonymous", "forged", "expired", "token")
CHATS = ("agent", "supervisor", "admin")
FLOOR = ("supervisor", "admin")

Prepare = Callable[[AccessRig, str], tuple[dict[str, str], Any]]
"""(rig, role) -> (path parameters, JSON body or None)"""


@dataclass(frozen=True)
class Rule:
    """Who may call a route: ``kind`` is ``public`` (everyone, ``ok``), ``channel`` (the
    channel's own rule: every caller gets the anonymous caller's answer), ``api`` (the
    HTTP API's token only) or ``console`` (signed-in ``roles``; other operators 403)."""

    kind: str
    ok: int = 200
    roles: tuple[str, ...] = ()
    prepare: Prepare | None = None

    def expected(self, role: str) -> int | None:
        """The status ``role`` must get; None: the anonymous caller's, whatever it is."""
        if self.kind == "public":
            return self.ok
        if self.kind == "channel":
            return None
        if self.kind == "api":
            return self.ok if role == "token" else 401
        if role in NOT_SIGNED_IN:
            return 401
        return self.ok if role in self.roles else 403


def _nothing(rig: AccessRig, role: str) -> tuple[dict[str, str], Any]:
    return {}, None


def _body(body: Any) -> Prepare:
    return lambda rig, role: ({}, body)


def _waiting(body: Any = None) -> Prepare:
    return lambda rig, role: ({"sender_id": rig.waiting_chat()}, body)


def _held(body: Any) -> Prepare:
    """A chat the caller holds (the admin's for callers who hold none)."""

    def prepare(rig: AccessRig, role: str) -> tuple[dict[str, str], Any]:
        holder = role if role in CHATS else "admin"
        return {"sender_id": rig.held_chat(holder)}, body

    return prepare


def _target(body: Any) -> Prepare:
    return lambda rig, role: ({"agent_id": rig.agents["target"].id}, body)


def _conversation(body: Any = None) -> Prepare:
    return lambda rig, role: ({"conversation_id": f"rest-{secrets.token_hex(4)}"}, body)


def _new_agent(rig: AccessRig, role: str) -> tuple[dict[str, str], Any]:
    login = f"new-{secrets.token_hex(4)}"
    return {}, {"login": login, "name": "Yeni", "password": PASSWORD, "role": "agent"}


def _model(rig: AccessRig, role: str) -> tuple[dict[str, str], Any]:
    return {}, {"model_file": str(rig.root / "models" / MODEL_NAME)}


def _console(roles: tuple[str, ...], ok: int = 200, prepare: Prepare | None = None) -> Rule:
    return Rule("console", ok, roles, prepare)


API = "/console/api"
CHAT = f"{API}/conversations/{{sender_id}}"
LOGIN = {"login": "m-editor", "password": PASSWORD}
RULES: dict[tuple[str, str], Rule] = {
    # public: liveness, the schema, the console's page and files, sign-in
    ("GET", "/health"): Rule("public"),
    ("GET", "/version"): Rule("public"),
    ("GET", "/openapi.json"): Rule("public"),
    ("GET", "/console"): Rule("public"),
    ("GET", "/console/static"): Rule("public"),  # the mount: GET /console/static/app.js
    ("POST", f"{API}/login"): Rule("public", prepare=_body(LOGIN)),
    ("POST", f"{API}/logout"): Rule("public", 204),
    # the channels: each checks its own secret; our credentials change nothing
    ("GET", "/webhooks/rest/"): Rule("channel"),
    ("POST", "/webhooks/rest/webhook"): Rule(
        "channel", prepare=_body({"sender": "matrix-rest", "message": "selam"})
    ),
    ("GET", "/webhooks/webchat/"): Rule("channel"),
    ("GET", "/webchat/config"): Rule("channel"),
    ("GET", "/webchat/widget.js"): Rule("channel"),
    ("GET", "/webchat/widget.css"): Rule("channel"),
    ("GET", "/webchat/logo.svg"): Rule("channel"),
    ("GET", "/"): Rule("channel"),  # the web chat's demo page
    ("GET", "/socket.io"): Rule("channel"),  # the mount: socket.io's polling handshake
    ("WS", "/webhooks/webchat/ws"): Rule("channel"),
    # the HTTP API: its token only
    ("POST", "/model/parse"): Rule("api", prepare=_body({"text": "selam"})),
    ("GET", "/status"): Rule("api"),
    ("PUT", "/model"): Rule("api", 204, prepare=_model),
    ("POST", "/model"): Rule("api", 204, prepare=_model),
    ("GET", "/conversations/{conversation_id}/tracker"): Rule("api", prepare=_conversation()),
    ("POST", "/conversations/{conversation_id}/trigger_intent"): Rule(
        "api", prepare=_conversation({"name": "greet"})
    ),
    # the console: anyone signed in
    ("GET", f"{API}/me"): _console(SIGNED_IN),
    ("POST", f"{API}/session"): _console(SIGNED_IN),
    ("WS", "/console/ws"): _console(SIGNED_IN),
    # the desk: those who take chats
    ("PUT", f"{API}/me/status"): _console(CHATS, prepare=_body({"status": "offline"})),
    ("GET", f"{API}/queue"): _console(CHATS),
    ("GET", CHAT): _console(CHATS, prepare=_waiting()),
    ("GET", f"{CHAT}/player"): _console(CHATS, prepare=_waiting()),
    ("GET", f"{API}/canned"): _console(CHATS, prepare=_waiting()),
    ("POST", f"{CHAT}/accept"): _console(CHATS, 204, _waiting()),
    ("POST", f"{CHAT}/messages"): _console(CHATS, 204, _held({"text": "Merhaba"})),
    ("POST", f"{CHAT}/notes"): _console(CHATS, 201, _held({"text": "Not"})),
    ("POST", f"{CHAT}/transfer"): _console(CHATS, 204, _held({"team": "vip", "note": ""})),
    ("POST", f"{CHAT}/close"): _console(CHATS, 204, _held({"resolution": "resolved"})),
    # the floor
    ("GET", f"{API}/floor"): _console(FLOOR),
    ("PUT", f"{API}/agents/{{agent_id}}/status"): _console(
        FLOOR, 204, _target({"status": "offline"})
    ),
    ("POST", f"{CHAT}/reassign"): _console(FLOOR, 204, _held({"team": "vip", "note": ""})),
    ("GET", f"{API}/admin/agents"): _console(FLOOR),
    ("GET", f"{API}/admin/teams"): _console(FLOOR),
    # reports: the floor and the content editor
    ("GET", f"{API}/reports"): _console(("supervisor", "editor", "admin")),
    ("GET", f"{API}/reports.csv"): _console(("supervisor", "editor", "admin")),
    # the model: the content editor and the admin
    ("GET", f"{API}/model"): _console(("editor", "admin")),
    ("PUT", f"{API}/model"): _console(("editor", "admin"), 204, _body({"model_file": MODEL_NAME})),
    # the admin's: operators and teams
    ("POST", f"{API}/admin/agents"): _console(("admin",), 201, _new_agent),
    ("PATCH", f"{API}/admin/agents/{{agent_id}}"): _console(("admin",), 200, _target({})),
    ("PUT", f"{API}/admin/agents/{{agent_id}}/disabled"): _console(
        ("admin",), 200, _target({"disabled": False})
    ),
    ("POST", f"{API}/admin/agents/{{agent_id}}/password"): _console(
        ("admin",), 204, _target({"password": "yeni-parola-5678"})
    ),
    ("POST", f"{API}/admin/teams"): _console(
        ("admin",), 201, lambda rig, role: ({}, {"name": f"t-{secrets.token_hex(3)}"})
    ),
}


# the admin's privacy API (export, erase, the audit log): classified with the others,
# and allowed to be missing while it is not yet installed in every build
PRIVACY: dict[tuple[str, str], Rule] = {
    ("GET", f"{API}/admin/privacy/export"): _console(
        ("admin",), prepare=lambda rig, role: ({}, None)
    ),
    ("POST", f"{API}/admin/privacy/erase"): _console(
        ("admin",), prepare=_body({"sender": "nobody-here", "confirm": True})
    ),
    ("GET", f"{API}/admin/audit"): _console(("admin",)),
}
RULES.update(PRIVACY)


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("matrix-project"), trained_light_pipeline)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[AccessRig]:
    with access_rig(tmp_path_factory.mktemp("matrix"), model) as made:
        yield made


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """(full path, route) of every route, those of included routers too (FastAPI keeps
    those behind their router, each with its original route and its full path)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _walk(route.effective_candidates())
        elif hasattr(route, "original_route"):
            yield route.path or route.original_route.path, route.original_route
        else:
            yield route.path, route


def _routes(rig: AccessRig) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path, route in _walk(rig.client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            found.add(("WS", path))
        elif isinstance(route, Mount):
            found.add(("GET", path))
        else:
            found.update((method, path) for method in route.methods - {"HEAD"})
    return found


def test_every_route_is_classified(rig: AccessRig) -> None:
    routes = _routes(rig)
    assert not routes - set(RULES), "classify these routes in RULES (who may call them?)"
    assert not set(RULES) - routes - set(PRIVACY), "RULES names routes the app does not have"


def _call(rig: AccessRig, method: str, path: str, role: str) -> int:
    rule = RULES[(method, path)]
    if rule.expected(role) in (401, 403):  # refused before anything is looked up or read
        params, body = dict.fromkeys(("sender_id", "agent_id", "conversation_id"), "x"), None
    else:
        params, body = (rule.prepare or _nothing)(rig, role)
    url = path.format(**params)
    if path == "/console/static":
        url = "/console/static/app.js"
    elif path == "/socket.io":
        url = "/socket.io/?EIO=4&transport=polling"
    elif path == f"{API}/canned":
        url = f"{url}?sender_id={params['sender_id']}"
    elif path == f"{API}/admin/privacy/export":
        url = f"{url}?sender=nobody-here"
    elif path == f"{API}/logout" and role in SIGNED_IN:
        rig.cookies[role] = rig.sign_in(role)  # logging out ends the session: a spare one
    elif path.startswith(f"{API}/reports"):
        url = f"{url}?from=2026-01-01&to=2026-01-07"
    headers = rig.credentials(role)
    rig.client.cookies.clear()  # only what `headers` says
    if method == "WS":
        return _socket(rig, url, headers)
    response = rig.client.request(method, url, headers=headers, json=body)
    if path == f"{API}/logout" and role in SIGNED_IN:
        rig.cookies[role] = rig.sign_in(role)
    if path.endswith("/accept") and role in CHATS:
        rig.offline(role)  # so the next caller's chat is not routed to this one
    return response.status_code


def _socket(rig: AccessRig, url: str, headers: dict[str, str]) -> int:
    """101 for a socket that says hello, else its close code."""
    try:
        with rig.client.websocket_connect(url, headers=headers) as socket:
            if url == "/console/ws":
                frame = socket.receive_json()
                assert frame["type"] == "hello"
            else:
                socket.send_json({"type": "hello", "session_id": None})
                socket.receive_json()
            return 101
    except WebSocketDisconnect as closed:
        return closed.code


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda r: f"{r[0]} {r[1]}")
def test_each_role_gets_what_the_matrix_says(rig: AccessRig, route: tuple[str, str]) -> None:
    method, path = route
    if route not in _routes(rig):
        pytest.skip("not installed in this build")
    rule = RULES[route]
    answers = {role: _call(rig, method, path, role) for role in ROLES}
    expected = {role: rule.expected(role) for role in ROLES}
    if method == "WS":  # a console socket refused is closed with 4401
        expected = {
            r: (101 if s == rule.ok else 4401 if s == 401 else s) for r, s in expected.items()
        }
    if rule.kind == "channel":
        expected = dict.fromkeys(ROLES, answers["anonymous"])
        assert answers["anonymous"] < 500
    assert answers == expected
