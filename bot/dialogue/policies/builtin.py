"""Importing this module registers every built-in policy, and Rasa's names that Destek
accepts without an equivalent (they are read and do nothing)."""

from __future__ import annotations

from bot.dialogue.domain import Domain
from bot.dialogue.policies.base import (
    Policy,
    Prediction,
    PredictionContext,
    TrainingConversations,
    policy_registry,
)
from bot.dialogue.policies.linear_policy import LinearPolicy
from bot.dialogue.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from bot.dialogue.policies.rule_policy import RulePolicy

__all__ = [
    "AugmentedMemoizationPolicy",
    "InertPolicy",
    "LinearPolicy",
    "MemoizationPolicy",
    "RulePolicy",
]


@policy_registry.component("InertPolicy", aliases=("UnexpecTEDIntentPolicy",))
class InertPolicy(Policy):
    """A Rasa policy with no Destek counterpart: accepted in config.yml, never predicts."""

    inert = True

    def __init__(self, priority: int | None = None, **ignored: object) -> None:
        super().__init__(priority)

    def train(self, data: TrainingConversations, domain: Domain) -> None:
        return None

    def predict(self, context: PredictionContext) -> list[Prediction]:
        return []
