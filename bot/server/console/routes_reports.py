"""Reports for supervisors: first response time, handle time, CSAT, containment."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["reports_router"]

reports_router = APIRouter(prefix="/console/api", tags=["console"])
