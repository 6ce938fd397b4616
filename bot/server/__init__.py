"""The HTTP server: the composition root that wires model, stores and channels."""

from __future__ import annotations

from bot.server.app import create_app

__all__ = ["create_app"]
