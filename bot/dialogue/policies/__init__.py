"""Dialogue policies: what the bot does next (see :mod:`bot.dialogue.policies.base`)."""

from bot.dialogue.policies.base import (
    Policy,
    Prediction,
    PredictionContext,
    TrainingConversations,
    policy_registry,
)
from bot.dialogue.policies.ensemble import PolicyEnsemble

__all__ = [
    "Policy",
    "PolicyEnsemble",
    "Prediction",
    "PredictionContext",
    "TrainingConversations",
    "policy_registry",
]
