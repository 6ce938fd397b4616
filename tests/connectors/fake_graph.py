"""A fake of Meta's Graph API messages endpoint, to serve on loopback with LiveServer.

``POST /{version}/{phone_number_id}/messages`` is recorded (path, headers, JSON body,
the status answered) and answered as Meta answers a sent message. :meth:`FakeGraph.fail_next`
scripts failures first: a status, optionally with a Graph error code (Meta sends its
throttling errors as HTTP 400 with a code).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["FakeGraph", "GraphCall"]


@dataclass(frozen=True, slots=True)
class GraphCall:
    """One request the fake received."""

    version: str
    phone_number_id: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


@dataclass(slots=True)
class FakeGraph:
    """``LiveServer(fake.app)`` serves it; ``fake.calls`` is what it received."""

    calls: list[GraphCall] = field(default_factory=list)
    _failures: deque[tuple[int, int | None]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> Starlette:
        route = Route("/{version}/{phone_number_id}/messages", self._messages, methods=["POST"])
        return Starlette(routes=[route])

    @property
    def delivered(self) -> list[dict[str, Any]]:
        """The bodies of the calls answered 200, in order."""
        with self._lock:
            return [call.body for call in self.calls if call.status == 200]

    def fail_next(self, status: int, times: int = 1, code: int | None = None) -> None:
        """Answer the next ``times`` calls with ``status`` (and Graph error ``code``)."""
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    async def _messages(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            status, code = self._failures.popleft() if self._failures else (200, None)
            self.calls.append(
                GraphCall(
                    request.path_params["version"],
                    request.path_params["phone_number_id"],
                    dict(request.headers),
                    body,
                    status,
                )
            )
            number = len(self.calls)
        if status != 200:
            return JSONResponse(_error(status, code), status_code=status)
        to = str(body.get("to", ""))
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.FAKE{number:06d}"}],
            }
        )


def _error(status: int, code: int | None) -> dict[str, Any]:
    return {
        "error": {
            "message": f"(#{code or status}) fake failure",
            "type": "OAuthException",
            "code": code or status,
            "error_data": {"messaging_product": "whatsapp", "details": "scripted by the test"},
            "fbtrace_id": "AfakeTrace",
        }
    }
