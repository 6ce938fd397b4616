"""``BackendClient``: the account backend over HTTP, answered as frozen values.

Every failure that means "the backend cannot serve us now" (a timeout, a refused
connection, a 5xx, a wrong token, a body that is not the JSON we expect) becomes one
:class:`BackendUnavailable`; an expected refusal (404, 429, 422) is a :class:`BackendRefused`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import ssl
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from actions.backend_values import (
    Balance,
    Campaign,
    KycDocument,
    KycStatus,
    OtpResult,
    PlayerBonus,
    Transaction,
)

__all__ = [
    "BackendClient",
    "BackendError",
    "BackendRefused",
    "BackendSettings",
    "BackendUnavailable",
    "Balance",
    "Campaign",
    "KycDocument",
    "KycStatus",
    "OtpResult",
    "PlayerBonus",
    "Transaction",
]

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://localhost:5056/api/v1"
DEFAULT_TOKEN = "destek-demo-token"
DEFAULT_TIMEOUT = 5.0

T = TypeVar("T")


class BackendError(Exception):
    """Something went wrong talking to the account backend."""


class BackendUnavailable(BackendError):
    """The backend timed out, was unreachable, failed (5xx) or answered garbage."""


class BackendRefused(BackendError):
    """The backend answered an expected 4xx, e.g. an unknown player or a rate limit."""

    def __init__(self, status: int, code: str, retry_after: int | None = None) -> None:
        super().__init__(f"backend refused with {status} {code}")
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class BackendSettings:
    """Where the backend is and how long to wait; read from the environment once per run."""

    url: str = DEFAULT_URL
    token: str = DEFAULT_TOKEN
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls) -> BackendSettings:
        """``DESTEK_BACKEND_URL``, ``DESTEK_BACKEND_TOKEN``, ``DESTEK_BACKEND_TIMEOUT``."""
        timeout = os.environ.get("DESTEK_BACKEND_TIMEOUT")
        return cls(
            url=os.environ.get("DESTEK_BACKEND_URL", DEFAULT_URL),
            token=os.environ.get("DESTEK_BACKEND_TOKEN", DEFAULT_TOKEN),
            timeout=float(timeout) if timeout else DEFAULT_TIMEOUT,
        )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client: building one loads the CA bundle, about 25 ms,
    which each action would otherwise pay."""
    return httpx.create_ssl_context()


def _http_client(settings: BackendSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=settings.url.rstrip("/"),
        headers={"Authorization": f"Bearer {settings.token}"},
        timeout=settings.timeout,
        verify=_tls_context(),
    )


# The action server's event loop → one client (and its pool of keep-alive connections to
# the backend) per settings: a client of its own per action would open a TCP connection to
# the backend for every action, and building one costs more CPU than the request it makes.
_SHARED: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[BackendSettings, httpx.AsyncClient]
] = weakref.WeakKeyDictionary()


def _shared_client(settings: BackendSettings) -> httpx.AsyncClient | None:
    """The running loop's client for ``settings``; None outside a running loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    clients = _SHARED.setdefault(loop, {})
    client = clients.get(settings)
    if client is None or client.is_closed:
        client = clients[settings] = _http_client(settings)
    return client


class BackendClient:
    """``async with BackendClient(settings) as backend:``; each call waits ``settings.timeout``.

    Built inside a running event loop, it borrows that loop's connections to the backend
    (kept open between actions); built outside one, it has a client of its own, closed
    when the ``async with`` ends.
    """

    def __init__(self, settings: BackendSettings) -> None:
        shared = _shared_client(settings)
        self._owned = shared is None
        self._http = _http_client(settings) if shared is None else shared

    @classmethod
    def from_env(cls) -> BackendClient:
        return cls(BackendSettings.from_env())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._owned:
            await self._http.aclose()

    async def lookup_player(self, field: str, value: str) -> int | None:
        """The id of the player with that ``username``, ``email`` or ``phone``, or None."""
        try:
            body = await self._request("GET", "/players/lookup", params={field: value})
        except BackendRefused as refusal:
            if refusal.status in (404, 422):
                return None
            raise
        return int(_field(body, "id"))

    async def balance(self, player_id: int) -> Balance:
        body = await self._request("GET", f"/players/{player_id}/balance")
        return _parse(lambda: Balance(body["cash"], body["bonus"], body["withdrawable"]))

    async def deposits(self, player_id: int, **filters: Any) -> list[Transaction]:
        params = {key: value for key, value in filters.items() if value is not None}
        body = await self._request("GET", f"/players/{player_id}/deposits", params=params)
        return [_transaction(item) for item in _field(body, "deposits")]

    async def withdrawals(self, player_id: int, limit: int = 5) -> list[Transaction]:
        body = await self._request(
            "GET", f"/players/{player_id}/withdrawals", params={"limit": limit}
        )
        return [_transaction(item) for item in _field(body, "withdrawals")]

    async def campaigns(self) -> list[Campaign]:
        body = await self._request("GET", "/bonus-campaigns")
        return [_campaign(item) for item in _field(body, "campaigns")]

    async def active_bonuses(self, player_id: int) -> list[PlayerBonus]:
        body = await self._request(
            "GET", f"/players/{player_id}/bonuses", params={"state": "active"}
        )
        return [_player_bonus(item) for item in _field(body, "bonuses")]

    async def claim_bonus(self, player_id: int, code: str) -> tuple[bool, str]:
        """Whether the bonus was credited, and the backend's Turkish explanation."""
        body = await self._request(
            "POST", f"/players/{player_id}/bonus-claims", json={"code": code}
        )
        return _parse(lambda: (body["status"] == "credited", str(body["message"])))

    async def kyc(self, player_id: int) -> KycStatus:
        body = await self._request("GET", f"/players/{player_id}/kyc")
        return _parse(
            lambda: KycStatus(
                status=body["status"],
                documents=tuple(
                    KycDocument(d["type"], d["state"], d.get("reason")) for d in body["documents"]
                ),
                missing=tuple(m["description"] for m in body["missing_documents"]),
            )
        )

    async def request_password_reset(self, identifier: str) -> None:
        """Accepted whether or not the account exists; a 429 is a :class:`BackendRefused`."""
        await self._request("POST", "/password-resets", json={"identifier": identifier})

    async def send_otp(
        self, player_id: int, channel: str = "sms", requester: str | None = None
    ) -> OtpResult:
        """A code for a known player; a 429 (asked too often) is a :class:`BackendRefused`."""
        body = await self._request(
            "POST", f"/players/{player_id}/otp", json=_with(channel=channel, requester=requester)
        )
        return _otp_result(body)

    async def verify_otp(
        self, player_id: int, code: str, requester: str | None = None
    ) -> OtpResult:
        body = await self._request(
            "POST", f"/players/{player_id}/otp/verify", json=_with(code=code, requester=requester)
        )
        return _otp_result(body)

    async def challenge(
        self, identifier: str, channel: str = "sms", requester: str | None = None
    ) -> OtpResult:
        """A code for whoever ``identifier`` names, answered alike if it names nobody."""
        payload = _with(identifier=identifier, channel=channel, requester=requester)
        return _otp_result(await self._request("POST", "/otp", json=payload))

    async def verify_challenge(
        self, identifier: str, code: str, requester: str | None = None
    ) -> OtpResult:
        payload = _with(identifier=identifier, code=code, requester=requester)
        return _otp_result(await self._request("POST", "/otp/verify", json=payload))

    async def renew_challenge(self, requester: str, channel: str = "sms") -> OtpResult:
        """A new code for whoever this conversation was last sent one for, without naming
        them again; :class:`BackendRefused` 409 ``no_challenge`` when it was sent none."""
        payload = {"channel": channel, "requester": requester}
        return _otp_result(await self._request("POST", "/otp", json=payload))

    async def verify_requester(self, code: str, requester: str) -> OtpResult:
        """Check ``code`` against this conversation's newest code: the identifier it was
        sent for is not needed (the tracker store may keep it only masked)."""
        payload = {"code": code, "requester": requester}
        return _otp_result(await self._request("POST", "/otp/verify", json=payload))

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            logger.warning("backend timed out", extra={"path": path})
            raise BackendUnavailable(f"{method} {path} timed out") from exc
        except httpx.HTTPError as exc:
            logger.warning("backend unreachable", extra={"path": path})
            raise BackendUnavailable(f"{method} {path} failed: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            logger.warning("backend failed", extra={"path": path, "status": response.status_code})
            raise BackendUnavailable(f"{method} {path} answered {response.status_code}")
        body = _json(response, method, path)
        if response.status_code >= 400:
            code = str(body.get("error", "unknown"))
            retry = body.get("retry_after")
            raise BackendRefused(response.status_code, code, int(retry) if retry else None)
        return body


def _json(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        logger.warning("backend answered non-JSON", extra={"path": path})
        raise BackendUnavailable(f"{method} {path} answered non-JSON") from exc
    if not isinstance(body, dict):
        raise BackendUnavailable(f"{method} {path} answered JSON that is not an object")
    return body


def _with(**fields: str | None) -> dict[str, str]:
    """A JSON body without the fields that are None (older backends refuse unknown keys)."""
    return {name: value for name, value in fields.items() if value is not None}


def _otp_result(body: dict[str, Any]) -> OtpResult:
    return _parse(
        lambda: OtpResult(
            status=body["status"],
            attempts_left=body.get("attempts_left"),
            locked_until=_time(body.get("locked_until")),
            destination=body.get("destination"),
            expires_in=body.get("expires_in"),
            lockout_started=bool(body.get("lockout_started", False)),
            player_id=body.get("player_id"),
        )
    )


def _parse(build: Callable[[], T]) -> T:
    """Build a value from a JSON body; a missing or mistyped field means garbage."""
    try:
        value: T = build()
    except (KeyError, TypeError, ValueError) as exc:
        raise BackendUnavailable("backend answered an unexpected body") from exc
    return value


def _field(body: dict[str, Any], name: str) -> Any:
    return _parse(lambda: body[name])


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _transaction(item: dict[str, Any]) -> Transaction:
    return _parse(
        lambda: Transaction(
            reference=item["reference"],
            method=item["method"],
            amount=float(item["amount"]),
            state=item["state"],
            reason=item.get("reason"),
            created_at=datetime.fromisoformat(item["created_at"]),
            expected_at=_time(item.get("expected_at")),
            overdue=bool(item["overdue"]),
        )
    )


def _campaign(item: dict[str, Any]) -> Campaign:
    return _parse(lambda: Campaign(item["code"], item["name"], item["description"]))


def _player_bonus(item: dict[str, Any]) -> PlayerBonus:
    return _parse(
        lambda: PlayerBonus(
            code=item["code"],
            name=item["name"],
            amount=float(item["amount"]),
            wagered=float(item["wagered"]),
            wagering_required=float(item["wagering_required"]),
            wagering_remaining=float(item["wagering_remaining"]),
            progress=float(item["progress"]),
            expires_at=datetime.fromisoformat(item["expires_at"]),
        )
    )
