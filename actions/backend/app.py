"""``create_app``: the mock account backend, wired from its configuration, clock and routers."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI

from actions.backend import admin, bonuses, kyc, otp, outbox, password_resets, players, wallet
from actions.backend.clock import Clock, SystemClock
from actions.backend.config import BackendConfig
from actions.backend.dependencies import require_admin_token, require_api_token
from actions.backend.errors import install_error_handlers
from actions.backend.faults import FaultInjector
from actions.backend.models import Database
from actions.backend.seed import reseed, seed_if_empty

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def create_app(
    config: BackendConfig,
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> FastAPI:
    """Build the backend; the database is opened and seeded by the lifespan, not here.

    Args:
        config: tokens, database path and the rules' limits.
        clock: where "now" comes from; tests pass a ``ManualClock``.
        rng: decides which requests a partial ``fail_rate`` fails.
    """
    clock = clock or SystemClock()
    database = Database(config.db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(database.open)
        if config.reseed:
            await database.run(reseed, clock.now())
        elif config.seed_demo_data:
            await database.run(seed_if_empty, clock.now())
        try:
            yield
        finally:
            database.close()

    app = FastAPI(
        title="Destek mock account backend",
        description="Players, money, bonuses, KYC, password resets and one-time codes.",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.clock = clock
    app.state.database = database
    app.state.faults = FaultInjector(
        rng or random.Random(),
        scope=API_PREFIX,
        exempt=(f"{API_PREFIX}/admin", f"{API_PREFIX}/outbox"),
    )
    install_error_handlers(app)
    app.state.faults.install(app)

    api = [Depends(require_api_token)]
    for area in (players, wallet, bonuses, kyc, password_resets, otp):
        app.include_router(area.router, prefix=API_PREFIX, dependencies=api)
    admin_only = [Depends(require_admin_token)]
    app.include_router(admin.router, prefix=API_PREFIX, dependencies=admin_only)
    app.include_router(outbox.router, prefix=API_PREFIX, dependencies=admin_only)

    @app.get(f"{API_PREFIX}/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
