"""Security headers on every answer of the server, as a pure ASGI middleware.

Pure ASGI (not Starlette's ``BaseHTTPMiddleware``): it only adds headers to the
``http.response.start`` message, so streamed answers, websockets and the web chat's
socket.io pass through untouched and nothing is buffered.

- every answer: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``
  (a ``?token=`` in a URL never travels on in a Referer); over https also
  ``Strict-Transport-Security`` (over plain http a browser ignores it, and a development
  server on localhost must not pin https);
- the console (``/console`` and everything under it): a Content-Security-Policy that
  allows only the console's own files, socket and API (no inline script, no other site),
  never inside another site's frame (``frame-ancestors 'none'`` and ``X-Frame-Options``),
  and its API answers are never cached (they hold players' data);
- other pages (the web chat's demo page): the console's policy without the frame rule
  and with inline styles allowed; the widget's script, styles and logo carry no frame
  rule either, so other sites keep embedding the widget;
- other answers (the HTTP API's JSON): a policy that allows nothing, should one ever be
  opened as a page.

A header the route set itself is kept.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_CSP", "CONSOLE_CSP", "PAGE_CSP", "SecurityHeaders"]

CONSOLE_CSP = (
    "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000"
_EVERYWHERE = (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"))


def _is_console(path: str) -> bool:
    return path == "/console" or path.startswith("/console/")


def headers_for(path: str, content_type: str, https: bool) -> list[tuple[str, str]]:
    """The security headers of an answer to ``path`` with this content type."""
    headers = list(_EVERYWHERE)
    if https:
        headers.append(("strict-transport-security", HSTS))
    if _is_console(path):
        headers += [("content-security-policy", CONSOLE_CSP), ("x-frame-options", "DENY")]
        if path.startswith("/console/api/"):
            headers.append(("cache-control", "no-store"))
    elif content_type.startswith("text/html"):
        headers.append(("content-security-policy", PAGE_CSP))
    elif content_type.startswith("application/json"):
        headers.append(("content-security-policy", API_CSP))
    return headers


INTERNAL_ERROR = (
    b'{"status": "failure", "message": "Internal server error", '
    b'"reason": "InternalServerError", "code": 500}'
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, https = scope["path"], scope.get("scheme") == "https"
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                content_type = headers.get("content-type", "")
                for name, value in headers_for(path, content_type, https):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 is written outside every middleware, so without this a
            # crash would be the one answer without the headers (and in plain text).
            if not started:
                start = {"type": "http.response.start", "status": 500,
                         "headers": [(b"content-type", b"application/json")]}  # fmt: skip
                await send_with_headers(start)
                await send({"type": "http.response.body", "body": INTERNAL_ERROR})
            raise  # logged by the server, which sees the answer was given
