"""A server with every kind of caller, for the access-control tests.

The roles of the access matrix (``bot/server/console/guards.py``): anonymous, a forged
credential (a console cookie signed with another secret and a wrong API token), an
expired session, the four console roles (each signed in for real), and the HTTP API's
token. :meth:`AccessRig.credentials` gives each one's headers; the console's cookie is
sent explicitly on every request, so the tests also show it opens nothing outside
``/console``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.handover.agents import new_agent
from bot.model_storage import TrainedModel, save_model
from bot.server import create_app
from bot.server.console.floor import Floor
from bot.server.console.sessions import COOKIE, ConsoleSessions
from bot.settings import Settings
from bot.store.queue_base import Agent, Team
from tests.server.test_console_api import PASSWORD, console_settings

__all__ = ["API_TOKEN", "ROLES", "SIGNED_IN", "AccessRig", "access_rig"]

API_TOKEN = "matrix-api-token-of-some-length"
SIGNED_IN = ("agent", "supervisor", "editor", "admin")
ROLES = ("anonymous", "forged", "expired", *SIGNED_IN, "token")
MODEL_NAME = "matrix.tar.gz"


@dataclass
class AccessRig:
    client: TestClient
    root: Path
    settings: Settings
    agents: dict[str, Agent] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def floor(self) -> Floor:
        floor: Floor = self.client.app.state.console_floor  # type: ignore[attr-defined]
        return floor

    def sign_in(self, role: str) -> str:
        """A fresh session cookie of the ``role``'s operator."""
        agent = self.agents[role]
        response = self.client.post(
            "/console/api/login", json={"login": agent.login, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        cookie = response.cookies.get(COOKIE)
        assert cookie
        self.client.cookies.clear()  # each request says who it is, explicitly
        return cookie

    def credentials(self, role: str) -> dict[str, str]:
        """The headers a caller in ``role`` sends."""
        if role == "anonymous":
            return {}
        if role == "token":
            return {"Authorization": f"Bearer {API_TOKEN}"}
        if role == "forged":
            other = ConsoleSessions("another-secret-of-thirty-two-bytes!", self.floor.queue.store)
            forged = other.token(self.agents["admin"])
            return {"Cookie": f"{COOKIE}={forged}", "Authorization": "Bearer forged-token-1234"}
        if role == "expired":  # the server's own secret, but the shift ended a minute ago
            ended = sessions_token(self.floor.sessions, self.agents["admin"])
            return {"Cookie": f"{COOKIE}={ended}"}
        return {"Cookie": f"{COOKIE}={self.cookies[role]}"}

    def run(self, call: object) -> object:
        """Run a coroutine function on the server's event loop."""
        return self.client.portal.call(call)  # type: ignore[union-attr, arg-type]

    def waiting_chat(self, team: str | None = None) -> str:
        """A player who asked for a human and waits (in ``team``'s queue, if given)."""
        sender_id = f"matrix-{secrets.token_hex(4)}"
        body = {"sender": sender_id, "message": "/human_handoff"}
        response = self.client.post("/webhooks/rest/webhook", json=body)
        assert response.status_code == 200, response.text
        if team is not None:
            self.held_chat("admin", sender_id)
            admin = self.agents["admin"]

            async def to_team() -> None:
                await self.floor.actions.transfer(sender_id, admin.id, team=team)

            self.run(to_team)
        return sender_id

    def held_chat(self, role: str, sender_id: str | None = None) -> str:
        """A chat ``role``'s operator holds (they stay offline: nothing else is routed)."""
        sender_id = sender_id or self.waiting_chat()
        agent = self.agents[role]

        async def accept() -> None:
            store = self.floor.queue.store
            await store.set_agent_status(agent.id, "online", time.time())
            try:
                await self.floor.actions.accept(sender_id, agent.id)
            finally:
                await store.set_agent_status(agent.id, "offline", time.time())

        self.run(accept)
        return sender_id

    def offline(self, role: str) -> None:
        agent = self.agents[role]

        async def rest() -> None:
            await self.floor.queue.store.set_agent_status(agent.id, "offline", time.time())

        self.run(rest)


def sessions_token(sessions: ConsoleSessions, agent: Agent) -> str:
    """A token signed with the server's secret whose session ended a minute ago."""
    now = sessions.clock
    try:
        sessions.clock = lambda: time.time() - sessions.lifetime - 60
        return sessions.token(agent)
    finally:
        sessions.clock = now


@contextmanager
def access_rig(root: Path, model: TrainedModel) -> Iterator[AccessRig]:
    models = root / "models"
    save_model(models / MODEL_NAME, model)
    settings = console_settings(root)
    with settings.endpoints.open("a", encoding="utf-8") as endpoints:
        endpoints.write("rate_limits:\n  enabled: false\n")  # the matrix calls in bursts
    settings = settings.model_copy(
        update={"model": models, "enable_api": True, "auth_token": SecretStr(API_TOKEN)}
    )
    app = create_app(settings, model)
    with TestClient(app, base_url="http://testserver") as client:
        rig = AccessRig(client, root, settings)
        store = rig.floor.queue.store
        people = {
            "agent": new_agent(login="m-agent", name="Ajan", password=PASSWORD, max_chats=50),
            "supervisor": new_agent(
                login="m-sup", name="Süpervizör", password=PASSWORD, role="supervisor", max_chats=50
            ),
            "editor": new_agent(login="m-editor", name="Editör", password=PASSWORD, role="editor"),
            "admin": new_agent(
                login="m-admin", name="Yönetici", password=PASSWORD, role="admin", max_chats=50
            ),
            "target": new_agent(login="m-target", name="Hedef", password=PASSWORD),
        }

        async def add() -> None:
            for agent in people.values():
                await store.add_agent(agent)
            await store.add_team(Team("vip", "VIP players"))

        rig.run(add)
        rig.agents = people
        rig.cookies = {role: rig.sign_in(role) for role in SIGNED_IN}
        yield rig
