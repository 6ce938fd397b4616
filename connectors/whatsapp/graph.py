"""Sending through the Graph API: ``POST {graph_url}/{version}/{phone_number_id}/messages``.

Throttling (HTTP 429, or Meta's throttling codes, which come as HTTP 400), server errors
(5xx) and network failures are retried with exponential backoff (a numeric
``Retry-After`` is honoured up to :data:`MAX_DELAY`); after the last attempt
:class:`GraphUnavailable` is raised. Any other 4xx is a message Meta will never accept:
it is logged with Meta's error code, not retried, and raised as :class:`GraphRefused`;
a free-form message to a player who last wrote over 24 hours ago (Meta's customer
service window) is :class:`OutsideServiceWindow`, since only a template may go then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from bot.channels import DeliveryError

__all__ = [
    "WINDOW_CLOSED",
    "GraphClient",
    "GraphRefused",
    "GraphUnavailable",
    "OutsideServiceWindow",
    "masked",
]

log = logging.getLogger(__name__)

MAX_DELAY = 10.0
THROTTLED = frozenset({4, 80007, 130429, 131056})  # app, account, throughput, pair limits
TRANSIENT = frozenset({1, 2})  # "API unknown", "API service": Meta is down or overloaded
WINDOW_CLOSED = frozenset({131047, 470})  # "Re-engagement message" (470: its older code)


class GraphUnavailable(DeliveryError):
    """The Graph API did not take a message after every retry (down, throttling, 5xx)."""


class GraphRefused(DeliveryError):
    """The Graph API refused a message for good (a 4xx other than throttling)."""

    def __init__(self, message: str, code: Any = None) -> None:
        super().__init__(message)
        self.code = code


class OutsideServiceWindow(GraphRefused):
    """The player last wrote more than 24 hours ago: WhatsApp takes only a template
    message until they write again."""


class GraphClient:
    """Sends messages from one business number; the client carries token and timeout."""

    __slots__ = ("backoff", "endpoint", "http", "retries")

    def __init__(self, http: httpx.AsyncClient, endpoint: str, retries: int, backoff: float):
        self.http = http
        self.endpoint = endpoint
        self.retries = retries
        self.backoff = backoff

    async def send(self, to: str, message: Mapping[str, Any]) -> str | None:
        """Send ``message`` to the player ``to``; Meta's message id (None if it gave none).

        Raises:
            GraphUnavailable: every attempt was throttled, failed or got a 5xx.
            GraphRefused: Meta refused the message (:class:`OutsideServiceWindow` when
                the player's 24-hour window has closed); logged with Meta's code.
        """
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                **message}  # fmt: skip
        for attempt in range(self.retries + 1):
            try:
                response = await self.http.post(self.endpoint, json=body)
            except httpx.TransportError as exc:
                why, retry_after = type(exc).__name__, None
            else:
                if not _retryable(response):
                    return _accepted(response, to, message)
                why = f"HTTP {response.status_code} code {_error(response).get('code')}"
                retry_after = response.headers.get("retry-after")
            if attempt < self.retries:
                delay = _delay(self.backoff, attempt, retry_after)
                log.warning("whatsapp: sending to %s failed (%s); retry in %.2fs",
                            masked(to), why, delay)  # fmt: skip
                await asyncio.sleep(delay)
        raise GraphUnavailable(f"the Graph API did not take a message after {why}")


def masked(phone: str) -> str:
    """A player's number for the logs: only its last four digits."""
    return "…" + phone[-4:]


def _retryable(response: httpx.Response) -> bool:
    if response.status_code == 429 or response.status_code >= 500:
        return True
    return response.status_code == 400 and _error(response).get("code") in THROTTLED | TRANSIENT


def _accepted(response: httpx.Response, to: str, message: Mapping[str, Any]) -> str | None:
    if response.is_error:
        error = _error(response)
        code = error.get("code")
        if code in WINDOW_CLOSED:
            log.error(
                "whatsapp: %s last wrote over 24 hours ago; the Graph API refuses a free-form "
                "%s message until they write again (code %s)", masked(to), message.get("type"),
                code,
            )  # fmt: skip
            raise OutsideServiceWindow(
                f"whatsapp: {masked(to)} is outside the 24-hour customer service window "
                f"(code {code}); only a template message can reach them",
                code,
            )
        log.error(
            "whatsapp: the Graph API refused a %s message to %s: HTTP %d, code %s: %s",
            message.get("type"), masked(to), response.status_code, code, error.get("message"),
        )  # fmt: skip
        raise GraphRefused(
            f"whatsapp: the Graph API refused a message (HTTP {response.status_code}, code {code})",
            code,
        )
    try:
        wamid = response.json()["messages"][0]["id"]
    except (ValueError, LookupError, TypeError):
        log.warning("whatsapp: the Graph API accepted a message but gave no id")
        return None
    return str(wamid)


def _error(response: httpx.Response) -> Mapping[str, Any]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, Mapping) else {}


def _delay(backoff: float, attempt: int, retry_after: str | None) -> float:
    delay = backoff * 2.0**attempt
    if retry_after is not None and retry_after.strip().isdecimal():
        delay = max(delay, float(retry_after))
    return min(delay, MAX_DELAY)
