"""What every policy shares: its predictions, what it predicts from, and the registry.

A policy learns from the conversations stories and rules tell (see
:mod:`bot.dialogue.story_graph`) and, at run time, ranks the next actions for a
conversation. :class:`bot.dialogue.policies.ensemble.PolicyEnsemble` asks each one and
keeps the most confident answer; equal confidence goes to the higher ``priority``
(rules 6, memoization 3, the learned policy 1, as in Rasa).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from bot.dialogue.domain import Domain
from bot.dialogue.events import Event
from bot.dialogue.policy_states import State
from bot.dialogue.story_steps import Rule
from bot.dialogue.tracker import Tracker
from bot.nlu.registry import ComponentRegistry

__all__ = [
    "Policy",
    "PolicyRegistry",
    "Prediction",
    "PredictionContext",
    "TrainingConversations",
    "policy_registry",
]


@dataclass(frozen=True, slots=True)
class Prediction:
    action: str
    confidence: float
    policy: str
    priority: int


@dataclass(frozen=True, slots=True)
class PredictionContext:
    """A conversation at the moment the next action is chosen.

    ``states`` are the states before each past action of the session, then the state
    now (:func:`bot.dialogue.policy_states.conversation_states`); ``excluded`` are actions that
    refused to run this turn and must not be predicted again.
    """

    tracker: Tracker
    domain: Domain
    states: Sequence[State]
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TrainingConversations:
    """What the policies learn from: the stories' conversations and the rules."""

    stories: Sequence[Sequence[Event]] = ()
    rules: Sequence[Rule] = ()
    rule_conversations: Sequence[Sequence[Event]] = field(default=())


class Policy(ABC):
    """A dialogue policy; subclasses register with :data:`policy_registry`."""

    default_priority: ClassVar[int] = 1
    component_name: ClassVar[str] = "Policy"

    def __init__(self, priority: int | None = None) -> None:
        self.priority = self.default_priority if priority is None else priority

    @property
    def name(self) -> str:
        return type(self).component_name

    @abstractmethod
    def train(self, data: TrainingConversations, domain: Domain) -> None:
        """Learn from ``data``."""

    @abstractmethod
    def predict(self, context: PredictionContext) -> list[Prediction]:
        """The actions this policy would take next, most confident first (may be empty)."""

    def _prediction(self, action: str, confidence: float) -> Prediction:
        return Prediction(action, confidence, self.name, self.priority)


class PolicyRegistry(ComponentRegistry):
    """The policy names of config.yml's ``policies:`` (and Rasa's names for them)."""

    def _load_builtins(self) -> None:
        import bot.dialogue.policies.builtin  # noqa: F401  (registers the policies)


policy_registry = PolicyRegistry()
