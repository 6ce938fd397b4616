"""What handlers receive: the database, the clock, the configuration, and the token checks."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, Request

from actions.backend.clock import Clock
from actions.backend.config import BackendConfig
from actions.backend.errors import ApiError
from actions.backend.models import Database

__all__ = [
    "ClockDep",
    "ConfigDep",
    "DatabaseDep",
    "require_admin_token",
    "require_api_token",
]


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _config(request: Request) -> BackendConfig:
    config: BackendConfig = request.app.state.config
    return config


DatabaseDep = Annotated[Database, Depends(_database)]
ClockDep = Annotated[Clock, Depends(_clock)]
ConfigDep = Annotated[BackendConfig, Depends(_config)]


def require_api_token(
    config: ConfigDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """``Authorization: Bearer <api_token>``, or 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not _same(token.strip(), config.api_token):
        raise ApiError(
            401,
            "unauthorized",
            "missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_admin_token(
    config: ConfigDep, x_admin_token: Annotated[str | None, Header()] = None
) -> None:
    """``X-Admin-Token: <admin_token>``, or 401."""
    if x_admin_token is None or not _same(x_admin_token, config.admin_token):
        raise ApiError(401, "unauthorized", "missing or wrong X-Admin-Token header")


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())
