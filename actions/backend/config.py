"""The backend's configuration: one frozen value, built by the caller and passed to create_app."""

from __future__ import annotations

from dataclasses import dataclass
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
    """

    db_path: Path | None = None
    api_token: str = "destek-demo-token"
    admin_token: str = "destek-admin-token"
    seed_demo_data: bool = True
    reseed: bool = False
    password_resets_per_hour: int = 3
    otp_ttl: timedelta = timedelta(minutes=5)
    otp_max_attempts: int = 3
    otp_lockout: timedelta = timedelta(minutes=15)
    reset_link_base: str = "https://destek-demo.example/sifre-sifirla"
