"""Cross-site request forgery: the console refuses a write another site's page sends.

The session cookie is SameSite=Strict already, so a browser does not attach it to a
request another site starts; this is the second lock, for every unsafe method
(POST, PUT, PATCH, DELETE) under ``/console`` — sign-in included, so no page can sign a
browser into an account of its choosing. A browser says where a request comes from:
``Sec-Fetch-Site`` (every current browser; ``same-origin`` or ``none``, a typed address,
pass), else ``Origin`` (must name this host). A client that sends neither is no browser
(curl, a script), and a browser's ambient cookie is what CSRF abuses, so it passes; it
still needs a session like anyone.

A pure ASGI middleware, so it sees every route under ``/console``, those added later too.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CROSS_SITE", "SameOriginWrites", "cross_site"]

CROSS_SITE = "cross_site"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME_SITE_FETCHES = frozenset({"same-origin", "none"})


def cross_site(method: str, headers: Headers) -> bool:
    """Whether a request is an unsafe one another site's page sent."""
    if method.upper() in _SAFE:
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.lower() not in _SAME_SITE_FETCHES
    origin = headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


class SameOriginWrites:
    """403 ``cross_site`` for an unsafe request to the console from another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        console = path == "/console" or path.startswith("/console/")
        if scope["type"] != "http" or not console:
            await self.app(scope, receive, send)
            return
        if not cross_site(scope["method"], Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "code": CROSS_SITE,
                "message": "the console takes changes from its own pages only",
                "details": {},
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
