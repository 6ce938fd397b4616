"""MemoizationPolicy: the stories, remembered turn by turn.

For every action of every story, the last ``max_history`` states before it (slots that
do not influence the conversation left out) are remembered with the action. At run time
an exact match of the conversation's last states predicts that action with confidence 1.
A history that led to different actions in different stories is forgotten: it decides
nothing. ``AugmentedMemoizationPolicy`` also tries shorter histories, forgetting the
oldest turns one by one, so a remembered ending is found after a different beginning.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogue.domain import Domain
from bot.dialogue.policies.base import (
    Policy,
    Prediction,
    PredictionContext,
    TrainingConversations,
    policy_registry,
)
from bot.dialogue.policy_states import State, action_states, influential

__all__ = ["AugmentedMemoizationPolicy", "MemoizationPolicy"]

History = tuple[State | None, ...]
_AMBIGUOUS = ""


@policy_registry.component("MemoizationPolicy", defaults={"max_history": 5})
class MemoizationPolicy(Policy):
    default_priority = 3
    shorter_histories = False

    def __init__(self, priority: int | None = None, max_history: int | None = 5) -> None:
        super().__init__(priority)
        if max_history is not None and max_history < 1:
            raise ValueError("max_history must be at least 1")
        self.max_history = max_history or 5
        self.lookup: dict[History, str] = {}

    def _history(self, states: Sequence[State], end: int, length: int) -> History:
        window: list[State | None] = list(states[max(0, end - length) : end])
        return tuple([None] * (length - len(window)) + window)

    def train(self, data: TrainingConversations, domain: Domain) -> None:
        self.lookup = {}
        lengths = range(self.max_history, 0, -1) if self.shorter_histories else [self.max_history]
        for conversation in data.stories:
            pairs = action_states(conversation, domain)
            states = [influential(state, domain) for state, _ in pairs]
            for index, (_, action) in enumerate(pairs):
                for length in lengths:
                    key = self._history(states, index + 1, length)
                    known = self.lookup.setdefault(key, action)
                    if known != action:
                        self.lookup[key] = _AMBIGUOUS

    def predict(self, context: PredictionContext) -> list[Prediction]:
        states = [influential(state, context.domain) for state in context.states]
        lengths = range(self.max_history, 0, -1) if self.shorter_histories else [self.max_history]
        for length in lengths:
            if self.shorter_histories and length > len(states):
                continue
            action = self.lookup.get(self._history(states, len(states), length))
            if action and action not in context.excluded:
                return [self._prediction(action, 1.0)]
        return []


@policy_registry.component("AugmentedMemoizationPolicy", defaults={"max_history": 5})
class AugmentedMemoizationPolicy(MemoizationPolicy):
    shorter_histories = True
