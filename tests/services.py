"""External services for tests (PostgreSQL, Redis): skip without them, but fail in CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["service_unavailable"]


def service_unavailable(service: str, reason: str) -> NoReturn:
    """Skip the test because ``service`` cannot be reached; in CI (``CI=true``) fail instead.

    CI promises the services, so a missing one there is a broken setup, not a skip.
    """
    message = f"{service} is unavailable: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true requires it)", pytrace=False)
    pytest.skip(message)
