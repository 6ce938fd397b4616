"""The mock account backend custom actions call over HTTP, as they would an operator's own.

``python -m actions.backend --port 5056 --db backend.sqlite3`` serves it.
"""

from __future__ import annotations

from actions.backend.app import API_PREFIX, create_app
from actions.backend.clock import Clock, ManualClock, SystemClock
from actions.backend.config import BackendConfig

__all__ = ["API_PREFIX", "BackendConfig", "Clock", "ManualClock", "SystemClock", "create_app"]
