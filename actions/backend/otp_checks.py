"""Checking a one-time code (:mod:`actions.backend.otp`): expiry, attempts and lockouts.

A wrong code counts for the requester (its own lockout after ``otp_max_attempts``) and for
the subject (the backstop of :mod:`actions.backend.otp_limits`); only the wrong code that
starts a lockout says so (``lockout_started``), so the caller hands over once.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import datetime

from actions.backend import otp_limits
from actions.backend.clock import ISTANBUL
from actions.backend.config import BackendConfig
from actions.backend.models import db_time, parse_db_time
from actions.backend.otp_schemas import OtpVerifyResult

__all__ = ["code_hash", "locked_message", "no_code", "verify_code"]


def verify_code(
    conn: sqlite3.Connection,
    subject: str,
    requester: str,
    code: str,
    now: datetime,
    config: BackendConfig,
) -> OtpVerifyResult:
    """Check ``code`` for this subject and requester; wrong codes count for both."""
    locked_until = otp_limits.lock_in_force(conn, subject, requester, now)
    if locked_until is not None:
        return _locked(locked_until)
    key = (subject, requester)
    state = conn.execute(
        "SELECT * FROM otp_codes WHERE subject = ? AND requester = ?", key
    ).fetchone()
    if state is None or state["code_hash"] is None:
        return no_code()
    if now >= parse_db_time(state["expires_at"]):
        conn.execute(
            "UPDATE otp_codes SET code_hash = NULL, expires_at = NULL"
            " WHERE subject = ? AND requester = ?",
            key,
        )
        return OtpVerifyResult(
            status="expired", message="Kodun süresi doldu; lütfen yeni bir kod isteyin."
        )
    expected = code_hash(subject, requester, code, config.otp_pepper)
    matches = hmac.compare_digest(state["code_hash"], expected)
    if matches and state["player_id"] is not None:
        conn.execute(
            "UPDATE otp_codes SET code_hash = NULL, expires_at = NULL, failures = 0"
            " WHERE subject = ? AND requester = ?",
            key,
        )
        return OtpVerifyResult(
            status="verified",
            player_id=state["player_id"],
            message="Kimliğiniz doğrulandı, teşekkürler.",
        )
    return _wrong_code(conn, subject, requester, state["failures"] + 1, now, config)


def _wrong_code(
    conn: sqlite3.Connection,
    subject: str,
    requester: str,
    failures: int,
    now: datetime,
    config: BackendConfig,
) -> OtpVerifyResult:
    otp_limits.record(conn, subject, requester, otp_limits.FAILURE, now)
    key = (subject, requester)
    # Failures survive a new code, so asking for codes again never buys more guesses.
    conn.execute(
        "UPDATE otp_codes SET failures = ? WHERE subject = ? AND requester = ?", (failures, *key)
    )
    until = None
    if failures >= config.otp_max_attempts:
        until = now + config.otp_lockout
        conn.execute(
            "UPDATE otp_codes SET code_hash = NULL, expires_at = NULL, locked_until = ?"
            " WHERE subject = ? AND requester = ?",
            (db_time(until), *key),
        )
    backstop = otp_limits.lock_subject(conn, subject, now, config)
    if until is not None or backstop is not None:
        return _locked(max(u for u in (until, backstop) if u is not None), started=True)
    left = config.otp_max_attempts - failures
    return OtpVerifyResult(
        status="wrong_code",
        attempts_left=left,
        message=f"Kod hatalı. {left} deneme hakkınız kaldı.",
    )


def code_hash(subject: str, requester: str, code: str, pepper: bytes) -> str:
    """The stored form of a code: keyed with the backend's pepper (never stored), so six
    digits cannot be found from the database alone."""
    message = f"{subject}\0{requester}\0{code}".encode()
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def no_code() -> OtpVerifyResult:
    return OtpVerifyResult(
        status="no_code", message="Geçerli bir doğrulama kodu yok; lütfen yeni kod isteyin."
    )


def _locked(until: datetime, started: bool = False) -> OtpVerifyResult:
    return OtpVerifyResult(
        status="locked",
        locked_until=until.astimezone(ISTANBUL),
        lockout_started=started,
        message=locked_message(until),
    )


def locked_message(until: datetime) -> str:
    return (
        "Çok sayıda hatalı deneme yapıldığı için doğrulama geçici olarak kilitlendi. "
        f"Saat {until.astimezone(ISTANBUL):%H:%M} sonrasında tekrar deneyebilirsiniz."
    )
