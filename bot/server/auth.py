"""Rasa's ``--auth-token``: the HTTP API answers only requests that carry the token.

As in Rasa, the token may come as a query parameter (``/model/parse?token=...``), or as
``Authorization: Bearer <token>``, which no access log or proxy writes down (the query
parameter's value is masked in Destek's own logs). The channels' webhooks are not behind
it (each channel checks its own signature or secret), nor are ``/health`` and
``/version``.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

__all__ = ["require_token"]


async def require_token(request: Request) -> None:
    """A dependency: 401 unless the server has no token or the request carries it."""
    expected = request.app.state.settings.auth_token
    if expected is None:
        return
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    bearer = credentials.strip() if scheme.lower() == "bearer" else ""
    given = bearer or request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, "User is not authenticated.")
