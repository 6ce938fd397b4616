"""The machine's PostgreSQL and Redis for the fault suite: skipped without them, a
failure under CI=true (see tests/services.py)."""

from __future__ import annotations

from tests.store.conftest import postgres_admin, postgres_url, redis_endpoint

__all__ = ["postgres_admin", "postgres_url", "redis_endpoint"]
