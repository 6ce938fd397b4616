"""The audit log's interface: who did what to whom, and when.

Regulators (KVKK, GDPR) and the operator's own security team ask who signed in, who
changed whose role, who exported or erased a player's data, who activated a model and
who looked at a player's account. Each such step is one :class:`AuditRecord`. A record
names its ``subject`` (an agent's login, a conversation id, a model file) but never
holds the data itself: ``details`` is a small JSON object of codes and counts, so the
log can be kept for years without becoming a second copy of what it audits. An erasure
replaces a subject naming the erased conversation with the erasure's opaque reference.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.errors import StoreError

__all__ = [
    "ACTIONS",
    "ACTOR_API",
    "ACTOR_SYSTEM",
    "AGENT_DISABLED",
    "LOGIN",
    "LOGIN_FAILED",
    "LOGOUT",
    "MAX_DETAILS",
    "MODEL_ACTIVATED",
    "PANEL_VIEW",
    "PRIVACY_ERASE",
    "PRIVACY_EXPORT",
    "ROLE_CHANGE",
    "AuditLog",
    "AuditRecord",
    "checked_record",
    "cli_actor",
]

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
ROLE_CHANGE = "role_change"
AGENT_DISABLED = "agent_disabled"  # details {"disabled": false} when enabled again
PRIVACY_EXPORT = "privacy_export"
PRIVACY_ERASE = "privacy_erase"
MODEL_ACTIVATED = "model_activated"
PANEL_VIEW = "panel_view"
ACTIONS = (
    LOGIN,
    LOGIN_FAILED,
    LOGOUT,
    ROLE_CHANGE,
    AGENT_DISABLED,
    PRIVACY_EXPORT,
    PRIVACY_ERASE,
    MODEL_ACTIVATED,
    PANEL_VIEW,
)
ACTOR_SYSTEM = "system"  # the server on its own (the models directory's watcher)
ACTOR_API = "api"  # a caller of the HTTP API, who proves only that they hold its token
MAX_DETAILS = 1000  # characters of details JSON: codes and counts, never a transcript
MAX_NAME = 255
Detail = str | int | float | bool | None


def cli_actor(os_user: str) -> str:
    """The actor of a command run at the terminal: ``cli:<os user>``."""
    return f"cli:{os_user or 'unknown'}"[:MAX_NAME]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audited step; ``at`` is epoch seconds (UTC)."""

    at: float
    actor: str
    action: str
    subject: str = ""
    details: Mapping[str, Detail] = field(default_factory=dict)
    id: int = 0

    @property
    def at_iso(self) -> str:
        """``at`` as ISO 8601 in UTC (``2026-12-06T09:30:00.250000Z``)."""
        moment = datetime.fromtimestamp(self.at, UTC).replace(tzinfo=None)
        return moment.isoformat() + "Z"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at_iso,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": dict(self.details),
        }


def checked_record(
    at: float, actor: str, action: str, subject: str, details: Mapping[str, Any] | None
) -> AuditRecord:
    """A record whose fields fit the log: a known action, names of at most 255
    characters, and flat details of scalars that serialise to at most 1000 characters.

    Raises:
        StoreError: any of these does not hold (a caller's bug, said plainly).
    """
    if action not in ACTIONS:
        raise StoreError(f"unknown audit action {action!r} (known: {', '.join(ACTIONS)})")
    if not actor or len(actor) > MAX_NAME or len(subject) > MAX_NAME:
        raise StoreError("an audit actor is 1 to 255 characters, a subject at most 255")
    if not math.isfinite(at):
        raise StoreError("an audit record's time must be a finite number")
    flat = dict(details or {})
    for key, value in flat.items():
        if not isinstance(key, str) or not isinstance(value, Detail):
            raise StoreError("audit details are a flat mapping of names to scalars")
    if len(encode_details(flat)) > MAX_DETAILS:
        raise StoreError(f"audit details are at most {MAX_DETAILS} characters of JSON")
    return AuditRecord(at=at, actor=actor, action=action, subject=subject, details=flat)


def encode_details(details: Mapping[str, Detail]) -> str:
    try:
        return json.dumps(dict(details), ensure_ascii=False, sort_keys=True, allow_nan=False)
    except ValueError:
        raise StoreError("audit details must be finite numbers, text or booleans") from None


class AuditLog(Protocol):
    """Keeps audit records; every worker may write, and records are never changed but
    for an erasure's reference replacing an erased subject."""

    async def record(
        self,
        actor: str,
        action: str,
        subject: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        at: float | None = None,
    ) -> AuditRecord:
        """Store one record (``at``: now by default) and return it with its id.

        Raises:
            StoreError: the record is malformed (see :func:`checked_record`) or the
                database failed.
        """
        ...

    async def list(
        self,
        since: float | None = None,
        until: float | None = None,
        action: str | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """Records with ``since <= at < until`` (either bound optional), of one action
        if given, newest first, at most ``limit``."""
        ...
