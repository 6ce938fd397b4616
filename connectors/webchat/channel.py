"""The web chat channel: the widget's websocket, Rasa's socket.io, the widget's files
and a demo page.

Routes: ``/webhooks/webchat/ws`` (the widget's protocol, :mod:`.websocket`), the
socket.io server at ``socketio_path`` (``/socket.io``), ``/webchat/widget.js`` (embedded
with one ``<script>`` tag), its stylesheet and logo, ``/webchat/config`` (the widget's
options from credentials.yml) and, unless ``demo_page: false``, a demo page at ``/``.

:meth:`WebChatChannel.deliver` shows messages sent outside a turn on every widget tab
and socket.io client of the session, on any worker (through the fan-out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse

from bot.channels import BotMessage, ChannelContext
from connectors.webchat.options import WebChatOptions
from connectors.webchat.rate_limit import late_limit
from connectors.webchat.relay import SessionRelay
from connectors.webchat.session_ids import SessionIds
from connectors.webchat.socketio_server import SocketIOServer
from connectors.webchat.websocket import WS_PATH, serve_socket

__all__ = ["STATIC", "WebChatChannel"]

STATIC = Path(__file__).parent / "static"
ASSETS = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "logo.svg": "image/svg+xml",
}
CACHE = {"Cache-Control": "public, max-age=300"}


class WebChatChannel:
    """The web chat widget and Rasa's socket.io channel (``webchat:`` / ``socketio:``).

    Raises:
        ConfigError: an unknown or malformed option.
    """

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.options = WebChatOptions.from_section(context.options)
        self.relay = SessionRelay(context.handler, context.fanout, SessionIds(context.secret))
        self.socketio = SocketIOServer(self.relay, self.options)

    def install(self, app: FastAPI) -> None:
        self.socketio.sender_limit = late_limit(app.state)  # read when a message comes
        app.include_router(self.router())
        app.mount(self.options.socketio_path, self.socketio.asgi_app())

    def router(self) -> APIRouter:
        router = APIRouter()
        relay, options = self.relay, self.options

        @router.get("/webhooks/webchat/")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

        @router.websocket(WS_PATH)
        async def socket(websocket: WebSocket) -> None:
            if not _origin_allowed(websocket, options):
                await websocket.close(code=1008)
                return
            limit = self.socketio.sender_limit()
            await serve_socket(websocket, relay, limit=limit, idle_timeout=options.idle_timeout)

        @router.get("/webchat/config")
        async def config(request: Request) -> JSONResponse:
            headers = _cors(options, request.headers.get("origin"))
            return JSONResponse(options.widget_config(), headers=headers)

        for name, media_type in ASSETS.items():
            router.add_api_route(
                f"/webchat/{name}",
                _asset(name, media_type),
                methods=["GET"],
                include_in_schema=False,
            )

        if options.demo_page:

            @router.get("/", include_in_schema=False)
            async def demo() -> FileResponse:
                return FileResponse(STATIC / "demo.html", media_type="text/html; charset=utf-8")

        return router

    async def deliver(self, sender_id: str, messages: Sequence[BotMessage]) -> None:
        """Publish ``messages`` to the session's sockets (widget and socket.io alike).

        Raises:
            DeliveryError: the fan-out failed; the tracker still holds the messages.
        """
        await self.relay.push(sender_id, messages)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.socketio.stop()


def _asset(name: str, media_type: str) -> Callable[[], Awaitable[FileResponse]]:
    async def asset() -> FileResponse:
        return FileResponse(STATIC / name, media_type=media_type, headers=CACHE)

    return asset


def _cors(options: WebChatOptions, origin: str | None) -> dict[str, str]:
    # The widget runs on other sites' pages: they fetch its config across origins.
    allowed = options.cors_allowed_origins
    if allowed == "*":
        return {"Access-Control-Allow-Origin": "*"}
    if origin is not None and origin in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def _origin_allowed(websocket: WebSocket, options: WebChatOptions) -> bool:
    allowed = options.cors_allowed_origins
    origin = websocket.headers.get("origin")
    return allowed == "*" or origin is None or origin in allowed
