"""``bot data validate``: cross-checks of NLU data, domain, stories, rules and config.

Each check yields :class:`Issue`s whose codes, levels and messages come from
:mod:`bot.validation_codes`. Problems the readers found while loading (duplicate
examples, synonym conflicts, ...) come in as ``DataWarning``s and are reported the same way.
What the examples themselves say (too few, too many, twice, no words) is checked in
:mod:`bot.workbench.nlu_data_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bot.config import ProjectConfig
from bot.dialogue.domain import DEFAULT_INTENTS, DEFAULT_SLOTS, Domain, Slot, SlotMapping
from bot.dialogue.slot_values import read_slot_value
from bot.dialogue.story_steps import (
    ActionStep,
    ActiveLoopStep,
    OrStep,
    Rule,
    SlotStep,
    Step,
    Story,
    UserStep,
    flat_steps,
)
from bot.nlu.training_data import TrainingData
from bot.validation_codes import Issue, level_of
from bot.validation_codes import issue as _issue
from bot.workbench.nlu_data_checks import example_issues
from bot.yaml_io import DataWarning

__all__ = ["Issue", "validate_project"]


def _base_intent(name: str) -> str:
    """``faq/ask_name`` is declared in the domain as ``faq``."""
    return name.split("/", 1)[0]


def _check_nlu(domain: Domain, data: TrainingData) -> Iterator[Issue]:
    declared = set(domain.intent_names) | set(DEFAULT_INTENTS)
    first_example: dict[str, str] = {}
    for example in data.intent_examples:
        first_example.setdefault(str(example.intent), example.source)
    bases: set[str] = set()
    for name, source in first_example.items():
        base = _base_intent(name)
        if base not in declared and base not in bases:
            yield _issue("D101", source, intent=base)
        bases.add(base)
    for intent in domain.intents:
        if intent.name not in bases and intent.name not in DEFAULT_INTENTS:
            yield _issue("D102", intent.source, intent=intent.name)
    entities = set(domain.entity_names)
    seen: set[str] = set()
    for example in data.examples:
        for span in example.entities:
            if span.entity not in entities and span.entity not in seen:
                seen.add(span.entity)
                yield _issue("D107", example.source, entity=span.entity)
    for regex in data.regexes:
        try:
            re.compile(regex.pattern)
        except re.error as exc:
            yield _issue("D109", regex.source, name=regex.name, reason=str(exc))
    yield from _unannotated_patterns(data, entities)


def _unannotated_patterns(data: TrainingData, entities: set[str]) -> Iterator[Issue]:
    """A regex or lookup table named after a domain entity finds it only if some example
    annotates that entity (as in Rasa), unless no example annotates anything."""
    annotated = {span.entity for example in data.examples for span in example.entities}
    if not annotated:
        return
    reported: set[str] = set()
    named = [(r.name, r.source) for r in data.regexes] + [(t.name, t.source) for t in data.lookups]
    for name, source in named:
        if name in entities and name not in annotated and name not in reported:
            reported.add(name)
            yield _issue("D113", source, name=name)


def _check_domain(domain: Domain) -> Iterator[Issue]:
    entities = set(domain.entity_names)
    intents = set(domain.intent_names) | set(DEFAULT_INTENTS)
    for slot in domain.slots.values():
        if slot.type == "categorical" and not slot.values:
            yield _issue("D204", slot.source, slot=slot.name)
        for mapping in slot.mappings:
            if mapping.entity is not None and mapping.entity not in entities:
                yield _issue("D201", mapping.source, slot=slot.name, entity=mapping.entity)
            for intent in (*mapping.intent, *mapping.not_intent):
                if intent not in intents:
                    yield _issue("D202", mapping.source, slot=slot.name, intent=intent)
            yield from _check_mapping_value(slot, mapping)
    for action in domain.actions:
        if action.startswith("utter_") and action not in domain.responses:
            source = domain.action_sources.get(action, "")
            yield _issue("D206", source, action=action)
    for form in domain.forms.values():
        for slot_name in form.required_slots:
            if slot_name not in domain.slots:
                yield _issue("D203", form.source, form=form.name, slot=slot_name)


def _check_mapping_value(slot: Slot, mapping: SlotMapping) -> Iterator[Issue]:
    """A ``value:`` of a from_intent mapping that does not fit the slot's type."""
    if mapping.type not in ("from_intent", "from_trigger_intent"):
        return
    misfit = read_slot_value(slot, mapping.value).misfit
    if misfit is not None:
        yield _issue("D207", mapping.source, misfit=misfit, mapping=mapping.type)


class _StoryChecker:
    """Checks the steps of stories and rules against the domain, each problem once."""

    def __init__(self, domain: Domain, retrieval_intents: set[str]) -> None:
        self.domain = domain
        self.retrieval_intents = retrieval_intents
        self.intents = set(domain.intent_names) | set(DEFAULT_INTENTS)
        self.entities = set(domain.entity_names)
        self.slots = set(domain.slots) | set(DEFAULT_SLOTS)
        self.reported: set[tuple[str, str]] = set()

    def _once(self, code: str, name: str, source: str, **fields: Any) -> Iterator[Issue]:
        if (code, name) not in self.reported:
            self.reported.add((code, name))
            yield _issue(code, source, **fields)

    def check(self, kind: str, name: str, steps: Iterable[Step]) -> Iterator[Issue]:
        block = f"{kind} {name!r}"
        for step in flat_steps(steps):
            src = step.source
            if isinstance(step, UserStep):
                if step.intent and _base_intent(step.intent) not in self.intents:
                    yield from self._once("D301", step.intent, src, block=block, intent=step.intent)
                for entity in step.entities:
                    if entity.entity not in self.entities:
                        ent = entity.entity
                        yield from self._once("D304", ent, src, block=block, entity=ent)
            elif isinstance(step, ActionStep) and not self._is_action(step.name):
                code = "D303" if step.name.startswith("utter_") else "D302"
                yield from self._once(code, step.name, src, block=block, action=step.name)
            elif isinstance(step, SlotStep):
                for slot in step.slots:
                    if slot.name not in self.slots:
                        yield from self._once("D305", slot.name, src, block=block, slot=slot.name)
            elif isinstance(step, ActiveLoopStep) and not self._is_loop(step.name):
                yield from self._once("D306", str(step.name), src, block=block, form=step.name)

    def _is_action(self, name: str) -> bool:
        """Known; for ``utter_x``: a response exists (or ``x`` is a retrieval intent)."""
        if name.startswith("utter_"):
            responses = self.domain.responses
            return (
                name in responses
                or any(key.startswith(name + "/") for key in responses)
                or name.removeprefix("utter_") in self.retrieval_intents
            )
        return self.domain.knows_action(name)

    def _is_loop(self, name: str | None) -> bool:
        return name is None or self.domain.knows_action(name)


def _step_key(step: Step) -> tuple[Any, ...]:
    """What a step means for prediction, without where it was written."""
    if isinstance(step, UserStep):
        return ("user", step.intent, step.text, tuple(sorted(e.entity for e in step.entities)))
    if isinstance(step, SlotStep):
        return ("slots", tuple((s.name, repr(s.value), s.any_value) for s in step.slots))
    if isinstance(step, OrStep):
        return ("or", tuple(_step_key(option) for option in step.options))
    return (type(step).__name__, getattr(step, "name", None) or getattr(step, "text", None))


def _rule_prediction(rule: Rule) -> tuple[tuple[Any, ...], str] | None:
    """(context up to the first user turn, the action predicted after it), if any."""
    for index, step in enumerate(rule.steps):
        if isinstance(step, UserStep):
            after = (s for s in rule.steps[index + 1 :] if isinstance(s, ActionStep))
            action = next(after, None)
            if action is None:
                return None
            context = (
                tuple(_step_key(s) for s in rule.condition),
                rule.conversation_start,
                tuple(_step_key(s) for s in rule.steps[: index + 1]),
            )
            return context, action.name
    return None


def _check_rule_conflicts(rules: Sequence[Rule]) -> Iterator[Issue]:
    first: dict[tuple[Any, ...], tuple[Rule, str]] = {}
    for rule in rules:
        prediction = _rule_prediction(rule)
        if prediction is None:
            continue
        context, action = prediction
        earlier = first.setdefault(context, (rule, action))
        if earlier[1] != action:
            other = earlier[0]
            yield _issue(
                "D307", rule.source, rule=rule.name, other=other.name, first=other.source,
                action=action, other_action=earlier[1],
            )  # fmt: skip


def _check_names(kind: str, blocks: Sequence[Story] | Sequence[Rule]) -> Iterator[Issue]:
    first: dict[str, str] = {}
    for block in blocks:
        if not block.name:
            yield _issue("D308", block.source, kind=kind)
            continue
        earlier = first.setdefault(block.name, block.source)
        if earlier != block.source:
            yield _issue("D309", block.source, kind=kind, name=block.name, first=earlier)


def _check_config(config: ProjectConfig | None, rules: Sequence[Rule]) -> Iterator[Issue]:
    if config is None or config.policies is None or not rules:
        return
    if not any(policy.name == "RulePolicy" for policy in config.policies):
        yield _issue("D401", config.policies[0].source)


def validate_project(
    domain: Domain,
    training_data: TrainingData,
    stories: Sequence[Story],
    rules: Sequence[Rule],
    config: ProjectConfig | None = None,
    *,
    nlu_warnings: Iterable[DataWarning] = (),
) -> list[Issue]:
    """Every problem found, errors first, each naming ``file:line``.

    ``nlu_warnings`` are what ``load_nlu(..., strict=False)`` returned; the domain's own
    reading warnings are included automatically.
    """
    issues = [
        Issue(level_of(w.code), w.code or "D000", w.source, w.message)
        for w in (*nlu_warnings, *domain.warnings)
    ]
    issues.extend(_check_nlu(domain, training_data))
    issues.extend(example_issues(training_data, config))
    issues.extend(_check_domain(domain))
    retrieval = {_base_intent(i) for i in training_data.intents if "/" in i}
    checker = _StoryChecker(domain, retrieval)
    for story in stories:
        issues.extend(checker.check("story", story.name, story.steps))
    for rule in rules:
        issues.extend(checker.check("rule", rule.name, (*rule.condition, *rule.steps)))
    issues.extend(_check_rule_conflicts(rules))
    issues.extend(_check_names("story", stories))
    issues.extend(_check_names("rule", rules))
    issues.extend(_check_config(config, rules))
    return sorted(issues, key=lambda i: (i.level != "error", i.code))
