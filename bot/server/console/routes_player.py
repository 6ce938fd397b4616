"""The player panel (the account backend's view of the player in a chat) and canned responses."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["player_router"]

player_router = APIRouter(prefix="/console/api", tags=["console"])
