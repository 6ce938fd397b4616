"""One-time codes: a 6-digit code by SMS or e-mail, checked with expiry, attempts and lockout."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from datetime import datetime

from fastapi import APIRouter

from actions.backend.clock import ISTANBUL
from actions.backend.config import BackendConfig
from actions.backend.dependencies import ClockDep, ConfigDep, DatabaseDep
from actions.backend.identifiers import mask_email, mask_phone
from actions.backend.models import db_time, parse_db_time
from actions.backend.outbox import send
from actions.backend.players import fetch_player
from actions.backend.schemas import (
    Channel,
    OtpRequest,
    OtpSendResult,
    OtpVerifyRequest,
    OtpVerifyResult,
)

__all__ = ["router", "send_code", "verify_code"]

router = APIRouter(tags=["identity verification"])


@router.post("/players/{player_id}/otp", response_model=OtpSendResult)
async def create_otp(
    player_id: int, body: OtpRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> OtpSendResult:
    """Send a new code (the code is never in the answer); ``locked`` during a lockout."""
    return await db.run(send_code, player_id, body.channel, clock.now(), config)


@router.post("/players/{player_id}/otp/verify", response_model=OtpVerifyResult)
async def verify_otp(
    player_id: int, body: OtpVerifyRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> OtpVerifyResult:
    """200 with ``status``: verified, wrong_code (attempts_left), expired, locked or no_code."""
    return await db.run(verify_code, player_id, body.code, clock.now(), config)


def send_code(
    conn: sqlite3.Connection,
    player_id: int,
    channel: Channel,
    now: datetime,
    config: BackendConfig,
) -> OtpSendResult:
    player = fetch_player(conn, player_id)
    to = player["phone"] if channel == "sms" else player["email"]
    destination = mask_phone(to) if channel == "sms" else mask_email(to)
    locked_until = _lock_in_force(conn, player_id, now)
    if locked_until is not None:
        return OtpSendResult(
            status="locked",
            channel=channel,
            destination=destination,
            locked_until=locked_until,
            message=_locked_message(locked_until),
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires_at = now + config.otp_ttl
    minutes = int(config.otp_ttl.total_seconds() // 60)
    # Failures survive a new code, so asking for codes again never buys more guesses.
    conn.execute(
        "INSERT INTO otp_state (player_id, channel, code_hash, expires_at, failures)"
        " VALUES (?, ?, ?, ?, 0) ON CONFLICT (player_id) DO UPDATE SET"
        " channel = excluded.channel, code_hash = excluded.code_hash,"
        " expires_at = excluded.expires_at",
        (player_id, channel, _hash(player_id, code), db_time(expires_at)),
    )
    text = (
        f"Doğrulama kodunuz: {code}. Kod {minutes} dakika geçerlidir. "
        "Bu kodu kimseyle paylaşmayın; temsilcilerimiz kodunuzu asla sormaz."
    )
    send(conn, channel, to, "Doğrulama kodunuz", text, now)
    return OtpSendResult(
        status="sent",
        channel=channel,
        destination=destination,
        expires_at=expires_at.astimezone(ISTANBUL),
        message=f"Doğrulama kodunuz {destination} {_where(channel)} gönderildi.",
    )


def verify_code(
    conn: sqlite3.Connection, player_id: int, code: str, now: datetime, config: BackendConfig
) -> OtpVerifyResult:
    fetch_player(conn, player_id)
    locked_until = _lock_in_force(conn, player_id, now)
    if locked_until is not None:
        return _locked(locked_until)
    state = conn.execute("SELECT * FROM otp_state WHERE player_id = ?", (player_id,)).fetchone()
    if state is None or state["code_hash"] is None:
        return OtpVerifyResult(
            status="no_code", message="Geçerli bir doğrulama kodu yok; lütfen yeni kod isteyin."
        )
    if now >= parse_db_time(state["expires_at"]):
        _clear_code(conn, player_id)
        return OtpVerifyResult(
            status="expired", message="Kodun süresi doldu; lütfen yeni bir kod isteyin."
        )
    if hmac.compare_digest(state["code_hash"], _hash(player_id, code)):
        conn.execute(
            "UPDATE otp_state SET code_hash = NULL, expires_at = NULL, failures = 0"
            " WHERE player_id = ?",
            (player_id,),
        )
        return OtpVerifyResult(status="verified", message="Kimliğiniz doğrulandı, teşekkürler.")
    failures = state["failures"] + 1
    if failures >= config.otp_max_attempts:
        until = now + config.otp_lockout
        conn.execute(
            "UPDATE otp_state SET code_hash = NULL, expires_at = NULL, failures = ?,"
            " locked_until = ? WHERE player_id = ?",
            (failures, db_time(until), player_id),
        )
        return _locked(until.astimezone(ISTANBUL))
    conn.execute("UPDATE otp_state SET failures = ? WHERE player_id = ?", (failures, player_id))
    left = config.otp_max_attempts - failures
    return OtpVerifyResult(
        status="wrong_code",
        attempts_left=left,
        message=f"Kod hatalı. {left} deneme hakkınız kaldı.",
    )


def _lock_in_force(conn: sqlite3.Connection, player_id: int, now: datetime) -> datetime | None:
    """The end of a running lockout; an ended lockout is lifted and its failures forgiven."""
    row = conn.execute(
        "SELECT locked_until FROM otp_state WHERE player_id = ?", (player_id,)
    ).fetchone()
    if row is None or row["locked_until"] is None:
        return None
    until = parse_db_time(row["locked_until"])
    if now < until:
        return until
    conn.execute(
        "UPDATE otp_state SET locked_until = NULL, failures = 0 WHERE player_id = ?", (player_id,)
    )
    return None


def _clear_code(conn: sqlite3.Connection, player_id: int) -> None:
    conn.execute(
        "UPDATE otp_state SET code_hash = NULL, expires_at = NULL WHERE player_id = ?",
        (player_id,),
    )


def _where(channel: Channel) -> str:
    return "numaralı telefona" if channel == "sms" else "adresine"


def _hash(player_id: int, code: str) -> str:
    return hashlib.sha256(f"{player_id}:{code}".encode()).hexdigest()


def _locked(until: datetime) -> OtpVerifyResult:
    return OtpVerifyResult(status="locked", locked_until=until, message=_locked_message(until))


def _locked_message(until: datetime) -> str:
    return (
        "Çok sayıda hatalı deneme yapıldığı için doğrulama geçici olarak kilitlendi. "
        f"Saat {until.astimezone(ISTANBUL):%H:%M} sonrasında tekrar deneyebilirsiniz."
    )
