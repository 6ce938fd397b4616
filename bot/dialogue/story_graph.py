"""Stories and rules as conversations: the event sequences the policies learn from.

Stories are joined at their checkpoints (``- checkpoint: name``) and every ``or:`` is
expanded into its alternatives, so each result is one straight conversation. The
number of conversations is capped (``max_paths``): a graph of checkpoints can multiply
without end, and a warning says when the cap cut it short.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogue.conversation_state import ACTION_LISTEN
from bot.dialogue.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from bot.dialogue.story_steps import (
    ActionStep,
    ActiveLoopStep,
    BotStep,
    CheckpointStep,
    Rule,
    SlotStep,
    Step,
    Story,
    UserStep,
    linear_paths,
)

__all__ = ["ANY_VALUE", "rule_events", "step_events", "story_conversations", "user_event"]

log = logging.getLogger(__name__)

ANY_VALUE = "__any__"
"""The value a bare ``- slot_name`` step gives its slot: "set to something"."""
START = "STORY_START"


def user_event(step: UserStep) -> UserUttered:
    """The user turn of a story step, as if NLU had read exactly this."""
    parse: dict[str, Any] = {
        "entities": [
            {"entity": e.entity, "value": e.value, **_role_group(e.role, e.group)}
            for e in step.entities
        ]
    }
    if step.intent is not None:
        parse["intent"] = {"name": step.intent, "confidence": 1.0}
    return UserUttered(text=step.text, parse_data=parse, timestamp=0.0)


def _role_group(role: str | None, group: str | None) -> dict[str, str]:
    extra = {}
    if role is not None:
        extra["role"] = role
    if group is not None:
        extra["group"] = group
    return extra


def step_events(step: Step, listening: bool) -> list[Event]:
    """The events of one (non-``or``, non-checkpoint) step; ``listening``: the bot has
    already listened, so a user turn needs no ``action_listen`` before it."""
    match step:
        case UserStep():
            head: list[Event] = [] if listening else [ActionExecuted(ACTION_LISTEN, timestamp=0.0)]
            return [*head, user_event(step)]
        case ActionStep():
            return [ActionExecuted(step.name, timestamp=0.0)]
        case BotStep():
            return [ActionExecuted(None, action_text=step.text, timestamp=0.0)]
        case SlotStep():
            return [
                SlotSet(s.name, ANY_VALUE if s.any_value else s.value, timestamp=0.0)
                for s in step.slots
            ]
        case ActiveLoopStep():
            return [ActiveLoop(step.name, timestamp=0.0)]
    return []


@dataclass(frozen=True, slots=True)
class _Segment:
    name: str
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    steps: tuple[Step, ...]


def _segments(stories: Sequence[Story], limit: int) -> list[_Segment]:
    out = []
    for story in stories:
        steps = list(story.steps)
        starts: list[str] = []
        while steps and isinstance(first := steps[0], CheckpointStep):
            starts.append(first.name)
            steps.pop(0)
        ends: list[str] = []
        while steps and isinstance(last := steps[-1], CheckpointStep):
            ends.insert(0, last.name)
            steps.pop()
        # a checkpoint in the middle only names a place; it joins nothing
        body = [s for s in steps if not isinstance(s, CheckpointStep)]
        for path in linear_paths(body, limit):
            out.append(_Segment(story.name, tuple(starts) or (START,), tuple(ends), tuple(path)))
    return out


def story_conversations(stories: Sequence[Story], max_paths: int = 2000) -> list[list[Event]]:
    """Every conversation the stories tell, each starting with the bot listening."""
    segments = _segments(stories, max_paths)
    by_start: dict[str, list[_Segment]] = {}
    for segment in segments:
        for name in segment.starts:
            by_start.setdefault(name, []).append(segment)
    for segment in segments:
        for name in segment.ends:
            if name not in by_start:
                log.warning(
                    "story %r ends at checkpoint %r, which no story continues", segment.name, name
                )
    conversations: list[list[Event]] = []
    pending: list[tuple[list[Step], _Segment, int]] = [([], s, 0) for s in by_start.get(START, [])]
    cut = False
    while pending:
        prefix, segment, depth = pending.pop(0)
        steps = prefix + list(segment.steps)
        followers = [f for name in segment.ends for f in by_start.get(name, [])]
        if not followers or depth >= 5:
            if len(conversations) >= max_paths:
                cut = True
                break
            conversations.append(_events(steps))
            continue
        for follower in followers:
            pending.append((steps, follower, depth + 1))
    if cut:
        log.warning(
            "stories expand to more than %d conversations; the rest are not learned", max_paths
        )
    return conversations


def _events(steps: Sequence[Step]) -> list[Event]:
    events: list[Event] = [ActionExecuted(ACTION_LISTEN, timestamp=0.0)]
    listening = True
    for step in steps:
        new = step_events(step, listening)
        events.extend(new)
        if isinstance(step, UserStep):
            listening = False
        elif isinstance(step, ActionStep | BotStep):
            listening = isinstance(step, ActionStep) and step.name == ACTION_LISTEN
    if not listening:
        events.append(ActionExecuted(ACTION_LISTEN, timestamp=0.0))
    return events


def rule_events(rule: Rule, max_paths: int = 50) -> list[list[Event]]:
    """The conversations a rule stands for: its conditions, then its steps.

    A rule that begins with the player starts with the bot listening; one that begins
    with an action has no state before that action to learn from.
    """
    out = []
    for condition in linear_paths(rule.condition, max_paths):
        for steps in linear_paths(rule.steps, max_paths):
            events: list[Event] = []
            for step in condition:
                events.extend(step_events(step, True))
            starts_with_user = bool(steps) and isinstance(steps[0], UserStep)
            if starts_with_user:
                events.append(ActionExecuted(ACTION_LISTEN, timestamp=0.0))
            listening = starts_with_user
            for step in steps:
                events.extend(step_events(step, listening))
                if isinstance(step, UserStep):
                    listening = False
            if rule.wait_for_user_input and not listening:
                events.append(ActionExecuted(ACTION_LISTEN, timestamp=0.0))
            out.append(events)
    return out
