"""The policies of config.yml, asked together.

Every policy ranks the next actions; the most confident prediction wins and equal
confidence goes to the higher priority. When no policy is confident enough
(``core_fallback_threshold`` of the RulePolicy, 0.3 by default) right after the player
spoke, the core fallback action answers (``action_default_fallback``). After one of the
bot's own actions the bot listens instead: saying "I did not understand" when the
player has said nothing new would be wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import ComponentConfig
from bot.dialogue.conversation_state import ACTION_LISTEN
from bot.dialogue.domain import Domain
from bot.dialogue.policies.base import (
    Policy,
    Prediction,
    PredictionContext,
    TrainingConversations,
    policy_registry,
)
from bot.dialogue.policies.rule_policy import RulePolicy
from bot.dialogue.policy_states import conversation_states
from bot.dialogue.tracker import Tracker
from bot.errors import ConfigError

__all__ = ["DEFAULT_POLICIES", "PolicyEnsemble"]

DEFAULT_POLICIES = ("RulePolicy", "MemoizationPolicy", "LinearPolicy")
FALLBACK_POLICY = "CoreFallback"


class PolicyEnsemble:
    def __init__(self, policies: Sequence[Policy]) -> None:
        if not policies:
            raise ConfigError("config.yml lists no usable policy")
        self.policies = list(policies)
        rules = next((p for p in self.policies if isinstance(p, RulePolicy)), None)
        self.fallback_threshold = rules.core_fallback_threshold if rules else 0.3
        self.fallback_action = (
            rules.core_fallback_action_name if rules else "action_default_fallback"
        )

    @classmethod
    def from_config(cls, specs: Sequence[ComponentConfig] | None) -> PolicyEnsemble:
        """The policies config.yml names (the defaults when it names none)."""
        if not specs:
            return cls([policy_registry.create(name) for name in DEFAULT_POLICIES])
        policies = []
        for spec in specs:
            try:
                policy = policy_registry.create(spec.name, spec.options)
            except ConfigError as exc:
                raise ConfigError(f"{spec.source}: {exc}") from None
            if policy is not None and not getattr(policy, "inert", False):
                policies.append(policy)
        return cls(policies)

    @property
    def names(self) -> list[str]:
        return [policy.name for policy in self.policies]

    def train(self, data: TrainingConversations, domain: Domain) -> None:
        for policy in self.policies:
            policy.train(data, domain)

    def predict(self, context: PredictionContext) -> Prediction:
        candidates = [
            prediction
            for policy in self.policies
            for prediction in policy.predict(context)
            if prediction.action not in context.excluded
        ]
        best = max(candidates, key=lambda p: (p.confidence, p.priority), default=None)
        if best is not None and best.confidence >= self.fallback_threshold:
            return best
        confidence = best.confidence if best is not None else 0.0
        if context.tracker.latest_action_name == ACTION_LISTEN:
            action = self.fallback_action
            if action not in context.excluded:
                return Prediction(action, confidence, FALLBACK_POLICY, 0)
        return Prediction(ACTION_LISTEN, confidence, FALLBACK_POLICY, 0)

    def predict_for(
        self, tracker: Tracker, domain: Domain, excluded: frozenset[str] = frozenset()
    ) -> Prediction:
        """The next action for ``tracker``."""
        states = conversation_states(tracker.applied_events(), domain)
        return self.predict(PredictionContext(tracker, domain, states, excluded))
