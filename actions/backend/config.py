"""The backend's configuration: one frozen value, built by the caller and passed to create_app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

__all__ = ["BackendConfig"]


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """Tokens, storage and the rules' limits.

    Args:
        db_path: the SQLite file; ``None`` keeps the data in memory for one process.
        api_token: the bearer token custom actions send.
        admin_token: the ``X-Admin-Token`` for fault injection, reset and the outbox.
        seed_demo_data: seed the demo players when the database is empty.
        reseed: wipe the data and seed afresh at start-up (a demo that starts "now").
        otp_min_interval: the least time between two codes for one player (or one
            unknown identifier), so a flood of requests sends one SMS.
        otp_sends_per_hour: codes one player (or unknown identifier) may get in an hour.
        otp_sends_per_requester_per_hour: codes one conversation may ask for in an hour,
            whoever they are for.
        otp_max_attempts: wrong codes one conversation may type before it is locked out.
        otp_player_failures_per_hour: wrong codes for one player, from every conversation
            together, before the player is locked out for everyone (the backstop that
            bounds guessing when an attacker opens conversation after conversation).
    """

    db_path: Path | None = None
    api_token: str = "destek-demo-token"
    admin_token: str = "destek-admin-token"
    seed_demo_data: bool = True
    reseed: bool = False
    password_resets_per_hour: int = 3
    otp_ttl: timedelta = timedelta(minutes=5)
    otp_min_interval: timedelta = timedelta(seconds=60)
    otp_sends_per_hour: int = 5
    otp_sends_per_requester_per_hour: int = 10
    otp_max_attempts: int = 3
    otp_player_failures_per_hour: int = 10
    otp_lockout: timedelta = timedelta(minutes=15)
    # Keys the stored hashes of one-time codes: kept in memory only, never in the
    # database, so a copy of the database cannot be searched through all 10^6 codes. A
    # restart makes codes sent before it wrong, and they live five minutes anyway.
    otp_pepper: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    reset_link_base: str = "https://destek-demo.example/sifre-sifirla"
