"""The operator console, served at ``/console``: its API, its socket and its pages.

:func:`install_console` adds it to the app; it works on Destek's own live-agent queue
(an external help desk has its own console, and then the console answers 404).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from bot.server.console.floor import ConsoleProblem, Floor
from bot.server.console.routes import router
from bot.server.console.routes_model import model_router
from bot.server.console.routes_player import install_player, player_router
from bot.server.console.routes_privacy import install_privacy
from bot.server.console.routes_reports import reports_router
from bot.server.console.routes_supervision import supervision_router
from bot.server.console.schemas import ErrorBody
from bot.server.console.sessions import ConsoleSessions
from bot.server.console.socket import socket_router
from bot.server.handover_wiring import LiveAgents
from bot.settings import Settings

__all__ = ["STATIC", "install_console"]

STATIC = Path(__file__).parent / "static"
# The Content-Security-Policy and the frame rules: bot/server/security_headers.py.
PAGE_HEADERS = {"Cache-Control": "no-cache"}


def install_console(app: FastAPI, settings: Settings, live_agents: LiveAgents) -> None:
    """Add the console's API, socket and page (``/console``, files under
    ``/console/static``) to ``app``."""
    sessions = ConsoleSessions.from_settings(settings, live_agents.store)
    app.state.console_floor = Floor.build(live_agents, sessions)
    install_player(app, settings)  # the player panel's backend and the canned responses
    install_privacy(app, live_agents)  # the audit log; the admin's export and erasure
    app.include_router(router)
    app.include_router(player_router)
    app.include_router(supervision_router)
    app.include_router(reports_router)
    app.include_router(model_router)
    app.include_router(socket_router)
    app.add_exception_handler(ConsoleProblem, _refused)  # type: ignore[arg-type]
    app.add_api_route("/console", _page, methods=["GET"], include_in_schema=False)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")


async def _page() -> FileResponse:
    """The console's one page; it routes itself (``#/chat/<id>``)."""
    return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)


async def _refused(request: Request, problem: ConsoleProblem) -> JSONResponse:
    body = ErrorBody(code=problem.code, message=problem.message, details=problem.details)
    return JSONResponse(body.model_dump(), status_code=problem.status, headers=problem.headers)
