"""Destek: Turkish customer-support bots with human handover, Rasa-compatible."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
