"""What stories, rules and test stories are made of: typed steps.

:mod:`bot.dialogue.story_reader` builds them from YAML; ``source`` (``file:line``) is kept
for messages and left out of comparisons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.nlu.training_data import EntitySpan

__all__ = [
    "ActionStep",
    "ActiveLoopStep",
    "BotStep",
    "CheckpointStep",
    "OrStep",
    "Rule",
    "SlotSet",
    "SlotStep",
    "Step",
    "Story",
    "StoryData",
    "StoryEntity",
    "UserStep",
    "flat_steps",
    "linear_paths",
]


@dataclass(frozen=True, slots=True)
class StoryEntity:
    """An entity of a user turn; ``value`` None means "any value" (``- entities: [name]``)."""

    entity: str
    value: Any = None
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class UserStep:
    """A user turn: an intent, end-to-end text (``spans`` index into it), or both."""

    intent: str | None
    entities: tuple[StoryEntity, ...] = ()
    text: str | None = None
    spans: tuple[EntitySpan, ...] = ()
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ActionStep:
    name: str
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class BotStep:
    """End-to-end bot text (``- bot: ...``) in place of an action name."""

    text: str
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class SlotSet:
    """``- slot: value``; ``any_value`` for a bare ``- slot`` (set to something)."""

    name: str
    value: Any = None
    any_value: bool = False


@dataclass(frozen=True, slots=True)
class SlotStep:
    slots: tuple[SlotSet, ...]
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ActiveLoopStep:
    """A form becomes active; ``name`` None means no form is active any more."""

    name: str | None
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class CheckpointStep:
    """A named joint between stories; ``conditions`` (slot_was_set) must hold to pass it."""

    name: str
    conditions: tuple[SlotSet, ...] = ()
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class OrStep:
    """Any one of several user turns (or slot events) continues the story."""

    options: tuple[UserStep | SlotStep, ...]
    source: str = field(default="", compare=False)


Step = UserStep | ActionStep | BotStep | SlotStep | ActiveLoopStep | CheckpointStep | OrStep


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    steps: tuple[Step, ...]
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    steps: tuple[Step, ...]
    condition: tuple[Step, ...] = ()
    conversation_start: bool = False
    wait_for_user_input: bool = True
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class StoryData:
    stories: tuple[Story, ...] = ()
    rules: tuple[Rule, ...] = ()


def flat_steps(steps: Iterable[Step]) -> Iterator[Step]:
    """Every step, the options of each ``or:`` in its place."""
    for step in steps:
        if isinstance(step, OrStep):
            yield from step.options
        else:
            yield step


def linear_paths(steps: Sequence[Step], limit: int) -> list[list[Step]]:
    """Every straight version of ``steps``, one alternative of each ``or:`` at a time
    (at most ``limit``)."""
    paths: list[list[Step]] = [[]]
    for step in steps:
        if isinstance(step, OrStep):
            paths = [[*p, option] for p in paths for option in step.options][:limit]
        else:
            for path in paths:
                path.append(step)
    return paths
