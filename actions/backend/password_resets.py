"""Password resets: a link to the account's e-mail or phone, never revealing whether it exists."""

from __future__ import annotations

import math
import secrets
import sqlite3
from datetime import datetime, timedelta

from fastapi import APIRouter

from actions.backend.config import BackendConfig
from actions.backend.dependencies import ClockDep, ConfigDep, DatabaseDep
from actions.backend.errors import ApiError
from actions.backend.identifiers import classify
from actions.backend.models import db_time, parse_db_time
from actions.backend.outbox import send
from actions.backend.players import find_player
from actions.backend.schemas import PasswordResetAccepted, PasswordResetRequest

__all__ = ["request_reset", "router"]

router = APIRouter(tags=["password resets"])

WINDOW = timedelta(hours=1)
ACCEPTED = (
    "Bu bilgilerle kayıtlı bir hesap varsa şifre sıfırlama bağlantısı gönderildi. "
    "Lütfen e-posta kutunuzu veya SMS mesajlarınızı kontrol edin."
)
_KIND_COLUMN = {"username": "username_key", "email": "email", "phone": "phone"}


@router.post("/password-resets", status_code=202, response_model=PasswordResetAccepted)
async def create_password_reset(
    body: PasswordResetRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> PasswordResetAccepted:
    """Always 202 with the same body, account or not; 429 after too many for one identifier."""
    await db.run(request_reset, body.identifier, clock.now(), config)
    return PasswordResetAccepted(message=ACCEPTED)


def request_reset(
    conn: sqlite3.Connection, identifier: str, now: datetime, config: BackendConfig
) -> None:
    kind, key = classify(identifier)
    _count_request(conn, f"{kind}:{key}", now, config.password_resets_per_hour)
    player = find_player(conn, _KIND_COLUMN[kind], key)
    if player is None:
        return
    link = f"{config.reset_link_base}?token={secrets.token_urlsafe(24)}"
    first_name = player["full_name"].split()[0]
    if kind == "phone":
        text = (
            f"Şifre sıfırlama bağlantınız: {link} (30 dakika geçerlidir). "
            "Bu isteği siz yapmadıysanız dikkate almayın."
        )
        send(conn, "sms", player["phone"], "Şifre sıfırlama", text, now)
        return
    text = (
        f"Merhaba {first_name},\n\nŞifrenizi sıfırlamak için bu bağlantıyı kullanın:\n{link}\n\n"
        "Bağlantı 30 dakika geçerlidir. Bu isteği siz yapmadıysanız bu e-postayı dikkate "
        "almayın; şifreniz değişmez."
    )
    send(conn, "email", player["email"], "Şifre sıfırlama bağlantınız", text, now)


def _count_request(conn: sqlite3.Connection, key: str, now: datetime, limit: int) -> None:
    """Record one request for ``key``, or refuse with 429 and Retry-After."""
    window_start = db_time(now - WINDOW)
    conn.execute("DELETE FROM password_reset_requests WHERE created_at <= ?", (window_start,))
    recent = conn.execute(
        "SELECT created_at FROM password_reset_requests WHERE identifier_key = ?"
        " ORDER BY created_at",
        (key,),
    ).fetchall()
    if len(recent) >= limit:
        oldest = parse_db_time(recent[0]["created_at"])
        retry_after = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
        raise ApiError(
            429,
            "rate_limited",
            f"at most {limit} password resets an hour for one identifier",
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )
    conn.execute(
        "INSERT INTO password_reset_requests (identifier_key, created_at) VALUES (?, ?)",
        (key, db_time(now)),
    )
