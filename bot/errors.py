"""The exceptions Destek raises; lower-level errors are wrapped where they enter."""

from __future__ import annotations

__all__ = [
    "ActionRejected",
    "ActionServerError",
    "ConfigError",
    "DataError",
    "DestekError",
    "HandoverError",
    "IdentityError",
    "ModelError",
    "NotTrainedError",
    "StoreError",
]


class DestekError(Exception):
    """Base class of every error Destek raises on purpose."""


class DataError(DestekError):
    """Training data, domain or story files are malformed; the message names file and line."""


class ConfigError(DestekError):
    """config.yml, endpoints.yml or credentials.yml is malformed or names unknown parts."""


class HandoverError(DestekError):
    """A handover step that does not fit the conversation's state: an agent answering a
    chat they do not own, accepting one already taken, writing to a closed one.

    ``code`` names the refusal for a user interface to say in its own language
    (``taken``, ``not_yours``, ``agent_offline``...); ``details`` fills its blanks.
    """

    def __init__(self, message: str, code: str = "conflict", **details: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class IdentityError(DestekError):
    """A player's identity token is missing, forged, expired or lacks a claim."""


class ModelError(DestekError):
    """A trained model archive is missing, unreadable or from an incompatible version."""


class NotTrainedError(DestekError):
    """A component was asked to process before it was trained or loaded."""


class ActionServerError(DestekError):
    """The custom action server failed, timed out or answered malformed data."""


class ActionRejected(ActionServerError):
    """The action refused to run (HTTP 400); the policies may predict something else."""

    def __init__(self, action_name: str, error: str | None) -> None:
        super().__init__(f"the action server rejected running {action_name!r}")
        self.action_name = action_name
        self.error = error


class StoreError(DestekError):
    """A tracker, lock or queue store failed."""
