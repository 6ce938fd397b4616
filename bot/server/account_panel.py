"""The account backend as the console's player panel reads it: one player's record,
balance, latest deposits and withdrawals, active bonuses and KYC state, fetched at once.

The same backend the custom actions call (``DESTEK_BACKEND_URL``, ``DESTEK_BACKEND_TOKEN``),
with a short timeout so a slow backend never holds up the console. Whatever keeps it from
answering (not configured, a timeout, a refused connection, a 5xx, a wrong token, a body
that is not the expected JSON) is an :class:`AccountUnavailable` with a reason code.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import ValidationError

from bot.errors import DestekError
from bot.server.console.schemas_player import (
    AccountOut,
    BalanceOut,
    BonusOut,
    KycDocumentOut,
    KycOut,
    PanelReason,
    TransactionOut,
)
from bot.settings import Settings

__all__ = ["AccountPanelClient", "AccountUnavailable", "turkish_money"]

LATEST = 5  # deposits and withdrawals the panel shows
CACHE_SECONDS = 15.0  # how long a fetched account serves the canned responses' variables
CACHE_SIZE = 500
# What a backend that cannot serve us raises here: the network, a 4xx/5xx, a timeout,
# a body that is not JSON or not the shape we read.
_UNAVAILABLE = (httpx.HTTPError, TimeoutError, ValueError, KeyError, TypeError, ValidationError)


class AccountUnavailable(DestekError):
    """The panel cannot show the account; ``reason`` says why, for the page."""

    def __init__(self, reason: PanelReason, message: str) -> None:
        super().__init__(message)
        self.reason: PanelReason = reason


def turkish_money(amount: float, currency: str = "TRY") -> str:
    """``1.500,00 ₺``: Turkish grouping and decimals, the lira sign after the amount."""
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} ₺" if currency == "TRY" else f"{text} {currency}"


class AccountPanelClient:
    """``await client.account(player_id)``; a new HTTP connection per panel, so nothing
    needs closing at shutdown."""

    def __init__(
        self,
        url: str | None,
        token: str | None,
        timeout: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/") if url else None
        self.token = token
        self.timeout = timeout
        self.transport = transport
        self._cache: dict[int, tuple[float, AccountOut]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPanelClient:
        token = settings.backend_token.get_secret_value() if settings.backend_token else None
        return cls(settings.backend_url, token, settings.backend_timeout)

    async def account(self, player_id: str | int) -> AccountOut:
        """The player's panel, fresh from the backend.

        Raises:
            AccountUnavailable: ``not_configured``, ``unavailable`` or ``player_not_found``.
        """
        if self.url is None:
            raise AccountUnavailable("not_configured", "no account backend is configured")
        number = _player_number(player_id)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with httpx.AsyncClient(
            base_url=self.url, headers=headers, timeout=self.timeout, transport=self.transport
        ) as http:
            try:
                found = await asyncio.wait_for(self._fetch(http, number), self.timeout * 2)
            except _UNAVAILABLE:
                raise AccountUnavailable(
                    "unavailable", "the account backend did not answer"
                ) from None
        self._remember(number, found)
        return found

    async def cached_account(self, player_id: str | int) -> AccountOut:
        """The account fetched in the last few seconds, else a fresh one."""
        number = _player_number(player_id)
        kept = self._cache.get(number)
        if kept is not None and time.monotonic() - kept[0] < CACHE_SECONDS:
            return kept[1]
        return await self.account(number)

    def _remember(self, number: int, account: AccountOut) -> None:
        if len(self._cache) >= CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[number] = (time.monotonic(), account)

    async def _fetch(self, http: httpx.AsyncClient, number: int) -> AccountOut:
        base = f"/players/{number}"
        player = await _get(http, base)
        latest = {"limit": str(LATEST)}
        balance, deposits, withdrawals, bonuses, kyc = await asyncio.gather(
            _get(http, f"{base}/balance"),
            _get(http, f"{base}/deposits", latest),
            _get(http, f"{base}/withdrawals", latest),
            _get(http, f"{base}/bonuses", {"state": "active"}),
            _get(http, f"{base}/kyc"),
        )
        return AccountOut(
            player_id=player["id"],
            username=player["username"],
            full_name=player["full_name"],
            vip_level=player.get("vip_level") or 0,
            status=player["status"],
            language=player.get("language") or "tr",
            balance=BalanceOut.model_validate(balance),
            deposits=[TransactionOut.model_validate(d) for d in deposits["deposits"]],
            withdrawals=[TransactionOut.model_validate(w) for w in withdrawals["withdrawals"]],
            bonuses=[BonusOut.model_validate(b) for b in bonuses["bonuses"]],
            kyc=KycOut(
                status=kyc["status"],
                documents=[KycDocumentOut.model_validate(d) for d in kyc["documents"]],
                missing=[m["requirement"] for m in kyc["missing_documents"]],
            ),
        )


async def _get(
    http: httpx.AsyncClient, path: str, params: Mapping[str, str] | None = None
) -> dict[str, Any]:
    response = await http.get(path, params=params)
    if response.status_code == 404:
        raise AccountUnavailable("player_not_found", "the backend knows no such player")
    response.raise_for_status()  # a wrong token (401) or a failing backend: unavailable
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("the backend answered something other than an object")
    return body


def _player_number(player_id: str | int) -> int:
    try:
        return int(str(player_id).strip())
    except ValueError:
        raise AccountUnavailable("player_not_found", "the player id is not a number") from None
