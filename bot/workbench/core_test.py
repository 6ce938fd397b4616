"""``bot test core``: replay test stories against a trained model, as ``rasa test`` does.

Each test story is replayed turn by turn. A user step with text goes through NLU; a
predicted intent other than the story's fails the story, and the story's intent (with
NLU's entities when the step names none) is what the conversation records. Slots are
then filled from the message as the engine fills them. For each ``action:`` step the
policies predict the next action and the prediction is compared; then the story's own
events are applied, so one mistake does not derail the rest. Actions are never run.
After the last action of a bot turn the policies must predict ``action_listen`` (not at
the end of a story that hands over: the engine falls silent after ``action_handoff``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.dialogue.conversation_state import ACTION_LISTEN
from bot.dialogue.domain import DEFAULT_INTENTS, Domain
from bot.dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from bot.dialogue.handoff import HANDOFF_ACTION
from bot.dialogue.policies import PolicyEnsemble
from bot.dialogue.slot_filling import extract_slots
from bot.dialogue.slot_values import tracker_slots
from bot.dialogue.story_graph import ANY_VALUE, user_event
from bot.dialogue.story_steps import (
    ActionStep,
    ActiveLoopStep,
    BotStep,
    CheckpointStep,
    SlotStep,
    Step,
    Story,
    UserStep,
    flat_steps,
    linear_paths,
)
from bot.dialogue.tracker import Tracker
from bot.errors import DataError, ModelError
from bot.workbench.core_test_report import CoreTestReport, Mistake, StoryResult, write_reports

__all__ = ["BatchParser", "check_story_names", "evaluate_stories", "run_story_tests"]

BatchParser = Callable[[Sequence[str]], list[dict[str, Any]]]
"""NLU over many texts at once: each text → Rasa's parse data."""

MAX_PATHS = 20


def check_story_names(stories: Sequence[Story], domain: Domain) -> None:
    """A :class:`DataError` (``file:line``) for an intent, action or slot the domain lacks."""
    for story in stories:
        for step in flat_steps(story.steps):
            unknown = _unknown_name(step, domain)
            if unknown is not None:
                raise DataError(f"{step.source}: {unknown}")


def _unknown_name(step: Step, domain: Domain) -> str | None:
    match step:
        case UserStep(intent=str(intent)) if intent not in {*domain.intent_names, *DEFAULT_INTENTS}:
            return f"unknown intent {intent!r}"
        case ActionStep(name=name) if not domain.knows_action(name):
            return f"unknown action {name!r}"
        case SlotStep(slots=slots):
            known = tracker_slots(domain)
            missing = [s.name for s in slots if s.name not in known]
            return f"unknown slot {missing[0]!r}" if missing else None
        case ActiveLoopStep(name=str(loop)) if not domain.knows_action(loop):
            return f"unknown form {loop!r}"
    return None


def _paths(steps: Sequence[Step]) -> list[list[Step]]:
    """Every straight version of a story; checkpoints only name places in a test story
    and are passed over."""
    return linear_paths([s for s in steps if not isinstance(s, CheckpointStep)], MAX_PATHS)


# ---- replaying ---------------------------------------------------------------------------


def evaluate_stories(
    stories: Sequence[Story],
    domain: Domain,
    policies: PolicyEnsemble,
    parse_batch: BatchParser | None = None,
) -> CoreTestReport:
    """Replay every test story; ``parse_batch`` None takes the stories' intents as NLU's."""
    check_story_names(stories, domain)
    texts = sorted(_texts(stories))
    parses = dict(zip(texts, parse_batch(texts), strict=True)) if parse_batch and texts else {}
    results: list[StoryResult] = []
    expected: list[str] = []
    predicted: list[str] = []
    for story in stories:
        for index, path in enumerate(_paths(story.steps)):
            name = story.name if index == 0 else f"{story.name} ({index + 1})"
            replay = _Replay(domain, policies, parses, name)
            for step in path:
                replay.step(step)
            replay.end()
            results.append(StoryResult(name, story.source, tuple(replay.mistakes), replay.yaml()))
            expected.extend(replay.expected)
            predicted.extend(replay.predicted)
    return CoreTestReport(tuple(results), tuple(expected), tuple(predicted))


def _texts(stories: Sequence[Story]) -> set[str]:
    return {
        step.text
        for story in stories
        for step in flat_steps(story.steps)
        if isinstance(step, UserStep) and step.text
    }


class _Replay:
    """One story path replayed on a growing tracker."""

    def __init__(
        self,
        domain: Domain,
        policies: PolicyEnsemble,
        parses: Mapping[str, Mapping[str, Any]],
        name: str,
    ) -> None:
        self.domain = domain
        self.policies = policies
        self.parses = parses
        self.tracker = Tracker.from_events(name, [ActionExecuted(ACTION_LISTEN)], domain)
        self.listening = True
        self.mistakes: list[Mistake] = []
        self.expected: list[str] = []
        self.predicted: list[str] = []
        self.lines: list[str] = [f"- story: {_quote(name)}", "  steps:"]
        self.last_source = ""

    def step(self, step: Step) -> None:
        match step:
            case UserStep():
                if not self.listening:
                    self._action(ACTION_LISTEN, step.source, write=False)
                self._user(step)
            case ActionStep():
                self._action(step.name, step.source)
            case BotStep():
                self._add([ActionExecuted(None, action_text=step.text)])
                self.lines.append(f"  - bot: {_quote(step.text)}")
                self.listening = False
            case SlotStep():
                events = [
                    SlotSet(s.name, ANY_VALUE if s.any_value else s.value) for s in step.slots
                ]
                self._add(events)
                self.lines.append("  - slot_was_set:")
                for s in step.slots:
                    value = "" if s.any_value else f": {_quote(s.value)}"
                    self.lines.append(f"    - {s.name}{value}")
            case ActiveLoopStep():
                self._add([ActiveLoop(step.name)])
                self.lines.append(f"  - active_loop: {_quote(step.name)}")

    def end(self) -> None:
        """At the end the bot listens, unless it just handed over: then it falls silent."""
        if not self.listening and self.tracker.latest_action_name != HANDOFF_ACTION:
            self._action(ACTION_LISTEN, self.last_source, write=False)

    def yaml(self) -> tuple[str, ...]:
        return tuple(self.lines)

    def _add(self, events: Sequence[Event]) -> None:
        ready, _problems = self.tracker.prepare_events(events)  # "any value" may not coerce
        self.tracker = self.tracker.with_events(ready)

    def _user(self, step: UserStep) -> None:
        event = user_event(step)
        parse = self.parses.get(step.text or "")
        comment = ""
        if parse is not None:
            found = (parse.get("intent") or {}).get("name")
            if step.intent is not None and found != step.intent:
                self.mistakes.append(Mistake("intent", step.intent, str(found), step.source))
                comment = f"  # predicted: {found}"
            entities = event.entities if step.entities else list(parse.get("entities") or [])
            data = {
                **parse,
                "intent": {"name": step.intent or found, "confidence": 1.0},
                "entities": entities,
            }
            event = UserUttered(text=step.text, parse_data=data, timestamp=0.0)
        self.lines.extend(_user_lines(step, comment))
        self._add([event])
        self._add(list(extract_slots(self.tracker, self.domain, event).events))
        self.listening = False
        self.last_source = step.source

    def _action(self, name: str, source: str, write: bool = True) -> None:
        found = self.policies.predict_for(self.tracker, self.domain).action
        loop = self.tracker.active_loop_name
        if found == loop and name != loop:
            # As in Rasa: the story says the form did not take this message, so emulate
            # its refusal and let the policies choose again.
            self._add([ActionExecutionRejected(loop)])
            found = self.policies.predict_for(self.tracker, self.domain, frozenset({loop})).action
        self.expected.append(name)
        self.predicted.append(found)
        comment = ""
        if found != name:
            self.mistakes.append(Mistake("action", name, found, source))
            comment = f"  # predicted: {found}"
        if write or comment:
            self.lines.append(f"  - action: {name}{comment}")
        self._add([ActionExecuted(name)])
        self.listening = name == ACTION_LISTEN
        self.last_source = source


def _user_lines(step: UserStep, comment: str) -> list[str]:
    if step.text:
        lines = [f"  - user: {_quote(step.text)}"]
        if step.intent is not None:
            lines.append(f"    intent: {step.intent}{comment}")
    else:
        lines = [f"  - intent: {step.intent}"]
    if step.entities:
        lines.append("    entities:")
        for entity in step.entities:
            value = "" if entity.value is None else f": {_quote(entity.value)}"
            lines.append(f"    - {entity.entity}{value}")
    return lines


def _quote(value: Any) -> str:
    """A YAML scalar: JSON's quoting, which YAML reads the same way."""
    return json.dumps(value, ensure_ascii=False)


def run_story_tests(model_path: Path, story_paths: Sequence[Path], out_dir: Path) -> CoreTestReport:
    """``bot test core``: the model's policies (and NLU) on the test stories of ``story_paths``."""
    from bot.dialogue.story_reader import load_stories
    from bot.model_storage import load_model
    from bot.nlu.pipeline import parse_result

    model = load_model(model_path)
    if model.core is None:
        raise ModelError(f"model {model.name} has no dialogue policies; train it with 'bot train'")
    stories = load_stories(list(story_paths), skip_tests=False).stories
    if not stories:
        where = ", ".join(map(str, story_paths))
        raise DataError(f"{where}: no test stories found")
    nlu = model.nlu

    def parse_batch(texts: Sequence[str]) -> list[dict[str, Any]]:
        assert nlu is not None
        return [parse_result(m) for m in nlu.parse_batch(texts)]

    report = evaluate_stories(
        stories, model.core.domain, model.core.policies, parse_batch if nlu else None
    )
    write_reports(report, out_dir)
    return report
