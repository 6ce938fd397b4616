"""The server's per-sender limit on the web chat's messages, and the idle timeouts.

A message over the limit is refused before the bot sees it, with an error frame
``{"type": "error", "code": "rate_limited", "message", "message_id", "retry_after"}``
(socket.io: a ``destek_error`` event with the same fields) and no ``ack``: the widget
keeps it and sends it again after ``retry_after`` seconds, so no message is lost and none
acknowledged is refused. The socket stays open.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bot.channels import SENDER_LIMIT, SenderLimit

__all__ = [
    "ENGINEIO_PING_INTERVAL",
    "ENGINEIO_PING_TIMEOUT",
    "IDLE_CLOSE_CODE",
    "RATE_LIMITED",
    "late_limit",
    "refusal",
    "retry_after",
]

RATE_LIMITED = "rate_limited"
IDLE_CLOSE_CODE = 1001  # "going away", as load balancers close idle sockets
# socket.io: the server pings every 25 s and drops a client that has not answered 20 s
# later, so a half-open connection (a laptop closed, a dead NAT mapping) goes in 45 s.
ENGINEIO_PING_INTERVAL = 25
ENGINEIO_PING_TIMEOUT = 20


def late_limit(state: Any) -> Callable[[], SenderLimit | None]:
    """The server's limit, looked up on ``app.state`` when a message comes (the server
    offers it after the channels have installed their routes)."""
    return lambda: getattr(state, SENDER_LIMIT, None)


async def retry_after(limit: SenderLimit | None, key: str) -> int:
    """0, and the message of ``key`` is counted; else the whole seconds to wait."""
    if limit is None:
        return 0
    wait = await limit.retry_after(key)
    return max(1, math.ceil(wait)) if wait > 0 else 0


def refusal(seconds: int) -> dict[str, Any]:
    """The fields of the error frame (or event) that refuses a message over the limit."""
    return {
        "code": RATE_LIMITED,
        "message": f"too many messages; this one was not taken: send it again in {seconds} s",
        "retry_after": seconds,
    }
