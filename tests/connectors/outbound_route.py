"""A test-only route that sends messages outside a turn through the running server's
:class:`~bot.server.player_delivery.PlayerDelivery`, on the server's own event loop, as
the handover desk does."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.channels import DeliveryError
from bot.server.player_delivery import PlayerDelivery

__all__ = ["DELIVER", "deliver", "with_deliver_route"]

DELIVER = "/test/deliver"


def with_deliver_route(app: FastAPI) -> FastAPI:
    """``app`` with ``POST /test/deliver {"sender_id", "messages"}``: 200 with the
    channel's name, or 502 with the :class:`DeliveryError`'s class and message."""

    async def send(request: Request) -> JSONResponse:
        body = await request.json()
        delivery: PlayerDelivery = request.app.state.player_delivery
        try:
            channel = await delivery.send(body["sender_id"], body["messages"])
        except DeliveryError as exc:
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, 502)
        return JSONResponse({"channel": channel})

    app.add_api_route(DELIVER, send, methods=["POST"])
    return app


def deliver(url: str, sender_id: str, *messages: dict[str, Any]) -> httpx.Response:
    """Ask the server at ``url`` to send ``messages`` to ``sender_id`` now."""
    body = {"sender_id": sender_id, "messages": list(messages)}
    return httpx.post(url + DELIVER, json=body, timeout=60)
