"""The supervisor's floor view and the admin page's API (agents, teams, roles)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["supervision_router"]

supervision_router = APIRouter(prefix="/console/api", tags=["console"])
