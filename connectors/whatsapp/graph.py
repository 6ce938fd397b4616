"""Sending through the Graph API: ``POST {graph_url}/{version}/{phone_number_id}/messages``.

Throttling (HTTP 429, or Meta's throttling codes, which come as HTTP 400), server errors
(5xx) and network failures are retried with exponential backoff (a numeric
``Retry-After`` is honoured up to :data:`MAX_DELAY`); after the last attempt
:class:`GraphUnavailable` is raised. Any other 4xx is a message Meta will never accept:
it is logged with Meta's error code and not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from bot.errors import DestekError

__all__ = ["GraphClient", "GraphUnavailable", "masked"]

log = logging.getLogger(__name__)

MAX_DELAY = 10.0
THROTTLED = frozenset({4, 80007, 130429, 131056})  # app, account, throughput, pair limits
TRANSIENT = frozenset({1, 2})  # "API unknown", "API service": Meta is down or overloaded


class GraphUnavailable(DestekError):
    """The Graph API did not take a message after every retry (down, throttling, 5xx)."""


class GraphClient:
    """Sends messages from one business number; the client carries token and timeout."""

    __slots__ = ("backoff", "endpoint", "http", "retries")

    def __init__(self, http: httpx.AsyncClient, endpoint: str, retries: int, backoff: float):
        self.http = http
        self.endpoint = endpoint
        self.retries = retries
        self.backoff = backoff

    async def send(self, to: str, message: Mapping[str, Any]) -> str | None:
        """Send ``message`` to the player ``to``; Meta's message id, or None if refused.

        Raises:
            GraphUnavailable: every attempt was throttled, failed or got a 5xx.
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
        log.error(
            "whatsapp: the Graph API refused a %s message to %s: HTTP %d, code %s: %s",
            message.get("type"), masked(to), response.status_code, error.get("code"),
            error.get("message"),
        )  # fmt: skip
        return None
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
    if retry_after is not None and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after))
    return min(delay, MAX_DELAY)
