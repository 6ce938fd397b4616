"""LinearPolicy: a learned policy that generalises to conversations no story tells.

Each of the last ``max_history`` states becomes features tagged with how far back it
lies (``0|intent=balance``, ``1|prev=utter_greet``...), the most recent weighing most.
A multinomial logistic regression learns the next action from every story and rule.
Each training example is also learned with its history cut short, so the policy leans
on the latest turns and is not thrown by an opening no story had. It stands in for
Rasa's ``TEDPolicy``: the same place in config.yml, trained in well under a second.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from bot.dialogue.domain import Domain
from bot.dialogue.policies.base import (
    Policy,
    Prediction,
    PredictionContext,
    TrainingConversations,
    policy_registry,
)
from bot.dialogue.policy_states import State, action_states, influential

__all__ = ["LinearPolicy"]


@policy_registry.component(
    "LinearPolicy",
    defaults={"max_history": 5, "C": 10.0, "decay": 0.5},
    aliases=("TEDPolicy",),
)
class LinearPolicy(Policy):
    default_priority = 1

    def __init__(
        self,
        priority: int | None = None,
        max_history: int | None = 5,
        C: float = 10.0,
        decay: float = 0.5,
        **ignored: object,  # TEDPolicy's options (epochs, constrain_similarities...)
    ) -> None:
        super().__init__(priority)
        if max_history is not None and max_history < 1:
            raise ValueError("max_history must be at least 1")
        if C <= 0 or not 0 < decay <= 1:
            raise ValueError("C must be positive and decay in (0, 1]")
        self.max_history = max_history or 5
        self.C = C
        self.decay = decay
        self.vectorizer: DictVectorizer | None = None
        self.model: LogisticRegression | None = None
        self.only_action: str | None = None

    def _features(self, states: Sequence[State]) -> dict[str, float]:
        features: dict[str, float] = {}
        for back, state in enumerate(reversed(states[-self.max_history :])):
            weight = self.decay**back
            for key, value in state:
                features[f"{back}|{key}={value}"] = weight
        if len(states) < self.max_history:
            features[f"start@{len(states)}"] = 1.0
        return features

    def train(self, data: TrainingConversations, domain: Domain) -> None:
        samples: list[dict[str, float]] = []
        labels: list[str] = []
        seen: set[tuple[frozenset[tuple[str, float]], str]] = set()
        for conversation in [*data.stories, *data.rule_conversations]:
            pairs = action_states(conversation, domain)
            states = [influential(state, domain) for state, _ in pairs]
            for index, (_, action) in enumerate(pairs):
                history = states[max(0, index + 1 - self.max_history) : index + 1]
                for cut in range(len(history)):
                    features = self._features(history[cut:])
                    key = (frozenset(features.items()), action)
                    if key not in seen:
                        seen.add(key)
                        samples.append(features)
                        labels.append(action)
        self.vectorizer, self.model, self.only_action = None, None, None
        if len(set(labels)) == 1:
            self.only_action = labels[0]
        if len(set(labels)) < 2:
            return
        self.vectorizer = DictVectorizer()
        matrix = self.vectorizer.fit_transform(samples)
        self.model = LogisticRegression(C=self.C, max_iter=2000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on tiny data sets
            self.model.fit(matrix, labels)

    def probabilities(self, features: dict[str, float]) -> np.ndarray:
        """``predict_proba`` for one sample, computed straight from the weights: a turn
        needs one row, and scikit-learn's input checks cost more than the arithmetic."""
        assert self.model is not None and self.vectorizer is not None
        vocabulary = self.vectorizer.vocabulary_
        weights = self.model.coef_
        scores = np.array(self.model.intercept_, dtype=float)
        for name, value in features.items():
            column = vocabulary.get(name)
            if column is not None:
                scores += weights[:, column] * value
        if weights.shape[0] == 1:  # two actions: one logistic unit
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - positive, positive])
        exponentials = np.exp(scores - scores.max())
        return np.asarray(exponentials / exponentials.sum())

    def predict(self, context: PredictionContext) -> list[Prediction]:
        if self.model is None or self.vectorizer is None:
            if self.only_action and self.only_action not in context.excluded:
                return [self._prediction(self.only_action, 1.0)]
            return []
        states = [influential(state, context.domain) for state in context.states]
        probabilities = self.probabilities(self._features(states))
        order = np.argsort(-probabilities)
        classes = self.model.classes_
        return [
            self._prediction(str(classes[i]), float(probabilities[i]))
            for i in order[:5]
            if str(classes[i]) not in context.excluded
        ]
