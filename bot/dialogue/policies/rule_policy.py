"""RulePolicy: rules.yml, the forms' happy path, and the core fallback.

A rule is read as Rasa reads it: a list of partial states, one before each of its
actions, holding only what the rule mentions (the intent, listed entities, slots of
``slot_was_set`` and ``condition``, the active loop). A rule predicts its next action
when its states so far match the end of the conversation, each rule state a subset of
the conversation's. The most specific match wins: more features in the latest state,
then in the one before, and so on; then the rule that comes first. ``conversation_start``
rules match only from the start of a session; a rule predicts ``action_listen`` after its
last action unless ``wait_for_user_input: false``, and that implicit listen gives way to
any rule that names an action. A rule that begins with ``slot_was_set`` or
``active_loop`` applies whenever the conversation is in that state.

Before the rules, as in Rasa, come the default intents (``/restart``, ``/back``,
``/session_start``) and an active form's happy path: while a form is active and has not
refused to run, it runs after the player speaks and the bot listens after it. Destek
adds one default of its own, after the rules: an interrupted form is asked for again
after the action that answered the interruption.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogue.conversation_state import ACTION_LISTEN
from bot.dialogue.domain import Domain
from bot.dialogue.entity_features import EntityFilter
from bot.dialogue.policies.base import (
    Policy,
    Prediction,
    PredictionContext,
    TrainingConversations,
    policy_registry,
)
from bot.dialogue.policy_states import history, slot_feature
from bot.dialogue.slot_values import tracker_slots
from bot.dialogue.story_graph import ANY_VALUE
from bot.dialogue.story_steps import (
    ActionStep,
    ActiveLoopStep,
    BotStep,
    Rule,
    SlotStep,
    Step,
    UserStep,
    linear_paths,
)
from bot.dialogue.tracker import applied_events

__all__ = ["RulePolicy"]

log = logging.getLogger(__name__)

Partial = Mapping[str, str | None]
MAX_ALTERNATIVES = 50  # straight versions of one rule with or: steps
DEFAULT_INTENT_ACTIONS = {
    "restart": "action_restart",
    "back": "action_back",
    "session_start": "action_session_start",
}


@dataclass(frozen=True, slots=True)
class _RuleKey:
    """Predict ``action`` when ``states`` match the end of the conversation."""

    rule: str
    order: int
    states: tuple[Partial, ...]
    action: str
    conversation_start: bool
    implicit: bool = False  # the listen that ends a rule, not written in it

    @property
    def weight(self) -> tuple[bool, tuple[int, ...], int]:
        """A written action beats a rule's implicit final listen; then more specific
        wins, compared state by state from the latest back; then the earlier rule."""
        specificity = tuple(len(state) for state in reversed(self.states))
        return (not self.implicit, specificity, -self.order)


def _mentions_loop(key: _RuleKey) -> bool:
    return any("loop" in state for state in key.states)


def _matches(partial: Partial, present: Mapping[str, str], taken: str | None) -> bool:
    """The state ``present`` holds what ``partial`` asks for. A form that ran from this
    state (``taken``) counts as active in it: it may have started and ended in that one
    run, when the player's message already gave every slot."""
    for key, value in partial.items():
        if key == "loop" and value is not None and value == taken:
            continue
        if present.get(key) != value:
            return False
    return True


_ANY = "\x00any"  # the index's "this key does not look at it"


def _index_keys(keys: Sequence[_RuleKey]) -> dict[tuple[str | None, str | None], list[int]]:
    """Key positions by what their last state asks of the latest intent and action."""
    index: dict[tuple[str | None, str | None], list[int]] = {}
    for position, key in enumerate(keys):
        last = key.states[-1] if key.states else {}
        intent = last.get("intent", _ANY)
        prev = last.get("prev", _ANY)
        index.setdefault((intent, prev), []).append(position)
    return index


def _entity_dicts(step: UserStep) -> list[dict[str, Any]]:
    return [{"entity": e.entity, "role": e.role, "group": e.group} for e in step.entities]


class _RuleReader:
    """Turns one rule into its keys."""

    def __init__(self, domain: Domain) -> None:
        self.slots = tracker_slots(domain)
        self.entity_filter = EntityFilter(domain)

    def keys(self, rule: Rule, order: int) -> list[_RuleKey]:
        keys: list[_RuleKey] = []
        for condition in linear_paths(rule.condition, MAX_ALTERNATIVES):
            for steps in linear_paths(rule.steps, MAX_ALTERNATIVES):
                keys.extend(self._keys(rule, order, condition, steps))
        return keys

    def _keys(
        self, rule: Rule, order: int, condition: list[Step], steps: list[Step]
    ) -> list[_RuleKey]:
        partial: dict[str, str | None] = {}
        for step in condition:
            self._constrain(partial, step)
        states: list[Partial] = []
        keys: list[_RuleKey] = []
        after_action = False

        # A rule that begins with slot_was_set/active_loop steps applies whenever the
        # conversation is in that state; one that begins with an action takes that
        # action as a precondition only.
        state_rule = bool(steps) and isinstance(steps[0], SlotStep | ActiveLoopStep)

        def emit(action: str, implicit: bool = False) -> None:
            states.append(dict(partial))
            if "prev" in partial or (state_rule and len(states) == 1):
                keys.append(
                    _RuleKey(
                        rule.name, order, tuple(states), action, rule.conversation_start, implicit
                    )
                )

        for step in steps:
            if isinstance(step, UserStep):
                if after_action:
                    emit(ACTION_LISTEN)
                    partial = {}
                partial["prev"] = ACTION_LISTEN
                intent = step.intent or (f"text:{step.text}" if step.text else None)
                if intent is not None:
                    partial["intent"] = intent
                for label in self.entity_filter(step.intent, _entity_dicts(step)):
                    partial[f"entity:{label}"] = "1"
                after_action = False
            elif isinstance(step, ActionStep | BotStep):
                name = step.name if isinstance(step, ActionStep) else f"text:{step.text}"
                emit(name)
                partial = {"prev": name}
                after_action = name != ACTION_LISTEN
            else:
                self._constrain(partial, step)
        if after_action and rule.wait_for_user_input:
            emit(ACTION_LISTEN, implicit=True)
        return keys

    def _constrain(self, partial: dict[str, str | None], step: Step) -> None:
        if isinstance(step, SlotStep):
            for slot in step.slots:
                value = ANY_VALUE if slot.any_value else slot.value
                definition = self.slots.get(slot.name)
                feature = "set" if value == ANY_VALUE else slot_feature(definition, value)
                partial[f"slot:{slot.name}"] = feature
        elif isinstance(step, ActiveLoopStep):
            partial["loop"] = step.name


@policy_registry.component(
    "RulePolicy",
    defaults={
        "core_fallback_threshold": 0.3,
        "core_fallback_action_name": "action_default_fallback",
        "enable_fallback_prediction": True,
        "restrict_rules": True,
        "check_for_contradictions": True,
    },
)
class RulePolicy(Policy):
    default_priority = 6

    def __init__(
        self,
        priority: int | None = None,
        core_fallback_threshold: float = 0.3,
        core_fallback_action_name: str = "action_default_fallback",
        enable_fallback_prediction: bool = True,
        restrict_rules: bool = True,
        check_for_contradictions: bool = True,
    ) -> None:
        super().__init__(priority)
        if not 0 <= core_fallback_threshold <= 1:
            raise ValueError("core_fallback_threshold must be between 0 and 1")
        self.core_fallback_threshold = core_fallback_threshold
        self.core_fallback_action_name = core_fallback_action_name
        self.enable_fallback_prediction = enable_fallback_prediction
        self.check_for_contradictions = check_for_contradictions
        self.keys: list[_RuleKey] = []

    def train(self, data: TrainingConversations, domain: Domain) -> None:
        reader = _RuleReader(domain)
        self.keys = [
            key for order, rule in enumerate(data.rules) for key in reader.keys(rule, order)
        ]
        self._index = _index_keys(self.keys)
        if self.check_for_contradictions:
            self._warn_contradictions()

    def _warn_contradictions(self) -> None:
        seen: dict[tuple[tuple[tuple[str, str | None], ...], ...], _RuleKey] = {}
        for key in self.keys:
            signature = tuple(tuple(sorted(s.items())) for s in key.states)
            other = seen.setdefault(signature, key)
            if other.action != key.action:
                log.warning(
                    "rules %r and %r contradict each other: the same situation leads to %r "
                    "and to %r; the first one wins",
                    other.rule, key.rule, other.action, key.action,
                )  # fmt: skip

    def predict(self, context: PredictionContext) -> list[Prediction]:
        action = self._default_intent(context) or self._loop_happy_path(context)
        if action is None:
            rule = self._from_rules(context)
            reentry = self._loop_reentry(context)
            # A rule that knows nothing of forms ("answer, then listen") does not stop an
            # interrupted form from asking its question again; one about the form does.
            if rule is not None and not (
                reentry and rule.action == ACTION_LISTEN and not _mentions_loop(rule)
            ):
                action = rule.action
            else:
                action = reentry
        if action is None or action in context.excluded:
            return []
        return [self._prediction(action, 1.0)]

    def _default_intent(self, context: PredictionContext) -> str | None:
        tracker = context.tracker
        if tracker.latest_action_name != ACTION_LISTEN:
            return None
        return DEFAULT_INTENT_ACTIONS.get(tracker.latest_message.intent_name or "")

    @staticmethod
    def _loop_happy_path(context: PredictionContext) -> str | None:
        loop = context.tracker.state.active_loop
        if loop is None or loop.rejected:
            return None
        latest = context.tracker.latest_action_name
        if latest == loop.name:
            return ACTION_LISTEN
        if latest == ACTION_LISTEN:
            return loop.name
        return None

    def _from_rules(self, context: PredictionContext) -> _RuleKey | None:
        # Rules are matched on every turn of a form, not on the folded history.
        events = applied_events(context.tracker.events, fold_loops=False)
        history_states, actions = history(events, context.domain)
        states = [dict(state) for state in history_states]
        taken: list[str | None] = [*actions, None]
        best: _RuleKey | None = None
        for key in self._candidates(states[-1] if states else {}):
            length = len(key.states)
            if length > len(states) or (key.conversation_start and length != len(states)):
                continue
            if key.action in context.excluded:
                continue
            start = len(states) - length
            # Latest state first: that is where most rules differ (the intent just said).
            matched = all(
                _matches(key.states[i], states[start + i], taken[start + i])
                for i in range(length - 1, -1, -1)
            )
            if matched and (best is None or key.weight > best.weight):
                best = key
        return best

    def _candidates(self, latest: Mapping[str, str]) -> list[_RuleKey]:
        """The keys whose last state can match ``latest``, in rule order: an index on
        the latest intent and action spares checking every rule on every turn."""
        index: dict[tuple[str | None, str | None], list[int]] | None = getattr(self, "_index", None)
        if index is None:
            index = self._index = _index_keys(self.keys)
        positions: list[int] = []
        for intent in (latest.get("intent"), _ANY):
            for prev in (latest.get("prev"), _ANY):
                positions.extend(index.get((intent, prev), ()))
        return [self.keys[i] for i in sorted(positions)]

    @staticmethod
    def _loop_reentry(context: PredictionContext) -> str | None:
        """An interrupted form asks its question again once the interruption is answered."""
        loop = context.tracker.state.active_loop
        latest = context.tracker.latest_action_name
        if loop is None or latest in (None, ACTION_LISTEN, loop.name):
            return None
        return loop.name
