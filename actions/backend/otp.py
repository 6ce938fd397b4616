"""One-time codes: a 6-digit code by SMS or e-mail, checked with expiry, attempts and lockout.

Each code belongs to a subject and a requester. The subject is the player
(``player:<id>``), or, for an identifier that names nobody, the identifier itself: such a
"code" is never sent and never matches, but it is answered, limited, counted and locked
exactly as a real one, so the answers tell nothing about whether an account exists. The
requester is the conversation that asked; its wrong codes lock out that conversation
only, and :mod:`actions.backend.otp_limits` locks the subject for everyone after many
wrong codes from all conversations together.

``POST /otp`` and ``POST /otp/verify`` take an identifier (what the player typed), or
only the requester: then they mean the subject of the code the conversation was last sent
(:func:`actions.backend.otp_limits.last_subject`), so a conversation can check or renew
its code without repeating an identifier that its tracker store may keep only masked.
``POST /players/{id}/otp[/verify]`` take a known player, as before.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime

from fastapi import APIRouter

from actions.backend import otp_limits
from actions.backend.clock import ISTANBUL
from actions.backend.config import BackendConfig
from actions.backend.dependencies import ClockDep, ConfigDep, DatabaseDep
from actions.backend.errors import ApiError
from actions.backend.identifiers import mask_email, mask_phone
from actions.backend.models import db_time
from actions.backend.otp_checks import code_hash, locked_message, no_code, verify_code
from actions.backend.otp_schemas import (
    OtpChallenge,
    OtpChallengeRequest,
    OtpChallengeVerifyRequest,
    OtpRequest,
    OtpSendResult,
    OtpVerifyRequest,
    OtpVerifyResult,
)
from actions.backend.outbox import send
from actions.backend.players import fetch_player, find_by_identifier
from actions.backend.schemas import Channel

__all__ = [
    "SENT_IF_ACCOUNT",
    "renew_for_requester",
    "router",
    "send_to_identifier",
    "send_to_player",
    "verify_code",
]

router = APIRouter(tags=["identity verification"])

SENT_IF_ACCOUNT = (
    "Bu bilgilerle kayıtlı bir hesap varsa doğrulama kodu gönderildi. "
    "Kod {minutes} dakika geçerlidir."
)


@router.post("/players/{player_id}/otp", response_model=OtpSendResult)
async def create_otp(
    player_id: int, body: OtpRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> OtpSendResult:
    """Send a new code (never in the answer); ``locked`` during a lockout, 429 when
    codes were asked for too often."""
    requester = body.requester or otp_limits.ANONYMOUS
    return await db.run(send_to_player, player_id, body.channel, requester, clock.now(), config)


@router.post("/players/{player_id}/otp/verify", response_model=OtpVerifyResult)
async def verify_otp(
    player_id: int, body: OtpVerifyRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> OtpVerifyResult:
    """200 with ``status``: verified, wrong_code (attempts_left), expired, locked or no_code."""
    requester = body.requester or otp_limits.ANONYMOUS
    return await db.run(_verify_player, player_id, body.code, requester, clock.now(), config)


@router.post("/otp", response_model=OtpChallenge)
async def create_challenge(
    body: OtpChallengeRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> OtpChallenge:
    """A code to the account ``identifier`` names; the same answer if it names none.
    Without an identifier, a new code for the requester's last subject (409 no_challenge
    when it was sent none within the hour)."""
    requester = body.requester or otp_limits.ANONYMOUS
    if body.identifier is None:
        return await db.run(renew_for_requester, requester, body.channel, clock.now(), config)
    return await db.run(
        send_to_identifier, body.identifier, body.channel, requester, clock.now(), config
    )


@router.post("/otp/verify", response_model=OtpVerifyResult)
async def verify_challenge(
    body: OtpChallengeVerifyRequest, db: DatabaseDep, clock: ClockDep, config: ConfigDep
) -> OtpVerifyResult:
    """As ``/players/{id}/otp/verify``; an identifier that names nobody only ever gets
    wrong_code, expired, locked or no_code. ``player_id`` comes with ``verified``. Without
    an identifier, the code is checked against the requester's newest challenge."""
    requester = body.requester or otp_limits.ANONYMOUS
    return await db.run(
        _verify_identifier, body.identifier, body.code, requester, clock.now(), config
    )


def send_to_player(
    conn: sqlite3.Connection,
    player_id: int,
    channel: Channel,
    requester: str,
    now: datetime,
    config: BackendConfig,
) -> OtpSendResult:
    player = fetch_player(conn, player_id)
    to = player["phone"] if channel == "sms" else player["email"]
    destination = mask_phone(to) if channel == "sms" else mask_email(to)
    code, locked_until = _issue(conn, _player_subject(player_id), requester, player_id, now, config)
    if locked_until is not None:
        return OtpSendResult(
            status="locked",
            channel=channel,
            destination=destination,
            locked_until=locked_until,
            message=locked_message(locked_until),
        )
    _deliver(conn, channel, to, code, now, config)
    return OtpSendResult(
        status="sent",
        channel=channel,
        destination=destination,
        expires_at=(now + config.otp_ttl).astimezone(ISTANBUL),
        message=f"Doğrulama kodunuz {destination} {_where(channel)} gönderildi.",
    )


def send_to_identifier(
    conn: sqlite3.Connection,
    identifier: str,
    channel: Channel,
    requester: str,
    now: datetime,
    config: BackendConfig,
) -> OtpChallenge:
    subject, player = _subject_of(conn, identifier)
    return _challenge(conn, subject, player, channel, requester, now, config)


def renew_for_requester(
    conn: sqlite3.Connection, requester: str, channel: Channel, now: datetime, config: BackendConfig
) -> OtpChallenge:
    """A new code for whoever ``requester`` was last sent one for, answered as
    :func:`send_to_identifier` answers (the same words for a player and for nobody).

    Raises:
        ApiError: 409 no_challenge, the requester was sent no code within the hour.
    """
    subject = otp_limits.last_subject(conn, requester, now)
    if subject is None:
        raise ApiError(409, "no_challenge", "no code was sent to this requester in the last hour")
    row = conn.execute(
        "SELECT player_id FROM otp_codes WHERE subject = ? AND requester = ?", (subject, requester)
    ).fetchone()
    player_id = None if row is None else row["player_id"]
    player = None if player_id is None else fetch_player(conn, player_id)
    return _challenge(conn, subject, player, channel, requester, now, config)


def _challenge(
    conn: sqlite3.Connection,
    subject: str,
    player: sqlite3.Row | None,
    channel: Channel,
    requester: str,
    now: datetime,
    config: BackendConfig,
) -> OtpChallenge:
    player_id = None if player is None else int(player["id"])
    code, locked_until = _issue(conn, subject, requester, player_id, now, config)
    if locked_until is not None:
        return OtpChallenge(
            status="locked", locked_until=locked_until, message=locked_message(locked_until)
        )
    if player is not None:
        to = player["phone"] if channel == "sms" else player["email"]
        _deliver(conn, channel, to, code, now, config)
    minutes = int(config.otp_ttl.total_seconds() // 60)
    return OtpChallenge(
        status="sent",
        expires_in=int(config.otp_ttl.total_seconds()),
        message=SENT_IF_ACCOUNT.format(minutes=minutes),
    )


def _issue(
    conn: sqlite3.Connection,
    subject: str,
    requester: str,
    player_id: int | None,
    now: datetime,
    config: BackendConfig,
) -> tuple[str, datetime | None]:
    """A fresh code for the subject and requester, or the end of the lockout in force.

    Raises:
        ApiError: 429, codes were asked for too often.
    """
    locked_until = otp_limits.lock_in_force(conn, subject, requester, now)
    if locked_until is not None:
        return "", locked_until
    otp_limits.check_send(conn, subject, requester, now, config)
    code = f"{secrets.randbelow(1_000_000):06d}"
    # Nobody to send to: keep a hash that no six digits can match.
    kept = code if player_id is not None else secrets.token_hex(16)
    conn.execute(
        "INSERT INTO otp_codes (subject, requester, player_id, code_hash, expires_at, failures)"
        " VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (subject, requester) DO UPDATE SET"
        " player_id = excluded.player_id, code_hash = excluded.code_hash,"
        " expires_at = excluded.expires_at",
        (subject, requester, player_id, code_hash(subject, requester, kept, config.otp_pepper),
         db_time(now + config.otp_ttl)),
    )  # fmt: skip
    otp_limits.record(conn, subject, requester, otp_limits.SEND, now)
    return code, None


def _deliver(
    conn: sqlite3.Connection,
    channel: Channel,
    to: str,
    code: str,
    now: datetime,
    config: BackendConfig,
) -> None:
    minutes = int(config.otp_ttl.total_seconds() // 60)
    text = (
        f"Doğrulama kodunuz: {code}. Kod {minutes} dakika geçerlidir. "
        "Bu kodu kimseyle paylaşmayın; temsilcilerimiz kodunuzu asla sormaz."
    )
    send(conn, channel, to, "Doğrulama kodunuz", text, now)


def _verify_player(
    conn: sqlite3.Connection,
    player_id: int,
    code: str,
    requester: str,
    now: datetime,
    config: BackendConfig,
) -> OtpVerifyResult:
    fetch_player(conn, player_id)
    return verify_code(conn, _player_subject(player_id), requester, code, now, config)


def _verify_identifier(
    conn: sqlite3.Connection,
    identifier: str | None,
    code: str,
    requester: str,
    now: datetime,
    config: BackendConfig,
) -> OtpVerifyResult:
    """Check against the subject ``identifier`` names, or without it the requester's
    newest challenge; the same limits, lockouts and words either way."""
    if identifier is not None:
        subject, _ = _subject_of(conn, identifier)
    else:
        found = otp_limits.last_subject(conn, requester, now)
        if found is None:
            return no_code()
        subject = found
    return verify_code(conn, subject, requester, code, now, config)


def _subject_of(conn: sqlite3.Connection, identifier: str) -> tuple[str, sqlite3.Row | None]:
    key, player = find_by_identifier(conn, identifier)
    return (key if player is None else _player_subject(player["id"])), player


def _player_subject(player_id: int) -> str:
    return f"player:{player_id}"


def _where(channel: Channel) -> str:
    return "numaralı telefona" if channel == "sms" else "adresine"
